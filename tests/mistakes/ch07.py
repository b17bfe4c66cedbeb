"""Mistaken (and right-but-different) 07_momentum notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

CASES = [
    (
        {
            "sgd_momentum_update": (
                "def sgd_momentum_update(param, grad, velocity, lr, momentum):\n    v = momentum * velocity + lr * grad\n    return param - lr * v, v"
            ),
            "exponential_decay": "def exponential_decay(lr, final_lr, epoch, max_epochs):\n    return lr + (final_lr - lr) * epoch / (max_epochs - 1)",
            "glorot_init": "import numpy as np\ndef glorot_init(n_in, n_out, rng):\n    return rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out))",
            "Dropout": (
                "import numpy as np\nclass Dropout:\n    def __init__(self, keep_prob, seed):\n"
                "        self.keep_prob = keep_prob\n        self.rng = np.random.default_rng(seed)\n        self.mask = None\n"
                "    def forward(self, x, training):\n        if not training:\n            self.mask = None\n            return x\n"
                "        self.mask = self.rng.random(x.shape) < self.keep_prob\n        return x * self.mask\n"
                "    def backward(self, output_grad):\n        return output_grad * self.mask"
            ),
        },
        {
            "test_sgd_momentum_update": (0, "learning rate twice"),
            "test_exponential_decay": (0, "linear decay"),
            "test_glorot_init": (0, "1 / n_in"),
            "test_Dropout": (0, "not rescaled"),
        },
    ),
]
