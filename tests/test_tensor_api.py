"""Issue 3 point 3: the two constructors (dtype inference vs torch, requires_grad defaults), the members users
expect, torch's repr, and manual_seed reproducibility."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad import Tensor

DATA = [[1.0, 2.0], [1, 2], [True, False], 2.5, 3, True, [[1.5, 2], [3, 4]], np.array([1, 2], dtype=np.int32),
        np.array([1.0, 2.0]), np.array([1.0], dtype=np.float16), np.float32(3), np.int64(4), [], [[]], np.zeros((2, 0))]


@pytest.mark.parametrize("data", DATA, ids=[repr(d)[:30] for d in DATA])
def test_tensor_infers_dtype_as_torch_tensor(data):
    t = minigrad.tensor(data)
    assert str(t.dtype) == str(torch.tensor(data).dtype).replace("torch.", "")
    assert t.shape == tuple(torch.tensor(data).shape)
    assert t.requires_grad is False


@pytest.mark.parametrize("data,dtype", [([2], "float32"), (2.0, "float32"), ([[1, 2]], "float32"),
                                        (np.array([1, 2]), "int64"), (np.array([1.0, 2.0]), "float64"),
                                        (np.array([1.0], dtype=np.float32), "float32")])
def test_class_constructor_makes_numbers_float32_and_keeps_ndarray_dtype(data, dtype):
    t = Tensor(data)
    assert str(t.dtype) == dtype
    # NOTE: deliberate difference from torch: Tensor(...) of floating data requires grad (seeds 000 and 003)
    assert t.requires_grad is (dtype.startswith("float"))


def test_class_constructor_requires_grad_false():
    assert Tensor([1.0], requires_grad=False).requires_grad is False


@pytest.mark.parametrize("factory", [lambda: minigrad.zeros(2, 3), lambda: minigrad.ones(2), lambda: minigrad.randn(2),
                                     lambda: minigrad.rand(2), lambda: minigrad.arange(3.0),
                                     lambda: minigrad.full((2,), 1.5), lambda: minigrad.eye(2),
                                     lambda: minigrad.zeros_like(minigrad.ones(2)),
                                     lambda: minigrad.ones_like(minigrad.ones(2)),
                                     lambda: minigrad.randn_like(minigrad.ones(2))])
def test_factories_default_to_no_grad_and_float32(factory):
    t = factory()
    assert t.requires_grad is False and t.dtype == np.float32


def test_factory_dtypes_match_torch():
    assert minigrad.arange(3).dtype == np.int64 and minigrad.full((2,), 3).dtype == np.int64
    assert minigrad.full((2,), True).dtype == np.bool_


def test_members():
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert isinstance(x.data, np.ndarray) and x.shape == (2, 2) and x.ndim == 2 and x.dtype == np.float32
    assert str(x.device) == "cpu" and x.size() == (2, 2) and x.size(1) == 2 and x.numel() == 4
    assert minigrad.tensor([3.5]).item() == 3.5 and float(minigrad.tensor(2.0)) == 2.0
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and isinstance(x.numpy(), np.ndarray)
    assert len(x) == 2 and [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    assert np.asarray(x).shape == (2, 2)
    y = x * 2
    assert y.grad_fn.name() == "MulBackward0" and not y.is_leaf and x.is_leaf and x.grad_fn is None
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.data, y.data)
    c = x.clone()
    assert c.grad_fn is not None and not np.shares_memory(c.data, x.data)
    z = minigrad.tensor([1.0]).requires_grad_()
    assert z.requires_grad
    (y.sum()).backward(retain_graph=False)
    assert x.grad.shape == x.shape
    x.zero_grad()
    assert x.grad is None
    assert x.to("cpu") is x and x.cpu() is x and x.to(minigrad.float64).dtype == np.float64


def test_set_device_cpu():
    minigrad.set_device("cpu")
    assert str(minigrad.ones(1).device) == "cpu"


@pytest.mark.parametrize("make", [lambda m: m.tensor([1.0, 2.0]), lambda m: m.tensor([1, 2]),
                                  lambda m: m.tensor([[1.5, 2.0], [3.0, 4.0]]), lambda m: m.tensor(2.5),
                                  lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
                                  lambda m: m.tensor([1.0, 2.0], requires_grad=True),
                                  lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
                                  lambda m: m.tensor([1e-5, 2e9]), lambda m: m.tensor([0.1234567, 2.5]),
                                  lambda m: m.tensor([]), lambda m: m.tensor([True, False])])
def test_repr_matches_torch(make):
    assert repr(make(minigrad)) == repr(make(torch)).replace("torch.", "minigrad.")


def test_manual_seed_makes_every_random_function_repeat():
    def draw():
        return [minigrad.randn(3).numpy(), minigrad.rand(2).numpy(), minigrad.randint(0, 10, (4,)).numpy(),
                minigrad.randperm(5).numpy(), minigrad.randn_like(minigrad.ones(2)).numpy()]

    minigrad.manual_seed(123)
    first = draw()
    minigrad.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    minigrad.manual_seed(124)
    assert not np.array_equal(draw()[0], first[0])


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "logsumexp", "cumsum",
                                  "all", "any", "var", "std"])
def test_axis_is_an_alias_of_dim(name):
    x = minigrad.tensor([[1.0, 5.0, 2.0], [3.0, 2.0, 4.0]])
    np.testing.assert_array_equal(getattr(x, name)(axis=1).numpy(), getattr(x, name)(dim=1).numpy())
    assert x.max(axis=0).indices.tolist() == [1, 0, 1]


def test_cumsum_needs_a_dim():
    with pytest.raises(TypeError, match="cumsum\\(\\) missing required argument 'dim'"):
        minigrad.ones(2, 2).cumsum()
