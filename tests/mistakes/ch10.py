"""Mistaken (and right-but-different) 10_pytorch notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

RIGHT_BUT_DIFFERENT = {
    # nn.init.xavier_normal_ and torch.addmm: the same layer written another way
    "DenseLayer": (
        "class DenseLayer(nn.Module):\n"
        "    def __init__(self, n_in, n_out):\n"
        "        super().__init__()\n"
        "        self.W = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_in, n_out)))\n"
        "        self.register_parameter('B', nn.Parameter(torch.zeros(1, n_out)))\n"
        "    def forward(self, X):\n"
        "        return torch.addmm(self.B, X, self.W)"
    ),
    # zero_grad at the end of the step instead of the start: every backward still starts from zero
    "train_step": (
        "def train_step(model, loss_fn, optimizer, X, y):\n"
        "    prediction = model(X)\n"
        "    loss = loss_fn(prediction, y)\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
        "    optimizer.zero_grad()\n"
        "    return float(loss)"
    ),
    # torch.autograd.grad and torch.allclose instead of .backward() and np.allclose
    "scratch_grads_match": (
        "def scratch_grads_match(W, B, X, output_grad, grads):\n"
        "    Wt = torch.tensor(W, requires_grad=True)\n"
        "    Bt = torch.tensor(B, requires_grad=True)\n"
        "    Xt = torch.tensor(X, requires_grad=True)\n"
        "    out = Xt @ Wt + Bt\n"
        "    gX, gW, gB = torch.autograd.grad(out, (Xt, Wt, Bt), grad_outputs=torch.tensor(output_grad))\n"
        "    verdict = {}\n"
        "    for key, want in (('X', gX), ('W', gW), ('B', gB)):\n"
        "        got = torch.as_tensor(np.asarray(grads[key], dtype=np.float64))\n"
        "        verdict[key] = got.shape == want.shape and bool(torch.allclose(got, want, rtol=1e-6, atol=1e-9))\n"
        "    return verdict"
    ),
}

CASES = [
    (RIGHT_BUT_DIFFERENT, {"test_DenseLayer": (None, ""), "test_train_step": (None, ""), "test_scratch_grads_match": (None, "")}),
    (
        {
            # plain tensors: nothing is registered
            "DenseLayer": (
                "class DenseLayer(nn.Module):\n"
                "    def __init__(self, n_in, n_out):\n"
                "        super().__init__()\n"
                "        self.W = torch.randn(n_in, n_out) * (2 / (n_in + n_out)) ** 0.5\n"
                "        self.B = torch.zeros(1, n_out)\n"
                "    def forward(self, X):\n"
                "        return X @ self.W + self.B"
            ),
            # the classic: no zero_grad
            "train_step": (
                "def train_step(model, loss_fn, optimizer, X, y):\n"
                "    loss = loss_fn(model(X), y)\n"
                "    loss.backward()\n"
                "    optimizer.step()\n"
                "    return loss.item()"
            ),
            # np.allclose alone broadcasts a (n_out,) bias gradient against (1, n_out)
            "scratch_grads_match": (
                "def scratch_grads_match(W, B, X, output_grad, grads):\n"
                "    linear = nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)\n"
                "    with torch.no_grad():\n"
                "        linear.weight.copy_(torch.from_numpy(W.T.copy()))\n"
                "        linear.bias.copy_(torch.from_numpy(B[0].copy()))\n"
                "    X_t = torch.tensor(X, requires_grad=True)\n"
                "    linear(X_t).backward(torch.from_numpy(output_grad))\n"
                "    auto = {'X': X_t.grad.numpy(), 'W': linear.weight.grad.numpy().T, 'B': linear.bias.grad.numpy()}\n"
                "    return {k: bool(np.allclose(grads[k], auto[k], rtol=1e-6, atol=1e-9)) for k in auto}"
            ),
        },
        {
            "test_DenseLayer": (0, "no parameter is registered"),
            "test_train_step": (0, "without optimizer.zero_grad()"),
            "test_scratch_grads_match": (0, "np.allclose broadcasts"),
        },
    ),
    (
        {
            # nn.Linear inside: PyTorch's layout and names, not the exercise's
            "DenseLayer": (
                "class DenseLayer(nn.Module):\n"
                "    def __init__(self, n_in, n_out):\n"
                "        super().__init__()\n"
                "        self.linear = nn.Linear(n_in, n_out)\n"
                "    def forward(self, X):\n"
                "        return self.linear(X)"
            ),
            # returns the loss tensor itself
            "train_step": (
                "def train_step(model, loss_fn, optimizer, X, y):\n"
                "    optimizer.zero_grad()\n"
                "    loss = loss_fn(model(X), y)\n"
                "    loss.backward()\n"
                "    optimizer.step()\n"
                "    return loss"
            ),
            # lazy: always agrees
            "scratch_grads_match": "def scratch_grads_match(W, B, X, output_grad, grads):\n    return {'X': True, 'W': True, 'B': True}",
        },
        {
            "test_DenseLayer": (0, "no registered parameter named W"),
            "test_train_step": (0, "loss.item()"),
            "test_scratch_grads_match": (0, "said True for gradients that are wrong"),
        },
    ),
    (
        {
            # variance 1: torch.randn without the Glorot scale; a tanh inside forward would come next
            "DenseLayer": (
                "class DenseLayer(nn.Module):\n"
                "    def __init__(self, n_in, n_out):\n"
                "        super().__init__()\n"
                "        self.W = nn.Parameter(torch.randn(n_in, n_out))\n"
                "        self.B = nn.Parameter(torch.zeros(1, n_out))\n"
                "    def forward(self, X):\n"
                "        return X @ self.W + self.B"
            ),
            # the update happens before the backward pass: nothing moves
            "train_step": (
                "def train_step(model, loss_fn, optimizer, X, y):\n"
                "    optimizer.zero_grad()\n"
                "    loss = loss_fn(model(X), y)\n"
                "    optimizer.step()\n"
                "    loss.backward()\n"
                "    return loss.item()"
            ),
            # forgets nn.Linear's transposed layout: wrong on the square layer
            "scratch_grads_match": (
                "def scratch_grads_match(W, B, X, output_grad, grads):\n"
                "    linear = nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)\n"
                "    with torch.no_grad():\n"
                "        linear.weight.copy_(torch.from_numpy(W.reshape(W.shape[1], W.shape[0]).copy()))\n"
                "        linear.bias.copy_(torch.from_numpy(B[0].copy()))\n"
                "    X_t = torch.tensor(X, requires_grad=True)\n"
                "    linear(X_t).backward(torch.from_numpy(output_grad))\n"
                "    auto = {'X': X_t.grad.numpy(), 'W': linear.weight.grad.numpy().T, 'B': linear.bias.grad.numpy()[None, :]}\n"
                "    return {k: np.shape(grads[k]) == auto[k].shape and bool(np.allclose(grads[k], auto[k], rtol=1e-6, atol=1e-9))\n"
                "            for k in auto}"
            ),
        },
        {
            "test_DenseLayer": (0, "the variance is 1"),
            "test_train_step": (0, "the weights did not change"),
            "test_scratch_grads_match": (0, "nn.Linear's weight is W.T"),
        },
    ),
]
