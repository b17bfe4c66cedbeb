"""Mistaken (and right-but-different) 05_linear_regression notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

FORWARD = (
    "import numpy as np\ndef forward_linear_regression(X_batch, y_batch, weights):\n"
    "    W, B = weights['W'], weights['B']\n"
    "    if X_batch.ndim != 2 or W.shape != (X_batch.shape[1], 1) or B.shape != (1, 1) or y_batch.shape != (len(X_batch), 1):\n"
    "        raise ValueError(f'shapes do not fit: X {X_batch.shape}, W {W.shape}, B {B.shape}, y {y_batch.shape}')\n"
    "    N = X_batch @ W\n    P = N + B\n"
    "    return float(np.mean((P - y_batch) ** 2)), {'X': X_batch, 'N': N, 'P': P, 'y': y_batch}"
)
GRADIENTS = (
    "def loss_gradients(forward_info, weights):\n    n = forward_info['X'].shape[0]\n"
    "    dP = 2 * (forward_info['P'] - forward_info['y']) / n\n"
    "    return {'W': forward_info['X'].T @ dP, 'B': dP.sum(axis=0, keepdims=True)}"
)
EPOCH = (
    "def train_epoch(X, y, weights, forward, backward, learning_rate, batch_size, order):\n    w = dict(weights)\n"
    "    for start in range(0, len(X), batch_size):\n        rows = order[start:start + batch_size]\n"
    "        _, info = forward(X[rows], y[rows], w)\n        grads = backward(info, w)\n"
    "        w = {k: w[k] - learning_rate * grads[k] for k in w}\n    return w"
)
GRADIENTS_NN = (
    "import numpy as np\ndef loss_gradients_nn(forward_info, weights):\n"
    "    X, O1, P, y = forward_info['X'], forward_info['O1'], forward_info['P'], forward_info['y']\n"
    "    dP = 2 * (P - y) / len(X)\n    dN1 = (dP @ weights['W2'].T) * O1 * (1 - O1)\n"
    "    return {'W2': O1.T @ dP, 'B2': dP.sum(axis=0, keepdims=True), 'W1': X.T @ dN1, 'B1': dN1.sum(axis=0, keepdims=True)}"
)
RIGHT_ANSWERS = {"answer_q1": "answer_q1 = 32.0", "answer_q2": 'answer_q2 = "B"', "answer_q3": "answer_q3 = ' b '",
                 "answer_q4": "answer_q4 = 3 / 2"}
ALL_RIGHT = {gid: (None, None) for gid in ("test_forward_linear_regression", "test_loss_gradients", "test_train_epoch",
                                            "test_loss_gradients_nn", "test_answer_q1", "test_answer_q2", "test_answer_q3",
                                            "test_answer_q4")}

CASES = [
    # right, written other ways: full marks
    (
        {
            "forward_linear_regression": (
                "import numpy as np\ndef forward_linear_regression(X_batch, y_batch, weights):\n"
                "    n, k = np.shape(X_batch)\n"
                "    for name, want, got in (('W', (k, 1), weights['W'].shape), ('B', (1, 1), weights['B'].shape),\n"
                "                            ('y_batch', (n, 1), y_batch.shape)):\n"
                "        if got != want:\n            raise ValueError(f'{name} must have shape {want}, not {got}')\n"
                "    N = np.einsum('nk,ko->no', X_batch, weights['W'])\n    P = N + weights['B'][0, 0]\n"
                "    return np.square(P - y_batch).sum() / n, dict(X=X_batch, N=N, P=P, y=y_batch)"
            ),
            "loss_gradients": (
                "import numpy as np\ndef loss_gradients(forward_info, weights):\n"
                "    X, y = forward_info['X'], forward_info['y']\n    err = X @ weights['W'] + weights['B'] - y\n"
                "    return {'W': 2 * np.mean(X * err, axis=0)[:, None], 'B': np.array([[2 * err.mean()]])}"
            ),
            "train_epoch": (
                "def train_epoch(X, y, weights, forward, backward, learning_rate, batch_size, order):\n"
                "    Xs, ys = X[order], y[order]\n    w = {k: v.copy() for k, v in weights.items()}\n    i = 0\n"
                "    while i < len(Xs):\n        _, info = forward(Xs[i:i + batch_size], ys[i:i + batch_size], w)\n"
                "        for k, g in backward(info, w).items():\n            w[k] -= learning_rate * g\n"
                "        i += batch_size\n    return w"
            ),
            "loss_gradients_nn": (
                "import numpy as np\ndef loss_gradients_nn(forward_info, weights):\n"
                "    X, y = forward_info['X'], forward_info['y']\n"
                "    O1 = 1 / (1 + np.exp(-(X @ weights['W1'] + weights['B1'])))\n"
                "    dP = 2 * (O1 @ weights['W2'] + weights['B2'] - y) / len(X)\n"
                "    dN1 = np.einsum('no,ho->nh', dP, weights['W2']) * O1 * (1 - O1)\n"
                "    return {'B2': dP.sum(0, keepdims=True), 'W2': O1.T @ dP, 'B1': dN1.sum(0)[None],\n"
                "            'W1': np.einsum('nk,nh->kh', X, dN1).astype(np.float32)}"
            ),
            **RIGHT_ANSWERS,
        },
        ALL_RIGHT,
    ),
    # realistic mistakes, the included: a shape check of y's dimensions only
    (
        {
            "forward_linear_regression": (
                "import numpy as np\ndef forward_linear_regression(X_batch, y_batch, weights):\n"
                "    if y_batch.ndim != 2:\n        raise ValueError('y must be 2-D')\n"
                "    N = X_batch @ weights['W']\n    P = N + weights['B']\n"
                "    return float(np.mean((P - y_batch) ** 2)), {'X': X_batch, 'N': N, 'P': P, 'y': y_batch}"
            ),
            "loss_gradients": (
                "def loss_gradients(forward_info, weights):\n    dP = 2 * (forward_info['P'] - forward_info['y'])\n"
                "    return {'W': forward_info['X'].T @ dP, 'B': dP.sum(axis=0, keepdims=True)}"
            ),
            "train_epoch": (
                "def train_epoch(X, y, weights, forward, backward, learning_rate, batch_size, order):\n    w = dict(weights)\n"
                "    for start in range(0, len(X) - batch_size + 1, batch_size):\n        rows = order[start:start + batch_size]\n"
                "        _, info = forward(X[rows], y[rows], w)\n        grads = backward(info, w)\n"
                "        w = {k: w[k] - learning_rate * grads[k] for k in w}\n    return w"
            ),
            "loss_gradients_nn": (
                "import numpy as np\ndef loss_gradients_nn(forward_info, weights):\n"
                "    n = forward_info['X'].shape[0]\n    dP = 2 * (forward_info['P'] - forward_info['y']) / n\n"
                "    s = 1 / (1 + np.exp(-forward_info['M1']))\n    dN1 = (dP @ weights['W2'].T) * s * (1 - s)\n"
                "    return {'W2': forward_info['O1'].T @ dP, 'B2': dP.sum(axis=0, keepdims=True),\n"
                "            'W1': forward_info['X'].T @ dN1, 'B1': dN1.sum(axis=0, keepdims=True)}"
            ),
            "answer_q1": "answer_q1 = 16", "answer_q2": "answer_q2 = 'c'", "answer_q3": "answer_q3 = 'e'",
            "answer_q4": "answer_q4 = -1.5",
        },
        {
            "test_forward_linear_regression": (0, "Check W's shape, both numbers"),
            "test_loss_gradients": (0, "1/n of the mean"),
            "test_train_epoch": (0, "you left out the last, smaller batch"),
            "test_loss_gradients_nn": (0, "σ' at M1"),
            "test_answer_q1": (0, "not quite"),
            "test_answer_q2": (0, "not quite"),
            "test_answer_q3": (0, "one letter out of a, b, c, d"),
            "test_answer_q4": (0, "not quite"),
        },
    ),
    # lazy answers: lists, changed inputs, arguments ignored, questions left unanswered
    (
        {
            "forward_linear_regression": FORWARD.replace("{'X': X_batch, 'N': N, 'P': P, 'y': y_batch}",
                                                         "{'X': X_batch, 'N': N, 'P': P.tolist(), 'y': y_batch}"),
            "loss_gradients": (
                "def loss_gradients(forward_info, weights):\n    n = forward_info['X'].shape[0]\n"
                "    dP = forward_info['P']\n    dP -= forward_info['y']\n    dP *= 2 / n\n"
                "    return {'W': forward_info['X'].T @ dP, 'B': dP.sum(axis=0, keepdims=True)}"
            ),
            "train_epoch": (
                "def train_epoch(X, y, weights, forward, backward, learning_rate, batch_size, order):\n"
                "    for start in range(0, len(X), batch_size):\n        rows = order[start:start + batch_size]\n"
                "        _, info = forward(X[rows], y[rows], weights)\n        grads = backward(info, weights)\n"
                "        for k in weights:\n            weights[k] -= learning_rate * grads[k]\n    return weights"
            ),
            "loss_gradients_nn": GRADIENTS_NN.replace("'B1': dN1.sum(axis=0, keepdims=True)}",
                                                      "'B1': dN1.sum(axis=0, keepdims=True).tolist()}"),
        },
        {
            "test_forward_linear_regression": (0, "received a Python list"),
            "test_loss_gradients": (0, "changed its input `forward_info['P']` in place"),
            "test_train_epoch": (0, "changed its input `weights['W1']` in place"),
            "test_loss_gradients_nn": (0, "received a Python list"),
            "test_answer_q1": (0, "not answered yet"),
            "test_answer_q4": (0, "not answered yet"),
        },
    ),
    # a loop that ignores the functions it is given and calls the learner's own linear regression
    (
        {
            "forward_linear_regression": FORWARD, "loss_gradients": GRADIENTS, "loss_gradients_nn": GRADIENTS_NN,
            "train_epoch": EPOCH.replace("forward(X[rows], y[rows], w)", "forward_linear_regression(X[rows], y[rows], w)")
                                .replace("backward(info, w)", "loss_gradients(info, w)"),
            **RIGHT_ANSWERS,
        },
        {
            "test_forward_linear_regression": (None, None),
            "test_loss_gradients": (None, None),
            "test_train_epoch": (0, "raised"),
            "test_loss_gradients_nn": (None, None),
        },
    ),
]
