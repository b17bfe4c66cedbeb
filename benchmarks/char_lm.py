"""Chapter 09's character-level language model over several seeds, against its baselines.

    .venv/bin/python benchmarks/char_lm.py [--seeds 0 1 2] [--cell lstm] [--hidden 96] [--steps 300] [--lr 3.0]

The notebook's recipe (solutions/09_rnn, section 6): the default slice of the Python documentation
(150,000 training and 30,000 validation characters, split by topic), an LSTM of 96 units, 300 updates
of SGD with momentum, clipped to a global norm of 1. For each seed it prints the held-out bits per
character and how many fewer bits than the bigram (at its best smoothing, chosen on the validation
text) the model needs. Target: at least 10 % fewer on every seed. Exits 1 if a seed misses it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

from dlfs.data.text import Vocabulary, load_python_docs
from dlfs.nn import language
from dlfs.nn.clipping import clip_by_global_norm

TARGET = 0.10
SMOOTHING = (0.01, 0.03, 0.1, 0.3, 1.0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cell", default="lstm", choices=sorted(language.CELLS))
    parser.add_argument("--hidden", type=int, default=96)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lr", type=float, default=3.0)
    args = parser.parse_args(argv)

    docs = load_python_docs()
    vocab = Vocabulary(docs.train)
    train_ids, val_ids = vocab.encode(docs.train), vocab.encode(docs.validation)
    unigram = language.unigram_bits(train_ids, val_ids, vocab.size)
    bigram = min(language.bigram_bits(train_ids, val_ids, vocab.size, k) for k in SMOOTHING)
    print(f"Python {platform.python_version()}, cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(f"{len(docs.train):,} training / {len(docs.validation):,} validation characters, {vocab.size} symbols")
    print(f"unigram {unigram:.3f}, bigram (best smoothing) {bigram:.3f} bits per character")
    print(f"{args.cell.upper()} of {args.hidden} units, {args.steps} updates, learning rate {args.lr:g}")
    gains = []
    for seed in args.seeds:
        model = language.CharLanguageModel(vocab.size, args.hidden, args.cell, seed=seed)
        start = time.perf_counter()
        language.fit_language_model(model, train_ids, clip_by_global_norm, steps=args.steps, lr=args.lr)
        seconds = time.perf_counter() - start
        bits = language.bits_per_char(model, val_ids)
        gains.append(1 - bits / bigram)
        print(f"seed {seed}: {bits:.3f} bits per character, {gains[-1]:.1%} fewer than the bigram "
              f"(trained in {seconds:.1f} s)")
    print(f"fewer bits than the bigram: mean {statistics.mean(gains):.1%}, worst {min(gains):.1%} "
          f"(target >= {TARGET:.0%} on every seed)")
    return 0 if min(gains) >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
