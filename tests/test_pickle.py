"""Python pickling of Tensors, Parameters, devices and Modules (multiprocessing, joblib and copying through pickle
rely on it), against what torch does for the same objects. minigrad.save keeps its own pickle-free format
(tests/test_serialization.py)."""
import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad import backend, nn
from minigrad.backend import CPU, ArrayNamespace, Device
from minigrad.tensor import Tensor

CUDA = minigrad.cuda.is_available()


def _roundtrip(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


@pytest.mark.parametrize("make", [
    lambda lib: lib.tensor([[1.5, -2.0], [3.0, 4.0]], dtype=lib.float64),
    lambda lib: lib.tensor([1, 2, 3]),
    lambda lib: lib.tensor([True, False]),
    lambda lib: lib.tensor(2.5),
    lambda lib: lib.arange(12.0).reshape(3, 4).T,  # not contiguous
    lambda lib: lib.ones(2, 3, requires_grad=True),
])
def test_tensor_roundtrip_keeps_values_dtype_and_requires_grad_as_torch(make):
    t, tt = make(minigrad), make(torch)
    u, tu = _roundtrip(t), _roundtrip(tt)
    assert type(u) is Tensor and u.device is CPU
    assert u.dtype == t.dtype and str(u.dtype) == str(tu.dtype).replace("torch.", "")
    np.testing.assert_array_equal(u.numpy(), tu.detach().numpy())
    assert u.requires_grad == tu.requires_grad and u.grad_fn is None
    u.data[...] = 0  # a copy, not the sender's array
    assert not np.array_equal(t.numpy(), u.numpy()) or not t.numpy().any()


def test_grad_and_graph_are_not_pickled_as_torch():
    x, tx = minigrad.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    (tx * 2).sum().backward()
    assert _roundtrip(x).grad is None and _roundtrip(tx).grad is None
    # a tensor with a grad_fn comes back as a leaf that requires grad (torch does not refuse it)
    y, ty = x * 3, tx * 3
    u, tu = _roundtrip(y), _roundtrip(ty)
    assert (u.requires_grad, u.is_leaf, u.grad_fn) == (tu.requires_grad, tu.is_leaf, tu.grad_fn) == (True, True, None)
    np.testing.assert_array_equal(u.numpy(), tu.detach().numpy())
    u.sum().backward()
    assert u.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]


def test_backward_hooks_are_dropped_with_a_warning_as_torch():
    x, tx = minigrad.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    x.register_hook(print)
    tx.register_hook(print)
    with pytest.warns(UserWarning, match="will not be serialized"):
        tu = _roundtrip(tx)
    with pytest.warns(UserWarning, match="backward hook\\(s\\) \\[<built-in function print>\\] on a tensor of shape "
                                         "\\(2,\\) will not be serialized"):
        u = _roundtrip(x)
    assert not u._hooks and not tu._backward_hooks
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _roundtrip(minigrad.ones(2, requires_grad=True))


@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter_comes_back_a_parameter_as_torch(requires_grad):
    p = nn.Parameter(minigrad.tensor([1.0, 2.0]), requires_grad=requires_grad)
    tp = torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=requires_grad)
    u, tu = _roundtrip(p), _roundtrip(tp)
    assert type(u) is nn.Parameter and type(tu) is torch.nn.Parameter
    assert u.requires_grad == tu.requires_grad == requires_grad
    assert repr(u) == repr(p)


def test_buffer_and_name_and_subclass_state_survive():
    b = nn.Buffer(minigrad.zeros(3), persistent=False)
    u = _roundtrip(b)
    assert type(u) is nn.Buffer and u.persistent is False
    t = minigrad.ones(2)
    t.name = "x"
    assert _roundtrip(t).name == "x"

    u = _roundtrip(_Tagged._wrap(np.ones(2, np.float32), CPU))
    assert type(u) is _Tagged and not hasattr(u, "tag")
    tagged = _Tagged._wrap(np.ones(2, np.float32), CPU)
    tagged.tag = "kept"
    assert _roundtrip(tagged).tag == "kept"


class _Tagged(Tensor):
    """A user subclass without __slots__: its __dict__ travels, as torch keeps a subclass's attributes."""


def test_device_pickles_by_name():
    assert _roundtrip(minigrad.ones(1).device) is CPU
    assert _roundtrip(torch.ones(1).device) == torch.device("cpu")


class _Host(ArrayNamespace):
    """A second device's namespace: arrays are NumPy's, and to_host records each move."""

    moved = 0

    def to_host(self, x):
        _Host.moved += 1
        return x.copy()


def test_a_tensor_on_another_device_travels_through_the_host_and_returns_to_its_device(monkeypatch):
    other = Device("fake", 1, _Host(np, "fake"))
    monkeypatch.setitem(backend._devices, "fake:1", other)
    t = Tensor._wrap(np.arange(3.0), other, requires_grad=True)
    data = pickle.dumps(t)
    assert _Host.moved == 1
    u = pickle.loads(data)
    assert u.device is other and u.requires_grad and u.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.skipif(not CUDA, reason="no CUDA device")
def test_a_cuda_tensor_unpickles_on_cuda():
    t = minigrad.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    u = _roundtrip(t)
    assert u.device == "cuda:0" and type(u.data).__module__.startswith("cupy") and u.requires_grad
    assert u.tolist() == [1.0, 2.0]
    assert _roundtrip(nn.Linear(2, 2).cuda()).weight.device == "cuda:0"


def _scale_hook(module, args, output):
    return output * 2


def _pre_hook(module, args, kwargs):
    return (args[0] + 1,), kwargs


MODULES = {
    "Linear": (lambda lib: lib.Linear(3, 2), (4, 3)),
    "Sequential": (lambda lib: lib.Sequential(lib.Linear(3, 4), lib.ReLU(), lib.Dropout(0.0), lib.Linear(4, 2)),
                   (4, 3)),
    "LSTM": (lambda lib: lib.LSTM(3, 4, num_layers=2, batch_first=True), (2, 5, 3)),
    "BatchNorm1d": (lambda lib: lib.BatchNorm1d(3), (4, 3)),
    "TransformerEncoderLayer": (lambda lib: lib.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True),
                                (2, 3, 4)),
}


@pytest.mark.parametrize("name", MODULES)
def test_modules_pickle_and_compute_the_same_as_torch(name):
    build, shape = MODULES[name]
    torch.manual_seed(0)
    tm = build(torch.nn).double()
    m = build(nn).double()
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape)
    m(minigrad.tensor(x))  # train mode: BatchNorm's statistics and count move before pickling
    tm(torch.tensor(x))
    m.eval()
    tm.eval()
    u, tu = _roundtrip(m), _roundtrip(tm)
    assert type(u) is type(m) and not u.training and not any(c.training for c in u.modules())
    assert list(u.state_dict()) == list(tu.state_dict())
    for (k, a), b in zip(u.state_dict().items(), tu.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
        assert a.dtype == b.numpy().dtype, k
    got, want = u(minigrad.tensor(x)), tu(torch.tensor(x))
    got, want = (got[0], want[0]) if isinstance(got, tuple) else (got, want)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-9, atol=1e-12)
    for p in u.parameters():  # independent of the original, and still trainable
        assert isinstance(p, nn.Parameter) and p.requires_grad
    next(iter(u.parameters())).data[...] = 0
    assert next(iter(m.parameters())).numpy().any()


def test_shared_parameters_stay_shared_and_non_persistent_buffers_stay_out_as_torch():
    lin = nn.Linear(2, 2)
    s = nn.Sequential(lin, nn.Tanh(), lin)
    s.register_buffer("scratch", minigrad.zeros(2), persistent=False)
    u = _roundtrip(s)
    assert u[0] is u[2] and u[0].weight is u[2].weight
    assert "scratch" not in u.state_dict() and "scratch" in dict(u.named_buffers())
    opt_state = {"model": s.state_dict(), "step": 3}
    assert list(_roundtrip(opt_state)["model"]) == list(s.state_dict())


def test_module_hooks_travel_when_picklable_and_fail_as_torch_when_lambdas():
    m, tm = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    for mod in (m, tm):
        mod.register_forward_hook(_scale_hook)
        mod.register_forward_pre_hook(_pre_hook, with_kwargs=True)
    u = _roundtrip(m)
    assert len(_roundtrip(tm)._forward_hooks) == len(u._forward_hooks) == 1
    x = minigrad.tensor([[1.0, -1.0]])
    np.testing.assert_allclose(u(x).numpy(), m(x).numpy())
    np.testing.assert_allclose(u(x).numpy(), (nn.functional.linear(x + 1, m.weight, m.bias) * 2).numpy(),
                               rtol=1e-6)
    m.register_forward_hook(lambda mod, args, out: out)
    tm.register_forward_hook(lambda mod, args, out: out)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(tm)
    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(m)


def test_deepcopy_still_copies_grads_and_keeps_sharing():
    lin = nn.Linear(2, 2)
    s = nn.Sequential(lin, nn.Tanh(), lin)
    s(minigrad.randn(3, 2)).sum().backward()
    c = copy.deepcopy(s)
    assert c[0].weight is c[2].weight and c[0].weight is not lin.weight
    np.testing.assert_array_equal(c[0].weight.grad.numpy(), lin.weight.grad.numpy())
