"""Mistaken (and right-but-different) 06_softmax notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

_GIDS = ("numerical_gradient", "Sigmoid", "WeightMultiply", "BiasAdd", "dense_backward", "softmax", "SoftmaxCrossEntropy",
         "answer_q1", "answer_q2", "answer_q3", "answer_q4", "answer_q5")
ALL_RIGHT = {f"test_{gid}": (None, None) for gid in _GIDS}

CASES = [
    # right, written other ways: full marks
    (
        {
            "numerical_gradient": (
                "import numpy as np\ndef numerical_gradient(f, x, delta=1e-6):\n    flat = x.astype(float).ravel()\n"
                "    grad = np.empty_like(flat)\n    for i in range(flat.size):\n        e = np.zeros_like(flat)\n"
                "        e[i] = delta\n"
                "        grad[i] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * delta)\n"
                "    return grad.reshape(x.shape)"
            ),
            "Sigmoid": (
                "import numpy as np\nfrom dlfs.nn.operations import Operation\nfrom dlfs.functions import sigmoid\n"
                "class Sigmoid(Operation):\n    def _output(self):\n        return sigmoid(self.input_)\n"
                "    def _input_grad(self, output_grad):\n        e = np.exp(-np.abs(self.input_))\n"
                "        return e / (1 + e) ** 2 * output_grad"
            ),
            "WeightMultiply": (
                "import numpy as np\nfrom dlfs.nn.operations import ParamOperation\nclass WeightMultiply(ParamOperation):\n"
                "    def _output(self):\n        return self.input_ @ self.param\n"
                "    def _input_grad(self, output_grad):\n        return np.einsum('nm,km->nk', output_grad, self.param)\n"
                "    def _param_grad(self, output_grad):\n        return (output_grad.T @ self.input_).T.astype(np.float32)"
            ),
            "BiasAdd": (
                "import numpy as np\nfrom dlfs.nn.operations import ParamOperation\nclass BiasAdd(ParamOperation):\n"
                "    def _output(self):\n        return self.input_ + self.param\n"
                "    def _input_grad(self, output_grad):\n        return output_grad.copy()\n"
                "    def _param_grad(self, output_grad):\n        return np.ones((1, len(output_grad))) @ output_grad"
            ),
            "dense_backward": (
                "from dlfs.nn.operations import Tanh  # WeightMultiply and BiasAdd: my own, from the cells above\n"
                "def dense_backward(X, W, B, output_grad):\n"
                "    boxes = [WeightMultiply(W.copy()), BiasAdd(B.copy()), Tanh()]\n    out = X\n"
                "    for box in boxes:\n        out = box.forward(out)\n    grad = output_grad\n"
                "    for box in reversed(boxes):\n        grad = box.backward(grad)\n"
                "    return {'X': grad, 'W': boxes[0].param_grad, 'B': boxes[1].param_grad}"
            ),
            "softmax": (
                "import numpy as np\ndef softmax(x):\n    m = x.max(axis=1, keepdims=True)\n"
                "    return np.exp(x - (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))))"
            ),
            "SoftmaxCrossEntropy": (
                "import numpy as np\nclass SoftmaxCrossEntropy:\n    def forward(self, prediction, target):\n"
                "        z = prediction - prediction.max(axis=1, keepdims=True)\n"
                "        self.p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)\n        self.y = target\n"
                "        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
                "        return np.float32(-np.sum(target * log_p) / len(z))\n"
                "    def backward(self):\n        return (self.p - self.y) / len(self.y)"
            ),
            "answer_q1": "import numpy as np\nanswer_q1 = np.log(10)", "answer_q2": "answer_q2 = 'B'", "answer_q3": "answer_q3 = 'b'",
            "answer_q4": "answer_q4 = 'b'", "answer_q5": "answer_q5 = 'a'",
        },
        ALL_RIGHT,
    ),
    # the realistic mistakes of the first version of this chapter
    (
        {
            "Sigmoid": (
                "from dlfs.nn.operations import Operation\nfrom dlfs.functions import sigmoid\n"
                "class Sigmoid(Operation):\n    def _output(self):\n        return sigmoid(self.input_)\n"
                "    def _input_grad(self, output_grad):\n        return self.output * output_grad"
            ),
            "softmax": "import numpy as np\ndef softmax(x):\n    e = np.exp(x)\n    return e / e.sum(axis=1, keepdims=True)",
            "SoftmaxCrossEntropy": (
                "import numpy as np\nfrom dlfs.nn.losses import Loss\nclass SoftmaxCrossEntropy(Loss):\n"
                "    def _output(self):\n        z, y = self.prediction, self.target\n"
                "        s = z - z.max(axis=1, keepdims=True)\n"
                "        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
                "        return float(-np.sum(y * log_p) / z.shape[0])\n"
                "    def _input_grad(self):\n        z, y = self.prediction, self.target\n"
                "        e = np.exp(z - z.max(axis=1, keepdims=True))\n        return e / e.sum(axis=1, keepdims=True) - y"
            ),
        },
        {
            "test_Sigmoid": (0, "the function's value"),
            "test_softmax": (0, "subtract each row's maximum"),
            "test_SoftmaxCrossEntropy": (0, "1/n"),
        },
    ),
    # realistic mistakes in the construction exercises and the questions
    (
        {
            "numerical_gradient": (
                "import numpy as np\ndef numerical_gradient(f, x, delta=1e-6):\n    grad = np.zeros(x.shape)\n    f0 = f(x)\n"
                "    for idx in np.ndindex(x.shape):\n        up = x.copy()\n        up[idx] += delta\n"
                "        grad[idx] = (f(up) - f0) / delta\n    return grad"
            ),
            "WeightMultiply": (
                "from dlfs.nn.operations import ParamOperation\nclass WeightMultiply(ParamOperation):\n"
                "    def _output(self):\n        return self.input_ @ self.param\n"
                "    def _input_grad(self, output_grad):\n        return output_grad @ self.param\n"
                "    def _param_grad(self, output_grad):\n        return self.input_.T @ output_grad"
            ),
            "BiasAdd": (
                "from dlfs.nn.operations import ParamOperation\nclass BiasAdd(ParamOperation):\n"
                "    def _output(self):\n        return self.input_ + self.param\n"
                "    def _input_grad(self, output_grad):\n        return output_grad\n"
                "    def _param_grad(self, output_grad):\n        return output_grad"
            ),
            "dense_backward": (
                "import numpy as np\ndef dense_backward(X, W, B, output_grad):\n    M = X @ W\n"
                "    dN = output_grad * (1 - np.tanh(M) ** 2)\n"
                "    return {'X': dN @ W.T, 'W': X.T @ dN, 'B': dN.sum(axis=0, keepdims=True)}"
            ),
            "answer_q1": "answer_q1 = 10", "answer_q2": "answer_q2 = 'd'", "answer_q3": "answer_q3 = 'c'",
            "answer_q4": "answer_q4 = 'a'", "answer_q5": "answer_q5 = 'T'",
        },
        {
            "test_numerical_gradient": (0, "forward difference"),
            "test_WeightMultiply": (0, "inner dimensions do not match"),
            "test_BiasAdd": (0, "adds up the rows of output_grad"),
            "test_dense_backward": (0, "tanh' at X W, without B"),
            "test_answer_q1": (0, "not quite"),
            "test_answer_q2": (0, "not quite"),
            "test_answer_q3": (0, "not quite"),
            "test_answer_q4": (0, "not quite"),
            "test_answer_q5": (0, "one letter out of a, b, c, d"),
        },
    ),
    # lazy answers: inputs changed, lists, arguments ignored, state kept between calls
    (
        {
            "numerical_gradient": (
                "import numpy as np\ndef numerical_gradient(f, x, delta=1e-6):\n    grad = np.zeros(x.shape)\n"
                "    for idx in np.ndindex(x.shape):\n        x[idx] += delta\n        up = f(x)\n"
                "        x[idx] -= 2 * delta\n        down = f(x)\n        x[idx] += delta\n"
                "        grad[idx] = (up - down) / (2 * delta)\n    return grad"
            ),
            "Sigmoid": (
                "from dlfs.nn.operations import Operation\nfrom dlfs.functions import sigmoid\n"
                "class Sigmoid(Operation):\n    def _output(self):\n        return sigmoid(self.input_)\n"
                "    def _input_grad(self, output_grad):\n        s = self.output\n        s *= 1 - s\n        return s * output_grad"
            ),
            "WeightMultiply": (
                "from dlfs.nn.operations import ParamOperation\nclass WeightMultiply(ParamOperation):\n"
                "    def _output(self):\n        return self.input_ @ self.param\n"
                "    def _input_grad(self, output_grad):\n        return output_grad @ self.param.T\n"
                "    def _param_grad(self, output_grad):\n        if not hasattr(self, 'first'):\n            self.first = self.input_\n"
                "        return self.first.T @ output_grad"
            ),
            "dense_backward": (
                "import numpy as np\ndef dense_backward(X, W, B, output_grad):\n    dN = 1 - np.tanh(X @ W + B) ** 2\n"
                "    return {'X': dN @ W.T, 'W': X.T @ dN, 'B': dN.sum(axis=0, keepdims=True)}"
            ),
            "softmax": "import numpy as np\ndef softmax(x):\n    e = np.exp(x - x.max(axis=1, keepdims=True))\n    return (e / e.sum(axis=1, keepdims=True)).tolist()",
        },
        {
            "test_numerical_gradient": (0, "does not always give back the same float"),
            "test_Sigmoid": (0, "called a second time"),
            "test_WeightMultiply": (0, "a second forward on a new batch"),
            "test_dense_backward": (0, "you left out output_grad"),
            "test_softmax": (0, "received a Python list"),
            "test_answer_q2": (0, "not answered yet"),
        },
    ),
]
