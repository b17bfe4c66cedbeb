"""The library's LSTM layer against `torch.nn.LSTM`: forward + backward, same process, same thread count.

    .venv/bin/python benchmarks/lstm.py [THREADS ...] [--repeats N]

float32, batch 32, sequence 50, input 64, hidden 128 (batch first). For each thread count
(default: 1 and 2), NumPy's BLAS (through threadpoolctl) and PyTorch (`torch.set_num_threads`)
get the same number of threads; the two are timed in alternation (so a busy machine slows both
alike) and the medians compared. Before timing, both are given the same weights and their
outputs and gradients compared in float64. Target: the library within 2x PyTorch's time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from dlfs.nn.recurrent import LSTMLayer, torch_weights

BATCH, STEPS, INPUT, HIDDEN = 32, 50, 64, 128
TARGET = 2.0


def _same_numbers() -> float:
    """Largest difference between the library and torch (outputs, input and weight gradients), in float64."""
    rng = np.random.default_rng(0)
    X, G = rng.normal(size=(BATCH, STEPS, INPUT)), rng.normal(size=(BATCH, STEPS, HIDDEN))
    layer = LSTMLayer(HIDDEN, seed=0)
    out = layer.forward(X)
    dX = layer.backward(G)
    net = torch.nn.LSTM(INPUT, HIDDEN, batch_first=True, dtype=torch.float64)
    net.load_state_dict({k: torch.tensor(v) for k, v in torch_weights(layer).items()})
    X_t = torch.tensor(X, requires_grad=True)
    out_t, _ = net(X_t)
    (out_t * torch.tensor(G)).sum().backward()
    assert X_t.grad is not None and net.weight_hh_l0.grad is not None
    diffs = [np.abs(out - out_t.detach().numpy()).max(), np.abs(dX - X_t.grad.numpy()).max(),
             np.abs(layer.param_grads()[1] - net.weight_hh_l0.grad.numpy().T).max()]
    return float(max(diffs))


def _time(threads: int, repeats: int) -> tuple[float, float]:
    """Median seconds of one forward + backward: (library, torch)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(BATCH, STEPS, INPUT)).astype(np.float32)
    G = rng.normal(size=(BATCH, STEPS, HIDDEN)).astype(np.float32)
    layer = LSTMLayer(HIDDEN, seed=0)
    layer.forward(X)
    net = torch.nn.LSTM(INPUT, HIDDEN, batch_first=True)
    net.load_state_dict({k: torch.tensor(v) for k, v in torch_weights(layer).items()})
    X_t, G_t = torch.tensor(X, requires_grad=True), torch.tensor(G)

    def ours() -> None:
        layer.forward(X)
        layer.backward(G)

    def theirs() -> None:
        net.zero_grad()
        X_t.grad = None
        out, _ = net(X_t)
        out.backward(G_t)

    torch.set_num_threads(threads)
    times: dict[str, list[float]] = {"ours": [], "torch": []}
    with threadpool_limits(limits=threads, user_api="blas"):
        for _ in range(3):
            ours()
            theirs()
        for _ in range(repeats):
            for name, run in (("ours", ours), ("torch", theirs)):
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    return statistics.median(times["ours"]), statistics.median(times["torch"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("threads", nargs="*", type=int, default=[1, 2])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    print(f"cores: {os.cpu_count()}, torch {torch.__version__}, numpy {np.__version__}, load average {os.getloadavg()[0]:.1f}")
    print(f"LSTM, float32, batch {BATCH}, sequence {STEPS}, input {INPUT}, hidden {HIDDEN}: forward + backward")
    print(f"largest float64 difference from torch (outputs, dX, dU): {_same_numbers():.1e}")
    ok = True
    for threads in args.threads:
        ours, theirs = _time(threads, args.repeats)
        ratio = ours / theirs
        ok &= ratio <= TARGET
        print(f"{threads} thread(s): library {ours * 1e3:7.1f} ms, torch {theirs * 1e3:7.1f} ms, "
              f"ratio {ratio:.2f} (target <= {TARGET:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
