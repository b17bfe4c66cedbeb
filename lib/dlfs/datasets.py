"""Real data sets that ship inside installed packages, so every notebook runs offline.

- :func:`load_diabetes_data` -- regression (chapter 05): scikit-learn's diabetes data,
  442 patients x 10 baseline measurements, target a disease-progression score one year later.
- :func:`load_digits_data` -- classification (chapters 06-08): scikit-learn's handwritten
  digits, 1,797 images of 8 x 8 pixels (16 grey levels), labels 0-9.
- :func:`load_mnist` -- the one exception: MNIST (70,000 images of 28 x 28) is downloaded
  once, checked against known SHA-256 sums and cached; the notebooks default to the digits.

All return a :class:`Split` of float64 arrays, standardized or scaled with
statistics of the training part only, so nothing about the test part leaks in.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy import ndarray


@dataclass(frozen=True)
class Split:
    """A train/test split. ``X_*``: (n, n_features); ``y_*``: (n, 1) for regression, (n,) int labels for classes."""

    X_train: ndarray
    X_test: ndarray
    y_train: ndarray
    y_test: ndarray
    feature_names: tuple[str, ...]
    description: str


def train_test_split(X: ndarray, y: ndarray, test_fraction: float = 0.3, seed: int = 0) -> tuple[ndarray, ndarray, ndarray, ndarray]:
    """Shuffle the rows with ``seed`` and split them: ``(X_train, X_test, y_train, y_test)``."""
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y need the same number of rows, got {X.shape[0]} and {y.shape[0]}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    order = np.random.default_rng(seed).permutation(X.shape[0])
    n_test = int(round(test_fraction * X.shape[0]))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(X_train: ndarray, X_test: ndarray) -> tuple[ndarray, ndarray]:
    """Scale every column to mean 0 and standard deviation 1, using the training rows' statistics."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std


def load_diabetes_data(test_fraction: float = 0.3, seed: int = 0) -> Split:
    """The diabetes regression data (Efron et al., 2004), shipped with scikit-learn.

    442 patients; 10 features measured at baseline (age, sex, body-mass index,
    average blood pressure and six blood-serum measurements s1-s6); the target is
    a quantitative measure of disease progression one year later (about 25-346).
    Features are standardized with the training rows' mean and standard deviation;
    the target is left in its own units. ``y_*`` have shape (n, 1).
    """
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    X = np.asarray(data.data, dtype=np.float64)
    y = np.asarray(data.target, dtype=np.float64).reshape(-1, 1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction, seed)
    X_train, X_test = standardize(X_train, X_test)
    return Split(X_train, X_test, y_train, y_test, tuple(data.feature_names), load_diabetes_data.__doc__ or "")


def load_digits_data(test_fraction: float = 0.3, seed: int = 0) -> Split:
    """Handwritten digits (the UCI optical-recognition test set), shipped with scikit-learn.

    1,797 images of 8 x 8 pixels with grey levels 0-16, flattened to 64 features
    and scaled to [0, 1]; labels are the digits 0-9 as ints, ``y_*`` of shape (n,).
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    X = np.asarray(data.data, dtype=np.float64) / 16.0
    y = np.asarray(data.target, dtype=np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction, seed)
    names = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    return Split(X_train, X_test, y_train, y_test, names, load_digits_data.__doc__ or "")


def one_hot(labels: ndarray, n_classes: int) -> ndarray:
    """Integer labels (n,) to one-hot rows (n, n_classes) of float64."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (n,), got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}")
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


# ---------------------------------------------------------------- MNIST (downloaded once, cached, checked)

#: A public mirror of the original MNIST files (the classic host refuses downloads).
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

#: The four MNIST files and their well-known SHA-256 checksums (of the .gz files).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

# IDX type codes (third byte of the magic number) -> big-endian NumPy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes) -> ndarray:
    """Parse an (uncompressed) IDX file: magic ``00 00 <type> <ndim>``, ``ndim`` big-endian uint32 sizes, the data."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"not an IDX file: it starts with {data[:4]!r}, expected 00 00 <type code> <ndim>")
    ndim, dtype = data[3], np.dtype(_IDX_DTYPES[data[2]])
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = 4 + 4 * ndim + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"IDX file of shape {shape} should have {expected} bytes, it has {len(data)}")
    values = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim).reshape(shape)
    return values.astype(dtype.newbyteorder("="))  # a writable copy in the machine's byte order


def mnist_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """``cache_dir`` if given, else ``$DLFS_CACHE/mnist``, else ``~/.cache/dlfs/mnist`` (``$XDG_CACHE_HOME`` respected)."""
    if cache_dir is not None:
        return Path(cache_dir)
    if os.environ.get("DLFS_CACHE"):
        return Path(os.environ["DLFS_CACHE"]) / "mnist"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dlfs" / "mnist"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(url: str, path: Path, timeout: float) -> None:
    """Download ``url`` to ``path`` (through a temporary file, so no half-written file is left)."""
    tmp = path.with_suffix(path.suffix + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            shutil.copyfileobj(response, out)
    except (OSError, urllib.error.URLError) as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectionError(
            f"could not download {url}: {exc}. Are you offline, or is the server unreachable? "
            f"Pass another base url= to load_mnist, put the files in {path.parent} yourself, "
            "or use the offline digits: dlfs.datasets.load_digits_data()."
        ) from exc
    tmp.replace(path)


def _fetch(name: str, base_url: str, folder: Path, checksum: str, timeout: float) -> Path:
    """The cached file ``name``, downloaded first if missing or corrupt; its SHA-256 is verified."""
    path = folder / name
    if path.exists() and _sha256(path) == checksum:
        return path
    _download(base_url.rstrip("/") + "/" + name, path, timeout)
    received = _sha256(path)
    if received != checksum:
        path.unlink()
        raise ValueError(
            f"checksum mismatch for {name} downloaded from {base_url}: expected SHA-256 {checksum}, "
            f"received {received}. The bad file was deleted; try again or use another url."
        )
    return path


def load_mnist(
    cache_dir: str | os.PathLike[str] | None = None,
    url: str = MNIST_URL,
    checksums: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Split:
    """MNIST handwritten digits: 60,000 training and 10,000 test images of 28 x 28 pixels.

    The four IDX gzip files are downloaded from ``url`` once, kept in
    :func:`mnist_cache_dir`, and checked against ``checksums`` (default
    :data:`MNIST_SHA256`) every time. Pixels are scaled to [0, 1] and flattened:
    ``X_*`` float64 ``(n, 784)``; labels ``y_*`` int64 ``(n,)``.

    Raises:
        ConnectionError: the server cannot be reached (offline?).
        ValueError: a downloaded file does not have the expected SHA-256 (it is deleted).
    """
    sums = MNIST_SHA256 if checksums is None else checksums
    folder = mnist_cache_dir(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for name in MNIST_SHA256:
        path = _fetch(name, url, folder, sums[name], timeout)
        arrays[name] = parse_idx(gzip.decompress(path.read_bytes()))
    images = {part: arrays[f"{part}-images-idx3-ubyte.gz"] for part in ("train", "t10k")}
    X_train, X_test = (images[p].reshape(images[p].shape[0], -1) / 255.0 for p in ("train", "t10k"))
    y_train, y_test = (arrays[f"{p}-labels-idx1-ubyte.gz"].astype(np.int64) for p in ("train", "t10k"))
    side = images["train"].shape[1:]
    names = tuple(f"pixel_{r}_{c}" for r in range(side[0]) for c in range(side[1]))
    return Split(X_train, X_test, y_train, y_test, names, load_mnist.__doc__ or "")
