"""Mistaken (and right-but-different) 08_cnn notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

# Right answers written another way than the solution: np.correlate per row, sliding windows and einsum for
# the backward passes, np.argmax over the flattened windows for the pooling.
RIGHT_BUT_DIFFERENT = {
    "conv_1d": (
        "import numpy as np\n"
        "def conv_1d(inputs, kernel):\n"
        "    p = (len(kernel) - 1) // 2\n"
        "    return np.array([np.correlate(np.pad(row, p), kernel, mode='valid') for row in inputs])"
    ),
    "conv_1d_backward": (
        "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view\n"
        "def conv_1d_backward(inputs, kernel, output_grad):\n"
        "    k = len(kernel)\n    p = (k - 1) // 2\n"
        "    windows = sliding_window_view(np.pad(inputs, ((0, 0), (p, p))), k, axis=1)  # (b, n, k)\n"
        "    kernel_grad = np.einsum('bi,bij->j', output_grad, windows)\n"
        "    padded_grad = np.zeros((inputs.shape[0], inputs.shape[1] + 2 * p))\n"
        "    for j in range(k):\n"
        "        padded_grad[:, j : j + inputs.shape[1]] += output_grad * kernel[j]\n"
        "    return padded_grad[:, p : p + inputs.shape[1]], kernel_grad"
    ),
    "conv_2d_backward": (
        "import numpy as np\nfrom dlfs.convolution import padding_amounts\n"
        "def conv_2d_backward(inputs, kernels, output_grad, padding='same'):\n"
        "    kh, kw = kernels.shape[2:]\n    ph, pw = padding_amounts((kh, kw), padding)\n"
        "    padded = np.pad(inputs, ((0, 0), (0, 0), (ph, ph), (pw, pw)))\n"
        "    padded_grad = np.zeros_like(padded)\n    kernel_grad = np.zeros_like(kernels, dtype=float)\n"
        "    oh, ow = output_grad.shape[2:]\n"
        "    for u in range(kh):\n"
        "        for v in range(kw):\n"
        "            window = padded[:, :, u : u + oh, v : v + ow]  # (b, c, oh, ow)\n"
        "            kernel_grad[:, :, u, v] = np.einsum('boij,bcij->oc', output_grad, window)\n"
        "            padded_grad[:, :, u : u + oh, v : v + ow] += np.einsum('boij,oc->bcij', output_grad, kernels[:, :, u, v])\n"
        "    h, w = inputs.shape[2:]\n"
        "    return padded_grad[:, :, ph : ph + h, pw : pw + w], kernel_grad"
    ),
    "max_pool_backward": (
        "import numpy as np\n"
        "def max_pool_backward(inputs, output_grad, size=2):\n"
        "    b, c, h, w = inputs.shape\n"
        "    windows = inputs.reshape(b, c, h // size, size, w // size, size).transpose(0, 1, 2, 4, 3, 5)\n"
        "    flat = windows.reshape(b, c, h // size, w // size, size * size)\n"
        "    first = np.argmax(flat, axis=-1)\n"
        "    grad = np.zeros_like(flat, dtype=float)\n"
        "    np.put_along_axis(grad, first[..., None], output_grad[..., None], axis=-1)\n"
        "    grad = grad.reshape(b, c, h // size, w // size, size, size).transpose(0, 1, 2, 4, 3, 5)\n"
        "    return grad.reshape(b, c, h, w)"
    ),
}

# The book's companion-code mistakes and their relatives, plus a lazy answer.
MISTAKEN = {
    "conv_1d": (  # lazy: the signals back, unchanged (right shape, no kernel)
        "import numpy as np\ndef conv_1d(inputs, kernel):\n    return inputs.copy()"
    ),
    "conv_1d_backward": (  # the kernel gradient of every signal, not summed over the batch
        "import numpy as np\n"
        "def conv_1d_backward(inputs, kernel, output_grad):\n"
        "    k = len(kernel)\n    p = (k - 1) // 2\n    n = inputs.shape[1]\n"
        "    padded = np.pad(inputs, ((0, 0), (p, p)))\n"
        "    kernel_grad = np.array([[np.sum(g * x[j : j + n]) for j in range(k)] for g, x in zip(output_grad, padded)])\n"
        "    padded_grad = np.pad(output_grad, ((0, 0), (k - 1 - p, k - 1 - p)))\n"
        "    input_grad = np.array([[row[m : m + k] @ kernel[::-1] for m in range(n)] for row in padded_grad])\n"
        "    return input_grad, kernel_grad"
    ),
    "conv_2d_backward": (  # the input gradient with the kernels not flipped
        "import numpy as np\nfrom dlfs.convolution import conv_2d, padding_amounts\n"
        "def conv_2d_backward(inputs, kernels, output_grad, padding='same'):\n"
        "    kh, kw = kernels.shape[2:]\n    ph, pw = padding_amounts((kh, kw), padding)\n"
        "    padded = np.pad(inputs, ((0, 0), (0, 0), (ph, ph), (pw, pw)))\n"
        "    oh, ow = output_grad.shape[2:]\n"
        "    kernel_grad = np.zeros(kernels.shape)\n"
        "    for u in range(kh):\n"
        "        for v in range(kw):\n"
        "            kernel_grad[:, :, u, v] = np.einsum('boij,bcij->oc', output_grad, padded[:, :, u : u + oh, v : v + ow])\n"
        "    full = np.pad(output_grad, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))\n"
        "    grad = conv_2d(full, kernels.transpose(1, 0, 2, 3), 'valid')  # forgot [:, :, ::-1, ::-1]\n"
        "    h, w = inputs.shape[2:]\n"
        "    return grad[:, :, ph : ph + h, pw : pw + w], kernel_grad"
    ),
    "max_pool_backward": (  # ties: every maximum gets the gradient
        "import numpy as np\n"
        "def max_pool_backward(inputs, output_grad, size=2):\n"
        "    big = inputs.reshape(*inputs.shape[:2], inputs.shape[2] // size, size, inputs.shape[3] // size, size)\n"
        "    is_max = big == big.max(axis=(3, 5), keepdims=True)\n"
        "    return (is_max * output_grad[:, :, :, None, :, None]).reshape(inputs.shape)"
    ),
}

CASES = [
    (
        RIGHT_BUT_DIFFERENT,
        {
            "test_conv_1d": (None, None),
            "test_conv_1d_backward": (None, None),
            "test_conv_2d_backward": (None, None),
            "test_max_pool_backward": (None, None),
        },
    ),
    (
        MISTAKEN,
        {
            "test_conv_1d": (0, "is wrong"),
            "test_conv_1d_backward": (0, "one kernel gradient per item"),
            "test_conv_2d_backward": (0, "kernels as they are"),
            "test_max_pool_backward": (0, "every input equal to its window's maximum"),
        },
    ),
]
