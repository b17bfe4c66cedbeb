"""Mistaken (and right-but-different) 05_linear_regression notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

CASES = [
    (
        {
            "forward_linear_regression": (
                "import numpy as np\ndef forward_linear_regression(X_batch, y_batch, weights):\n"
                "    if y_batch.ndim != 2 or X_batch.shape[0] != y_batch.shape[0] or X_batch.shape[1] != weights['W'].shape[0]:\n"
                "        raise ValueError('shapes do not fit')\n"
                "    N = X_batch @ weights['W']\n    P = N + weights['B']\n"
                "    return float(np.sum((P - y_batch) ** 2)), {'X': X_batch, 'N': N, 'P': P, 'y': y_batch}"
            ),
            "loss_gradients": (
                "def loss_gradients(forward_info, weights):\n    dP = 2 * (forward_info['P'] - forward_info['y'])\n"
                "    return {'W': forward_info['X'].T @ dP, 'B': dP.sum(axis=0, keepdims=True)}"
            ),
            "loss_gradients_nn": (
                "import numpy as np\ndef loss_gradients_nn(forward_info, weights):\n"
                "    n = forward_info['X'].shape[0]\n    dP = 2 * (forward_info['P'] - forward_info['y']) / n\n"
                "    s = 1 / (1 + np.exp(-forward_info['M1']))\n    dN1 = (dP @ weights['W2'].T) * s * (1 - s)\n"
                "    return {'W2': forward_info['O1'].T @ dP, 'B2': dP.sum(axis=0, keepdims=True),\n"
                "            'W1': forward_info['X'].T @ dN1, 'B1': dN1.sum(axis=0, keepdims=True)}"
            ),
        },
        {
            "test_forward_linear_regression": (0, "divide by n"),
            "test_loss_gradients": (0, "1/n of the mean"),
            "test_loss_gradients_nn": (0, "σ' at M1"),
        },
    ),
]
