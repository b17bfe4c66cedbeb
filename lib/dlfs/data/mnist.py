"""MNIST (70,000 handwritten digits of 28 x 28): downloaded once, checked against known SHA-256 sums, cached.

The notebooks default to the shipped digits (:mod:`dlfs.data.shipped`); nothing here runs unless asked.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from numpy import ndarray

from dlfs.data.prepare import Split

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
            "or use the offline digits: dlfs.data.shipped.load_digits_data()."
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
