"""Time the library's Conv2D (forward + backward) against PyTorch's conv2d on the CPU, and print the ratio.

    .venv/bin/python benchmarks/conv.py [--threads 1 2] [--rounds 8] [--repeats 10]

Both run in this process, in float32, with the same number of threads (NumPy's BLAS through
threadpoolctl, PyTorch through ``torch.set_num_threads``). One timed run is: the forward pass, then
the backward pass for a fixed upstream gradient, giving the input gradient and the kernel gradient
(``dlfs.nn.conv.Conv2DOperation.forward`` + ``.backward``; ``torch.nn.functional.conv2d`` + ``.backward``
with ``requires_grad`` on input and kernels, no bias in either). The two take turns in blocks of
``--repeats`` runs, ``--rounds`` times, after a warm-up, so a busy machine slows both alike; the
reported time is the median run. The cases:

    (a) 60 x 1 x 28 x 28 images, 16 kernels 5 x 5, padding 2   (an MNIST batch)
    (b) 32 x 16 x 14 x 14 images, 32 kernels 16 x 3 x 3, padding 1

The target is a ratio (library / PyTorch) of at most 1.5 on both; exits 1 if a ratio is above it.
Before timing, it checks that the two give the same numbers (float32 round-off).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from dlfs.nn.conv import Conv2DOperation

TARGET = 1.5
#: name -> (input shape, kernel shape, padding in pixels; every case here is "same" padding)
CASES: dict[str, tuple[tuple[int, int, int, int], tuple[int, int, int, int], int]] = {
    "(a) 60x1x28x28 * 16x1x5x5, pad 2": ((60, 1, 28, 28), (16, 1, 5, 5), 2),
    "(b) 32x16x14x14 * 32x16x3x3, pad 1": ((32, 16, 14, 14), (32, 16, 3, 3), 1),
}


def make_runs(x_shape: tuple[int, ...], k_shape: tuple[int, ...], pad: int) -> tuple[Callable[[], object], Callable[[], object]]:
    """The library's run and PyTorch's run on the same float32 numbers, after checking they agree."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=x_shape).astype(np.float32)
    kernels = (rng.normal(size=k_shape) / np.sqrt(np.prod(k_shape[1:]))).astype(np.float32)
    op = Conv2DOperation(kernels, padding="same")
    grad = rng.normal(size=op.forward(x).shape).astype(np.float32)

    tx, tk, tg = torch.tensor(x, requires_grad=True), torch.tensor(kernels, requires_grad=True), torch.tensor(grad)

    def ours() -> object:
        op.forward(x)
        return op.backward(grad)

    def theirs() -> object:
        tx.grad = tk.grad = None
        torch.nn.functional.conv2d(tx, tk, padding=pad).backward(tg)
        return tx.grad

    ours()
    theirs()
    assert tx.grad is not None and tk.grad is not None
    for name, a, b in (("output", op.output, torch.nn.functional.conv2d(tx, tk, padding=pad).detach()),
                       ("input gradient", op.input_grad, tx.grad), ("kernel gradient", op.param_grad, tk.grad)):
        b_np = b.numpy()
        error = float(np.max(np.abs(np.asarray(a) - b_np)) / np.max(np.abs(b_np)))
        if error > 1e-4:
            raise SystemExit(f"the library and PyTorch disagree on the {name}: relative error {error:.1e}")
    return ours, theirs


def median_ms(runs: dict[str, Callable[[], object]], rounds: int, repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            run()  # one untimed run: the other side's threads may still be spinning down
            for _ in range(repeats):
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts to compare at (default 1 2)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{v:.1f}' for v in os.getloadavg())}; "
          f"numpy {np.__version__}, torch {torch.__version__}; float32; median of {args.rounds * args.repeats} runs")
    print(f"{'case':<38} {'threads':>7} {'dlfs ms':>9} {'torch ms':>9} {'ratio':>6}")
    ok = True
    for threads in args.threads:
        torch.set_num_threads(threads)
        with threadpool_limits(limits=threads):
            for name, (x_shape, k_shape, pad) in CASES.items():
                ours, theirs = make_runs(x_shape, k_shape, pad)
                ms = median_ms({"dlfs": ours, "torch": theirs}, args.rounds, args.repeats)
                ratio = ms["dlfs"] / ms["torch"]
                ok &= ratio <= TARGET
                print(f"{name:<38} {threads:>7} {ms['dlfs']:>9.2f} {ms['torch']:>9.2f} {ratio:>6.2f}"
                      f"{'' if ratio <= TARGET else '  ABOVE TARGET'}")
    print(f"target: dlfs / torch <= {TARGET} (forward + backward, float32, same threads)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
