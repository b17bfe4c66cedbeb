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
    # right, written other ways: float32 results, another mask protocol (rng.random > 1 - p), np.add/np.where
    (
        {
            'sgd_momentum_update': (
                'import numpy as np\ndef sgd_momentum_update(param, grad, velocity, lr, momentum):\n'
                '    new_velocity = np.add(momentum * velocity, lr * grad)\n    return np.subtract(param, new_velocity), new_velocity'
            ),
            'exponential_decay': (
                'import numpy as np\ndef exponential_decay(lr, final_lr, epoch, max_epochs):\n'
                '    return np.float32(lr * np.exp(np.log(final_lr / lr) * epoch / (max_epochs - 1)))'
            ),
            'glorot_init': (
                'import numpy as np\ndef glorot_init(n_in, n_out, rng):\n'
                '    return (rng.standard_normal((n_in, n_out)) * np.sqrt(2 / (n_in + n_out))).astype(np.float32)'
            ),
            'Dropout': (
                'import numpy as np\nclass Dropout:\n    def __init__(self, keep_prob, seed):\n        self.keep_prob = keep_prob\n'
                '        self.rng = np.random.default_rng(seed)\n        self.mask = None\n        self.training = False\n'
                '    def forward(self, x, training):\n        self.training = training\n        if not training:\n            return x\n'
                '        self.mask = self.rng.random(x.shape) > 1 - self.keep_prob\n        return np.where(self.mask, x / self.keep_prob, 0.0)\n'
                '    def backward(self, output_grad):\n        if not self.training:\n            return output_grad\n'
                '        return np.where(self.mask, output_grad / self.keep_prob, 0.0)'
            ),
            'answer_q1': 'answer_q1 = 1 / (1 - 0.9)',
            'answer_q2': 'answer_q2 = 2 / 0.8',
            'answer_q3': "answer_q3 = 'B'",
            'answer_q4': "answer_q4 = ' b'",
        },
        {f"test_{gid}": (None, None) for gid in ("sgd_momentum_update", "exponential_decay", "glorot_init", "Dropout",
                                                  "answer_q1", "answer_q2", "answer_q3", "answer_q4")},
    ),
    # lazy answers: a velocity kept between calls (ignores the argument), a list, NumPy's global generator, a new
    # mask in backward; realistic wrong answers to the questions, one left unanswered
    (
        {
            'sgd_momentum_update': (
                'import numpy as np\n_velocity = {}\ndef sgd_momentum_update(param, grad, velocity, lr, momentum):\n'
                '    v = momentum * _velocity.get(param.shape, np.zeros_like(param)) + lr * grad\n    _velocity[param.shape] = v\n    return param - v, v'
            ),
            'exponential_decay': 'def exponential_decay(lr, final_lr, epoch, max_epochs):\n    return [lr * (final_lr / lr) ** (epoch / (max_epochs - 1))]',
            'glorot_init': (
                'import numpy as np\ndef glorot_init(n_in, n_out, rng):\n    return np.random.normal(0.0, np.sqrt(2 / (n_in + n_out)), size=(n_in, n_out))'
            ),
            'Dropout': (
                'import numpy as np\nclass Dropout:\n    def __init__(self, keep_prob, seed):\n        self.keep_prob = keep_prob\n'
                '        self.rng = np.random.default_rng(seed)\n        self.mask = None\n        self.training = False\n'
                '    def forward(self, x, training):\n        self.training = training\n        if not training:\n            return x\n'
                '        self.mask = self.rng.random(x.shape) < self.keep_prob\n        return x * self.mask / self.keep_prob\n'
                '    def backward(self, output_grad):\n        if not self.training:\n            return output_grad\n'
                '        return output_grad * (self.rng.random(output_grad.shape) < self.keep_prob) / self.keep_prob'
            ),
            'answer_q1': 'answer_q1 = 9',
            'answer_q2': 'answer_q2 = 2 * 0.8',
            'answer_q3': "answer_q3 = 'c'",
        },
        {
            "test_sgd_momentum_update": (0, "the given starting velocity"),
            "test_exponential_decay": (0, "received a Python list"),
            "test_glorot_init": (0, "draw the numbers from the `rng` you are given"),
            "test_Dropout": (0, "reuse the mask of the last forward"),
            "test_answer_q1": (0, "not quite"),
            "test_answer_q2": (0, "not quite"),
            "test_answer_q3": (0, "not quite"),
            "test_answer_q4": (0, "not answered yet"),
        },
    ),
]
