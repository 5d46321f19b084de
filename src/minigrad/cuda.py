"""NVIDIA GPUs through CuPy, an optional extra: `pip install cupy-cuda12x` (or the CuPy wheel for your CUDA).

CuPy is imported the first time a CUDA device is asked for (`minigrad.set_device("cuda")`, `device="cuda"`,
`.to("cuda")`, `.cuda()`, `cuda.is_available()`), never by `import minigrad`. Every op computes through its inputs'
array namespace (backend.py), so a CUDA tensor runs the same op code on CuPy arrays; this module holds only what
differs: the namespace's few GPU-specific helpers and the copy between devices.

Choices, and why:
* Random numbers (randn, rand, nn.init, dropout) are drawn on the host from minigrad's seeded generator and copied
  to the GPU, so `manual_seed(s)` gives the same tensors on every device. torch's CUDA generator gives different
  numbers from its CPU one; a model initialised here is the same model on either device.
* One GPU: "cuda" is "cuda:0", the device CuPy computes on. Other indices raise rather than run somewhere else.
* `Tensor.numpy()` and `np.asarray(t)` copy a CUDA tensor to the host (torch raises and asks for `.cpu()` first).
"""
from .autograd import function as _function
from .autograd.function import Function
from .backend import ArrayNamespace, Device

_state = {}  # "cupy": the module once usable; "error": why CUDA is not usable here


def _cupy():
    """CuPy, imported and checked once; None (and _state["error"] says why) when no GPU can be used."""
    if not _state:
        try:
            import cupy  # noqa: PLC0415 - optional: only a CUDA device needs it
        except ImportError as e:
            _state["error"] = f"CuPy is not installed ({e}); pip install cupy-cuda12x (or the wheel for your CUDA)"
            return None
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # noqa: BLE001 - CUDARuntimeError: no driver, or a driver too old for this CuPy
            _state["error"] = f"CuPy {cupy.__version__} finds no usable GPU ({type(e).__name__}: {e})"
            return None
        if not count:
            _state["error"] = f"CuPy {cupy.__version__} finds no GPU"
            return None
        _state["cupy"], _state["count"] = cupy, count
    return _state.get("cupy")


def is_available():
    """Whether a CUDA device can be used: CuPy is installed and sees a GPU. Matches torch.cuda.is_available."""
    return _cupy() is not None


def device_count():
    return _state["count"] if is_available() else 0


def report():
    """The usable CUDA devices, and why the others are not usable (for minigrad.devices())."""
    if not is_available():
        return [], {"cuda": _state["error"]}
    return ["cuda:0"], {f"cuda:{i}": _ONE_GPU for i in range(1, _state["count"])}


_ONE_GPU = "minigrad computes on one GPU, cuda:0"


class CupyNamespace(ArrayNamespace):
    """CuPy plus the helpers that differ from NumPy's (the CPU-only speed paths of ArrayNamespace are skipped)."""

    def __init__(self, cupy):
        super().__init__(cupy, "cupy")
        import cupy.lib.stride_tricks  # noqa: PLC0415, F401 - makes cupy.lib.stride_tricks an attribute

    def sum(self, x, axis=None, keepdims=False, dtype=None):
        return self._module.sum(x, axis=axis, dtype=dtype, keepdims=keepdims)

    def where(self, cond, a, b):
        # the CPU's multiply-by-mask shortcut avoids branch mispredictions a GPU does not have
        return self._module.where(cond, a, b)

    def broadcast_to(self, x, shape):
        return x if x.shape == shape else self._module.broadcast_to(x, shape)

    def to_host(self, x):
        return x.get()


def device(key):
    """The Device for "cuda" / "cuda:0", registered in backend on first use; a clear error when unusable."""
    from . import backend  # noqa: PLC0415

    index = 0 if key == "cuda" else key.partition(":")[2]
    if not str(index).isdigit():
        raise ValueError(f"unknown device '{key}': expected 'cpu' or 'cuda[:N]'")
    cupy = _cupy()
    if cupy is None:
        raise RuntimeError(f"device '{key}': CUDA is not available: {_state['error']}")
    if int(index) != 0:
        raise RuntimeError(f"device '{key}': {_ONE_GPU} ({_state['count']} visible)")
    dev = backend._devices.get("cuda:0")
    if dev is None:
        dev = backend._devices["cuda"] = backend._devices["cuda:0"] = Device("cuda", 0, CupyNamespace(cupy))
    return dev


class Transfer(Function):
    """Copy to another device. The gradient is copied back to the input's device."""

    @staticmethod
    def forward(ctx, a, src, dst):
        ctx.src, ctx.dst = src, dst
        return _copy(a, src, dst)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, _function.Tensor):  # create_graph: the copy back is recorded too
            return transfer(grad, ctx.src)
        return _copy(grad, ctx.dst, ctx.src)


def _copy(a, src, dst):
    return src.xp.to_host(a) if dst.type == "cpu" else dst.xp.asarray(a)


def transfer(t, dst):
    """t on device `dst`, recorded (the gradient flows back to t's device), as torch's Tensor.to(device)."""
    out = Transfer.apply(t, src=t._device, dst=dst)
    out._device = dst  # apply() puts an op's output on its input's device; this op's output lives on dst
    return out
