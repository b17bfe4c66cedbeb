"""Mistaken (and right-but-different) 09_rnn notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

_VALUE_HEAD = (
    "import numpy as np\nfrom dlfs.autodiff import Node, topological_order\n"
    "class Value(Node):\n    def backward(self):\n"
)

CASES = [
    (   # the classic mistakes, one per exercise
        {
            "Value": _VALUE_HEAD + (
                "        order = topological_order(self)\n"
                "        for node in order:\n            node.grad = np.zeros_like(node.data)\n"
                "        self.grad = np.ones_like(self.data)\n"
                "        for node in reversed(order):\n            if node.grad_fn is None:\n                continue\n"
                "            for parent, g in zip(node.parents, node.grad_fn(node.grad)):\n"
                "                parent.grad = g\n"
            ),
            "rnn_node_backward": (
                "def rnn_node_backward(dh_out, dh_next, cache, W, U):\n"
                "    da = dh_out * (1 - cache['h'] ** 2)\n"
                "    return da @ W.T, da @ U.T, cache['x'].T @ da, cache['h_prev'].T @ da, da.sum(axis=0, keepdims=True)"
            ),
            "lstm_node_backward": (
                "import numpy as np\n"
                "def lstm_node_backward(dh_out, dh_next, dc_next, cache, W, U):\n"
                "    i, f, g, o, c = cache['i'], cache['f'], cache['g'], cache['o'], cache['c']\n"
                "    dh = dh_out + dh_next\n"
                "    dc = dc_next + dh * o * (1 - c ** 2)\n"
                "    da = np.concatenate([dc * g * i * (1 - i), dc * cache['c_prev'] * f * (1 - f),\n"
                "                         dc * i * (1 - g ** 2), dh * np.tanh(c) * o * (1 - o)], axis=1)\n"
                "    return da @ W.T, da @ U.T, dc * f, cache['x'].T @ da, cache['h_prev'].T @ da, da.sum(0, keepdims=True)"
            ),
            "clip_by_global_norm": (
                "import numpy as np\n"
                "def clip_by_global_norm(grads, max_norm):\n"
                "    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))\n"
                "    return [g * min(1.0, max_norm / np.sqrt(np.sum(g ** 2))) for g in grads], norm"
            ),
        },
        {
            "test_Value": (0, "never `parent.grad = g`"),
            "test_rnn_node_backward": (0, "dh_next left out"),
            "test_lstm_node_backward": (0, "not 1 - c²"),
            "test_clip_by_global_norm": (0, "clipped on its own"),
        },
    ),
    (   # right answers written other ways
        {
            "Value": _VALUE_HEAD + (
                "        order, seen = [], set()\n"
                "        def visit(node):\n"
                "            if id(node) not in seen:\n"
                "                seen.add(id(node))\n"
                "                for p in node.parents:\n                    visit(p)\n"
                "                order.append(node)\n"
                "        visit(self)\n"
                "        for node in order:\n            node.grad = 0 * node.data\n"
                "        self.grad = np.ones(self.data.shape)\n"
                "        for node in order[::-1]:\n"
                "            if node.grad_fn:\n"
                "                for parent, g in zip(node.parents, node.grad_fn(node.grad)):\n"
                "                    parent.grad += g\n"
            ),
            "rnn_node_backward": (
                "import numpy as np\n"
                "def rnn_node_backward(dh_out, dh_next, cache, W, U):\n"
                "    dh = np.add(dh_out, dh_next)\n"
                "    da = dh / np.cosh(np.arctanh(cache['h'])) ** 2\n"
                "    return (np.einsum('nh,ih->ni', da, W), np.einsum('nh,jh->nj', da, U),\n"
                "            np.einsum('ni,nh->ih', cache['x'], da), np.einsum('nj,nh->jh', cache['h_prev'], da),\n"
                "            da.sum(axis=0)[np.newaxis])"
            ),
            "lstm_node_backward": (
                "import numpy as np\n"
                "def lstm_node_backward(dh_out, dh_next, dc_next, cache, W, U):\n"
                "    H = cache['c'].shape[1]\n"
                "    dh = dh_out + dh_next\n"
                "    t = np.tanh(cache['c'])\n"
                "    dc = dc_next + dh * cache['o'] * (1 - t * t)\n"
                "    da = np.zeros((dh.shape[0], 4 * H))\n"
                "    for k, (gate, up) in enumerate([('i', dc * cache['g']), ('f', dc * cache['c_prev']),\n"
                "                                   ('g', dc * cache['i']), ('o', dh * t)]):\n"
                "        s = cache[gate]\n"
                "        da[:, k * H:(k + 1) * H] = up * ((1 - s * s) if gate == 'g' else s * (1 - s))\n"
                "    return da @ W.T, da @ U.T, dc * cache['f'], cache['x'].T @ da, cache['h_prev'].T @ da, da.sum(0, keepdims=True)"
            ),
            "clip_by_global_norm": (
                "import numpy as np\n"
                "def clip_by_global_norm(grads, max_norm):\n"
                "    norm = np.linalg.norm(np.concatenate([np.ravel(g) for g in grads]))\n"
                "    if norm <= max_norm:\n        return [np.copy(g) for g in grads], norm\n"
                "    return [g / (norm / max_norm) for g in grads], norm"
            ),
        },
        {
            "test_Value": (None, None),
            "test_rnn_node_backward": (None, None),
            "test_lstm_node_backward": (None, None),
            "test_clip_by_global_norm": (None, None),
        },
    ),
    (   # more realistic mistakes
        {
            "Value": _VALUE_HEAD + (
                "        order = topological_order(self)\n"
                "        self.grad = np.ones_like(self.data)\n"
                "        for node in reversed(order):\n            if node.grad_fn is not None:\n"
                "                for parent, g in zip(node.parents, node.grad_fn(node.grad)):\n"
                "                    parent.grad = parent.grad + g\n"
            ),
            "rnn_node_backward": (
                "def rnn_node_backward(dh_out, dh_next, cache, W, U):\n"
                "    da = (dh_out + dh_next) * (1 - cache['h'] ** 2)\n"
                "    return da @ W.T, da @ U.T, cache['x'].T @ da, cache['h_prev'].T @ da, da"
            ),
            "lstm_node_backward": (
                "import numpy as np\n"
                "def lstm_node_backward(dh_out, dh_next, dc_next, cache, W, U):\n"
                "    i, f, g, o, c = cache['i'], cache['f'], cache['g'], cache['o'], cache['c']\n"
                "    dh = dh_out + dh_next\n"
                "    dc = dh * o * (1 - np.tanh(c) ** 2)\n"
                "    da = np.concatenate([dc * g * i * (1 - i), dc * cache['c_prev'] * f * (1 - f),\n"
                "                         dc * i * (1 - g ** 2), dh * np.tanh(c) * o * (1 - o)], axis=1)\n"
                "    return da @ W.T, da @ U.T, dc * f, cache['x'].T @ da, cache['h_prev'].T @ da, da.sum(0, keepdims=True)"
            ),
            "clip_by_global_norm": (
                "import numpy as np\n"
                "def clip_by_global_norm(grads, max_norm):\n"
                "    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))\n"
                "    return [g * max_norm / norm for g in grads], norm"
            ),
        },
        {
            "test_Value": (0, "Each call must start afresh"),
            "test_rnn_node_backward": (0, "sum over the rows"),
            "test_lstm_node_backward": (0, "dc_next left out"),
            "test_clip_by_global_norm": (0, "already below max_norm"),
        },
    ),
    (   # lazy answers: they run, return the right shapes, and are wrong
        {
            "Value": _VALUE_HEAD + "        pass\n",
            "rnn_node_backward": (
                "import numpy as np\n"
                "def rnn_node_backward(dh_out, dh_next, cache, W, U):\n"
                "    return (np.zeros_like(cache['x']), np.zeros_like(dh_out), np.zeros_like(W), np.zeros_like(U),\n"
                "            np.zeros((1, U.shape[0])))"
            ),
            "lstm_node_backward": (
                "import numpy as np\n"
                "def lstm_node_backward(dh_out, dh_next, dc_next, cache, W, U):\n"
                "    return cache['x'], dh_out, dc_next, W, U, np.zeros((1, U.shape[1]))"
            ),
            "clip_by_global_norm": "def clip_by_global_norm(grads, max_norm):\n    return grads, max_norm",
        },
        {
            "test_Value": (0, "np.ones_like(self.data)"),
            "test_rnn_node_backward": (0, "dx from rnn_node_backward"),
            "test_lstm_node_backward": (0, "dx from lstm_node_backward"),
            "test_clip_by_global_norm": (0, "clipped[0]"),
        },
    ),
]
