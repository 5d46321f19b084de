"""Tensor creation, random factories, the NumPy protocol and printing compared with torch."""
import warnings

import numpy as np
import pytest
import torch

import minigrad

# ------------------------------------------------------------------------------------------------ printing
REPRS = [
    "m.tensor([[]])", "m.zeros(2, 0, 3)", "m.zeros(0, 3, dtype=m.int64)", "m.tensor([100000000.0])",
    "m.arange(2000)", "m.arange(2000.)", "m.arange(3000).reshape(30, 100)", "m.arange(30.) / 7",
    "m.tensor([0.0001, 0.001])", "m.tensor([1e7, 1.])", "m.tensor([-1e-5, 0.5])",
    "m.tensor([1e308, 1.0], dtype=m.float64)", "m.arange(10000).reshape(10, 10, 100).float()",
    "m.tensor([65504.0, 0.001], dtype=m.float16)", "m.ones(3, 70) * 0.5", "m.tensor([float('nan'), 0.0])",
]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr):
    ours = repr(eval(expr, {"m": minigrad})).replace("minigrad.", "torch.")
    assert ours == repr(eval(expr, {"m": torch}))


def test_repr_wraps_long_suffixes_as_torch():
    expr = "m.arange(9.).reshape(1, 9) / 7 + m.zeros(1, 9, dtype=m.float64, requires_grad=True)"
    ours = repr(eval(expr, {"m": minigrad})).replace("minigrad.", "torch.").replace("AddBackward0", "X")
    assert ours == repr(eval(expr, {"m": torch})).replace("AddBackward0", "X")


# ------------------------------------------------------------------------------------------------ factories
def test_randint_high_size_form():
    assert minigrad.randint(10, (3,)).shape == (3,)
    assert minigrad.randint(10, (3,), dtype=minigrad.int32).dtype == minigrad.int32
    assert minigrad.randint(low=2, high=3, size=(2,)).tolist() == [2, 2]
    assert minigrad.randint(0, 10, (2,), dtype=minigrad.float32, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="low=5, high=5"):
        minigrad.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randint"):
        minigrad.randint(10)


def test_random_floats_refuse_integer_dtypes():
    for fn in (minigrad.rand, minigrad.randn):
        with pytest.raises(RuntimeError, match="int64"):  # torch: NotImplementedError, a RuntimeError
            fn(2, dtype=minigrad.int64)
    with pytest.raises(RuntimeError):
        minigrad.rand_like(minigrad.tensor([1, 2]))


def test_size_keyword_and_bad_sizes():
    for fn in (minigrad.zeros, minigrad.ones, minigrad.empty, minigrad.rand, minigrad.randn):
        assert fn(size=(2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match="zeros"):
        minigrad.zeros(2.5)
    with pytest.raises(RuntimeError, match="non-negative"):
        minigrad.zeros(-1)
    with pytest.raises(RuntimeError, match="randperm"):
        minigrad.randperm(-1)
    assert minigrad.randperm(4, requires_grad=False).dtype == minigrad.int64


@pytest.mark.parametrize("args,kw", [((minigrad.tensor(5),), {}), ((2.5,), {"dtype": "int64"}),
                                     ((0.5, 3.7), {"dtype": "int64"}), ((0.5, 3.7), {"dtype": "int32"}),
                                     ((0, 1, 0.1), {}), ((5, 0, -1), {})])
def test_arange_matches_torch(args, kw):
    ours = minigrad.arange(*args, **{k: getattr(minigrad, v) for k, v in kw.items()})
    targs = [torch.tensor(a.item()) if isinstance(a, minigrad.Tensor) else a for a in args]
    ref = torch.arange(*targs, **{k: getattr(torch, v) for k, v in kw.items()})
    assert str(ours.dtype) == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)


@pytest.mark.parametrize("args", [(0, 5, 0), (5, 0), (0, 10, -1), (0, 3, 0.5, "int64")])
def test_arange_bad_ranges_raise(args):
    kw = {"dtype": getattr(minigrad, args[-1])} if isinstance(args[-1], str) else {}
    with pytest.raises(RuntimeError, match="arange"):
        minigrad.arange(*[a for a in args if not isinstance(a, str)], **kw)


def test_linspace_steps_checked():
    with pytest.raises(RuntimeError, match="linspace.*-1"):
        minigrad.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="linspace"):
        minigrad.linspace(0, 1, 3.0)


def test_from_numpy_needs_an_ndarray():
    with pytest.raises(TypeError, match="from_numpy"):
        minigrad.from_numpy([1, 2])
    a = np.array([1, 2])
    minigrad.from_numpy(a)[0] = 5  # shares memory
    assert a[0] == 5


# ------------------------------------------------------------------------------------------------ NumPy protocol
def test_np_array_copies_when_asked():
    t = minigrad.tensor([1.0, 2.0])
    assert not np.shares_memory(np.array(t), t.data)
    assert not np.shares_memory(np.array(t, copy=True), t.data)
    assert np.shares_memory(np.asarray(t), t.data)
    with pytest.raises(ValueError):
        np.asarray(t, dtype=np.float64, copy=False)


def test_tensor_of_a_tensor_warns_as_torch():
    with pytest.warns(UserWarning, match="detach"):
        minigrad.tensor(minigrad.tensor([1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        minigrad.Tensor(minigrad.tensor([1.0]))  # torch.Tensor(t) does not warn either
