"""The CUDA device through CuPy. The first tests run everywhere (the reasons and errors without a GPU, the
mixed-device error); the rest need CuPy and a GPU and are skipped with the reason otherwise.

On a GPU machine, the op table, the layer checks and the optimizer trajectories also run on the device, against
torch on the CPU with the same tolerances, through the default device (tests/conftest.py):

    bash tools/gpu_check.sh   # this file, those suites with MINIGRAD_TEST_DEVICE=cuda, benchmarks/bench_gpu.py
"""
import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.backend import ArrayNamespace, Device
from minigrad.tensor import Tensor

CUDA = minigrad.cuda.is_available()
gpu = pytest.mark.skipif(not CUDA, reason=f"no CUDA device: {minigrad.cuda.report()[1].get('cuda')}")


def test_without_a_gpu_the_reason_is_given():
    info = minigrad.devices()
    assert info["usable"][0] == "cpu"
    if CUDA:
        assert info["usable"][1] == "cuda:0"
        return
    assert "CuPy" in info["unavailable"]["cuda"]
    with pytest.raises(RuntimeError, match="device 'cuda': CUDA is not available: CuPy"):
        minigrad.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        minigrad.set_device("cuda")
    assert minigrad.cuda.device_count() == 0


class _Refusing(np.ndarray):
    """Stands in for a CuPy array: a NumPy ufunc mixing it with a plain ndarray raises TypeError, as CuPy does."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(type(a) is np.ndarray for a in inputs):
            raise TypeError("Unsupported type <class 'numpy.ndarray'>")
        plain = [a.view(np.ndarray) if isinstance(a, _Refusing) else a for a in inputs]
        return getattr(ufunc, method)(*plain, **kwargs).view(_Refusing)


def test_an_op_refused_by_the_array_library_names_both_devices():
    other = Device("fake", 1, ArrayNamespace(np, "numpy"))
    w = Tensor._wrap(np.ones((3, 2), dtype=np.float32).view(_Refusing), other)
    x = minigrad.ones(4, 3)
    with pytest.raises(RuntimeError, match="Linear: expected all tensors to be on the same device, but found at least "
                                           "two devices, cpu and fake:1"):
        nn.functional.linear(x, w.T)


def test_a_gradient_on_another_device_is_refused():
    other = Device("fake", 1, ArrayNamespace(np, "numpy"))
    y = minigrad.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="backward: the gradient is on fake:1, but the tensor is on cpu"):
        y.backward(Tensor._wrap(np.ones(3, dtype=np.float32), other))


@gpu
def test_device_api():
    x = minigrad.tensor([1.0, 2.0], device="cuda")
    assert str(x.device) == "cuda:0" and x.device == "cuda" and x.device.type == "cuda"
    assert type(x.data).__module__.startswith("cupy")
    assert x.cpu().device == "cpu" and minigrad.ones(2).cuda().device == "cuda:0"
    assert minigrad.Tensor([1.0], device="cuda").requires_grad
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    assert x.tolist() == [1.0, 2.0] and x.sum().item() == 3.0 and float(x[1]) == 2.0
    minigrad.set_device("cuda")
    try:
        assert minigrad.zeros(3).device == "cuda" and minigrad.randn(2, 2).device == "cuda"
    finally:
        minigrad.set_device("cpu")
    with pytest.raises(RuntimeError, match="cuda:1': minigrad computes on one GPU"):
        minigrad.ones(1).to("cuda:1")


@gpu
def test_random_tensors_match_across_devices():
    minigrad.manual_seed(3)
    a = minigrad.randn(4, 5)
    minigrad.manual_seed(3)
    b = minigrad.randn(4, 5, device="cuda")
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@gpu
def test_mixing_devices_names_both():
    a, b = minigrad.ones(2, device="cuda"), minigrad.ones(2)
    for fn in (lambda: a + b, lambda: b * a, lambda: a @ b, lambda: minigrad.where(a > 0, a, b),
               lambda: minigrad.cat([a, b])):
        with pytest.raises(RuntimeError, match="at least two devices, (cuda:0 and cpu|cpu and cuda:0)"):
            fn()
    w = minigrad.ones(2, device="cuda", requires_grad=True)
    with pytest.raises(RuntimeError, match="the gradient is on cpu, but the tensor is on cuda:0"):
        (w * 2).backward(minigrad.ones(2))


@gpu
def test_gradient_flows_back_across_devices():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x.cuda() ** 2).sum()
    y.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    # second order through the copy: d/dx sum(d/dx (x^3)) = 6x
    x.grad = None
    (g,) = minigrad.autograd.grad((x.cuda() ** 3).sum(), x, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0, 18.0])
    z = minigrad.tensor([1.0, -1.0], device="cuda", requires_grad=True)
    (z.cpu() * 3).sum().backward()
    assert z.grad.device == "cuda" and z.grad.tolist() == [3.0, 3.0]


def _mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


@gpu
def test_training_on_the_gpu_follows_the_cpu():
    minigrad.manual_seed(0)
    cpu_model = _mlp()
    gpu_model = _mlp().to("cuda")
    gpu_model.load_state_dict(cpu_model.state_dict())
    assert all(p.device == "cuda" for p in gpu_model.parameters())
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((32, 6)).astype(np.float32), rng.integers(0, 3, 32)
    opts = [minigrad.optim.Adam(m.parameters(), lr=0.01) for m in (cpu_model, gpu_model)]
    for _ in range(20):
        for model, opt, dev in zip((cpu_model, gpu_model), opts, ("cpu", "cuda")):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(minigrad.tensor(X, device=dev)), minigrad.tensor(y, device=dev))
            loss.backward()
            opt.step()
    for p, q in zip(cpu_model.parameters(), gpu_model.parameters()):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-4, atol=1e-5)


@gpu
def test_checkpoints_move_between_devices(tmp_path):
    minigrad.manual_seed(1)
    gpu_model = _mlp().cuda()
    opt = minigrad.optim.Adam(gpu_model.parameters(), lr=0.01)
    gpu_model(minigrad.randn(4, 6, device="cuda")).sum().backward()
    opt.step()
    minigrad.save({"model": gpu_model.state_dict(), "opt": opt.state_dict()}, tmp_path / "gpu.mg")
    ck = minigrad.load(tmp_path / "gpu.mg")
    cpu_model = _mlp()
    cpu_model.load_state_dict(ck["model"])
    for p, q in zip(cpu_model.parameters(), gpu_model.parameters()):
        assert p.device == "cpu"
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    cpu_opt = minigrad.optim.Adam(cpu_model.parameters(), lr=0.01)
    cpu_opt.load_state_dict(ck["opt"])
    minigrad.save(cpu_model.state_dict(), tmp_path / "cpu.mg")
    back = _mlp().cuda()
    back.load_state_dict(minigrad.load(tmp_path / "cpu.mg"))
    for p, q in zip(back.parameters(), cpu_model.parameters()):
        assert p.device == "cuda"
        np.testing.assert_array_equal(p.numpy(), q.numpy())
