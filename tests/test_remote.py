"""The data-only channel between the grader and a submission's kernel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import open_channel

from dlfs import functions as F
from dlfs_autograder.remote import Channel, RemoteError, RemoteFunction, RemoteObject, SandboxFailure

LEARNER_CODE = '''
import numpy as np
def echo(*args, **kwargs):
    return args, kwargs
def apply(f, x):
    return f(x)
def draw(rng, n):
    return rng.normal(size=n)
class Counter:
    def __init__(self, start):
        self.count = start
        self.history = np.zeros(0)
    def add(self, x):
        self.count += 1
        self.history = np.append(self.history, x)
        return self.count
def stub(x):
    raise NotImplementedError()
def boom(x):
    raise RuntimeError("kaboom")
def bad_shape(x):
    return np.ones((2, 3)) @ np.ones((2, 3))
'''


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channel]:
    yield from open_channel(tmp_path_factory.mktemp("kernel"), LEARNER_CODE, cell_seconds=10)


def test_data_round_trips(channel: Channel) -> None:
    x = np.arange(6.0).reshape(2, 3)
    args, kwargs = RemoteFunction(channel, "echo")(x, 3, "s", None, [1.5, (2, x)], key={"a": x.T})
    np.testing.assert_array_equal(args[0], x)
    assert args[1:4] == (3, "s", None)
    np.testing.assert_array_equal(args[4][1][1], x)
    np.testing.assert_array_equal(kwargs["key"]["a"], x.T)


def test_functions_travel_by_name_and_lambdas_are_refused(channel: Channel) -> None:
    x = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(RemoteFunction(channel, "apply")(F.sigmoid, x), F.sigmoid(x))
    np.testing.assert_allclose(RemoteFunction(channel, "apply")(np.tanh, x), np.tanh(x))
    with pytest.raises(TypeError, match="module-level"):
        RemoteFunction(channel, "apply")(lambda v: v, x)


def test_generators_travel_by_state(channel: Channel) -> None:
    got = RemoteFunction(channel, "draw")(np.random.default_rng(7), 4)
    np.testing.assert_array_equal(got, np.random.default_rng(7).normal(size=4))


def test_objects_stay_in_the_kernel(channel: Channel) -> None:
    counter = RemoteFunction(channel, "Counter")(10)
    assert isinstance(counter, RemoteObject)
    assert counter.add(np.float64(2.5)) == 11
    assert counter.add(1.0) == 12
    assert counter.count == 12
    np.testing.assert_array_equal(counter.history, [2.5, 1.0])


def test_exceptions_come_back_as_exceptions(channel: Channel) -> None:
    with pytest.raises(NotImplementedError):
        RemoteFunction(channel, "stub")(1)
    with pytest.raises(ValueError, match="matmul"):
        RemoteFunction(channel, "bad_shape")(1)
    with pytest.raises(RemoteError, match="RuntimeError: kaboom"):
        RemoteFunction(channel, "boom")(1)
    with pytest.raises(NameError, match="not defined"):
        RemoteFunction(channel, "missing")(1)


def test_a_tampered_kernel_cannot_send_code(channel: Channel, tmp_path: Path) -> None:
    # the kernel replaces the answer with a pickled object array: the grader refuses to load it
    run = channel.kernel.execute(
        "import numpy as _n\n_orig = _n.savez\n"
        "def _evil(path, **kw):\n"
        "    _orig(path, a0=_n.array([object()], dtype=object))\n"
        "_n.savez = _evil"
    )
    assert run.error is None
    with pytest.raises(SandboxFailure, match="malformed"):
        RemoteFunction(channel, "echo")(1)
    channel.kernel.execute("_n.savez = _orig")
    channel.install()
    assert RemoteFunction(channel, "echo")(1) == ((1,), {})
