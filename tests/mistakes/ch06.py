"""Mistaken (and right-but-different) 06_softmax notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

CASES = [
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
]
