"""Chapter 10's PyTorch networks on the shipped digits, over three seeds: test accuracy chosen on validation rows.

    .venv/bin/python benchmarks/pytorch_digits.py [--epochs 20] [--seeds 0 1 2]

The digits are split as in chapters 07 and 10 (30 % test rows, seed 0; the training rows cut again into 80 %
fit and 20 % validation rows, seed 0). Each run trains on the fit rows only; ``fit`` keeps the weights of the
epoch with the best validation accuracy; the test rows are evaluated once, at the end. Prints one line per
network and seed, then the mean, and exits 1 if any CNN run falls below the chapter's 98.5 %.
"""

from __future__ import annotations

import argparse
import sys

import torch
from torch import nn

from dlfs.data.prepare import train_test_split
from dlfs.data.shipped import load_digits_data
from dlfs.pytorch.models import DigitsCNN, RowLSTM
from dlfs.pytorch.training import History, accuracy, fit, make_loader, shift_images

TARGET = 0.985


def train_cnn(seed: int, epochs: int, X_fit, y_fit, X_val, y_val) -> tuple[nn.Module, History]:  # type: ignore[no-untyped-def]
    """The chapter's CNN recipe: Adam with a one-cycle learning rate (peak 0.01), batches of 32, one-pixel shifts."""
    torch.manual_seed(seed)
    model = DigitsCNN()
    loader = make_loader(X_fit, y_fit, batch_size=32, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, total_steps=epochs * len(loader))
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, X_val, y_val, epochs=epochs,
                  scheduler=schedule, augment=shift_images, seed=seed)
    return model, history


def train_lstm(seed: int, epochs: int, X_fit, y_fit, X_val, y_val) -> tuple[nn.Module, History]:  # type: ignore[no-untyped-def]
    """The chapter's LSTM recipe: rows as time steps, Adam (0.005), batches of 32."""
    torch.manual_seed(seed)
    model = RowLSTM()
    loader = make_loader(X_fit, y_fit, batch_size=32, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.005)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, loader, X_val, y_val, epochs=epochs, seed=seed)
    return model, history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lstm", action="store_true", help="also train the LSTM")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = load_digits_data(test_fraction=0.3, seed=0)
    X_fit, X_val, y_fit, y_val = train_test_split(data.X_train, data.y_train, test_fraction=0.2, seed=0)
    failed = False
    for name, train in (("CNN", train_cnn), ("LSTM", train_lstm)) if args.lstm else (("CNN", train_cnn),):
        tests = []
        for seed in args.seeds:
            model, history = train(seed, args.epochs, X_fit, y_fit, X_val, y_val)
            test = accuracy(model, data.X_test, data.y_test)
            tests.append(test)
            print(f"{name} seed {seed}: best validation epoch {history.best_epoch} of {args.epochs} "
                  f"({max(history.val_accuracy):.2%}), test accuracy {test:.2%}, {history.seconds:.1f} s", flush=True)
            failed |= name == "CNN" and test < TARGET
        print(f"{name}: mean test accuracy {sum(tests) / len(tests):.2%} over seeds {args.seeds}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
