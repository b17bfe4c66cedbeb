"""dlfs.data.mnist.load_mnist: download, cache, checksum, IDX parsing, clear errors when offline.

A tiny MNIST look-alike (20 training and 10 test images of 5 x 4 pixels) is
written as IDX gzip files and served on 127.0.0.1 by http.server in a
background thread, so the tests never touch the internet.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import socket
import struct
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from dlfs.data import mnist as ds

NAMES = list(ds.MNIST_SHA256)


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: magic 00 00 08 <ndim>, big-endian uint32 sizes, the data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_tiny_mnist(folder: Path) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, size=(20, 5, 4)),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, size=20),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, size=(10, 5, 4)),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, size=10),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(array)))
    return arrays


class Server:
    """http.server on 127.0.0.1 in a daemon thread; counts the requests it answers."""

    def __init__(self, folder: Path) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 -- http.server's naming
                outer.requests.append(self.path)
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:  # keep stderr clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, dict[str, np.ndarray], dict[str, str]]]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    arrays = write_tiny_mnist(tmp_path / "www")
    sums = {name: hashlib.sha256((tmp_path / "www" / name).read_bytes()).hexdigest() for name in NAMES}
    server = Server(tmp_path / "www")
    try:
        yield server, arrays, sums
    finally:
        server.close()


def test_download_parse_scale_and_cache(served, tmp_path: Path) -> None:
    server, arrays, sums = served
    cache = tmp_path / "cache"
    split = ds.load_mnist(cache_dir=cache, url=server.url, checksums=sums, timeout=5)
    assert sorted(server.requests) == sorted("/" + n for n in NAMES)
    assert split.X_train.shape == (20, 20) and split.X_test.shape == (10, 20)
    np.testing.assert_allclose(split.X_train, arrays["train-images-idx3-ubyte.gz"].reshape(20, 20) / 255)
    np.testing.assert_array_equal(split.y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert split.y_train.dtype == np.int64 and 0 <= split.X_train.min() and split.X_train.max() <= 1
    assert sorted(p.name for p in cache.iterdir()) == sorted(NAMES)

    again = ds.load_mnist(cache_dir=cache, url=server.url, checksums=sums, timeout=5)
    assert len(server.requests) == 4, "the second call must read the cache, not the server"
    np.testing.assert_array_equal(again.X_train, split.X_train)


def test_a_corrupt_cached_file_is_downloaded_again(served, tmp_path: Path) -> None:
    server, _, sums = served
    cache = tmp_path / "cache"
    ds.load_mnist(cache_dir=cache, url=server.url, checksums=sums, timeout=5)
    (cache / NAMES[1]).write_bytes(b"garbage")
    ds.load_mnist(cache_dir=cache, url=server.url, checksums=sums, timeout=5)
    assert server.requests[4:] == ["/" + NAMES[1]]


def test_a_checksum_mismatch_is_rejected_and_the_file_deleted(served, tmp_path: Path) -> None:
    server, _, sums = served
    cache = tmp_path / "cache"
    (tmp_path / "www" / NAMES[0]).write_bytes(gzip.compress(b"tampered"))
    with pytest.raises(ValueError, match=rf"checksum mismatch for {NAMES[0]}.*expected SHA-256 {sums[NAMES[0]]}"):
        ds.load_mnist(cache_dir=cache, url=server.url, checksums=sums, timeout=5)
    assert not (cache / NAMES[0]).exists()
    assert not list(cache.glob("*.part"))


def test_the_default_checksums_are_the_known_mnist_ones(served, tmp_path: Path) -> None:
    server, _, _ = served
    assert ds.MNIST_SHA256["train-images-idx3-ubyte.gz"].startswith("440fcabf73cc546f")
    with pytest.raises(ValueError, match="checksum mismatch"):
        ds.load_mnist(cache_dir=tmp_path / "cache", url=server.url, timeout=5)


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionError, match=r"could not download http://127\.0\.0\.1.*offline"):
        ds.load_mnist(cache_dir=tmp_path / "cache", url=f"http://127.0.0.1:{port}/", timeout=2)
    assert not list((tmp_path / "cache").iterdir())


def test_cache_folder_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ds.mnist_cache_dir(tmp_path) == tmp_path
    monkeypatch.setenv("DLFS_CACHE", str(tmp_path / "c"))
    assert ds.mnist_cache_dir() == tmp_path / "c" / "mnist"
    monkeypatch.delenv("DLFS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert ds.mnist_cache_dir() == tmp_path / "x" / "dlfs" / "mnist"


def test_parse_idx_reads_other_types_and_rejects_bad_files() -> None:
    data = bytes([0, 0, 0x0B, 2]) + struct.pack(">2I", 2, 3) + np.arange(6, dtype=">i2").tobytes()
    parsed = ds.parse_idx(data)
    np.testing.assert_array_equal(parsed, np.arange(6).reshape(2, 3))
    assert parsed.dtype == np.int16 and parsed.flags.writeable
    with pytest.raises(ValueError, match="not an IDX file"):
        ds.parse_idx(b"\x1f\x8b\x08\x00")
    with pytest.raises(ValueError, match=r"should have 24 bytes, it has 23"):
        ds.parse_idx(data[:-1])
