"""A text corpus that ships with Python, and characters as integer ids (chapter 09).

Every CPython installation carries the help texts of its documentation topics in
``pydoc_data.topics.topics``: a dict of a few dozen topics ("if", "assignment", "calls",
...) whose values are several hundred thousand characters of English prose mixed with
grammar rules and code examples, from the Python Language Reference. They are part of the
Python documentation, distributed with CPython under the PSF License Version 2 (see
https://docs.python.org/3/license.html), so they can be used here and are always available
offline. The exact text depends on the Python version.

- :func:`load_python_docs` -- training and validation text, split by topic;
- :class:`Vocabulary` -- characters to ids and back (id 0 stands for any unknown character);
- :func:`stream_batches` -- consecutive windows of ``n`` parallel streams, for stateful training.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy import ndarray

UNKNOWN = "\uFFFD"  # how id 0, any character the vocabulary does not know, is shown


@dataclass(frozen=True)
class TextSplit:
    """Training and validation text, and the names of the topics in each."""

    train: str
    validation: str
    train_topics: tuple[str, ...]
    validation_topics: tuple[str, ...]


def load_python_docs(train_chars: int | None = 150_000, validation_chars: int | None = 30_000,
                     every: int = 10) -> TextSplit:
    """The Python documentation topics of ``pydoc_data``, split into training and validation text.

    The topics are sorted by name; every ``every``-th one (the 1st, the 11th, ...) is held out
    for validation, the others are for training, so the two never share a topic. Each part
    is its topics joined by blank lines, then cut to its first ``train_chars`` /
    ``validation_chars`` characters (``None``: all of it).
    """
    from pydoc_data.topics import topics

    if every < 2:
        raise ValueError(f"every must be >= 2 (every `every`-th topic is held out); received {every}")
    names = sorted(topics)
    held = tuple(names[::every])
    kept = tuple(name for name in names if name not in held)
    train = "\n\n".join(topics[name] for name in kept)
    validation = "\n\n".join(topics[name] for name in held)
    return TextSplit(train[:train_chars], validation[:validation_chars], kept, held)


class Vocabulary:
    """The characters of a text, each with an integer id; id 0 is "unknown" (a character it has not seen).

    ``chars[i]`` is the character of id ``i`` (``chars[0]`` is :data:`UNKNOWN`); ``size`` is ``len(chars)``.
    """

    def __init__(self, text: str) -> None:
        self.chars: tuple[str, ...] = (UNKNOWN, *sorted(set(text) - {UNKNOWN}))
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> ndarray:
        """The ids of ``text``'s characters, shape ``(len(text),)``, int64; unknown characters get 0."""
        return np.fromiter((self._ids.get(c, 0) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids: ndarray) -> str:
        """The text of a sequence of ids."""
        return "".join(self.chars[int(i)] for i in np.asarray(ids).ravel())

    def __repr__(self) -> str:
        return f"Vocabulary({self.size} characters)"


def stream_batches(ids: ndarray, batch_size: int, steps: int) -> Iterator[tuple[ndarray, ndarray]]:
    """Cut ``ids`` into ``batch_size`` long streams side by side and walk along them ``steps`` at a time.

    Yields ``(x, y)``, both ``(batch_size, steps)`` int arrays, where ``y`` is ``x`` shifted by one
    character (the character to predict). Row ``r`` of a batch continues row ``r`` of the
    batch before, so a recurrent network may carry its state from one batch to the next.
    The last, shorter window is dropped.
    """
    ids = np.asarray(ids)
    length = (ids.size - 1) // batch_size
    if length < steps:
        raise ValueError(f"{ids.size} ids are too few for {batch_size} streams of at least {steps + 1} characters")
    x_all = ids[: length * batch_size].reshape(batch_size, length)
    y_all = ids[1 : length * batch_size + 1].reshape(batch_size, length)
    for start in range(0, length - steps + 1, steps):
        yield x_all[:, start : start + steps], y_all[:, start : start + steps]
