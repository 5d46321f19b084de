"""minigrad: reverse-mode autodiff over NumPy arrays with PyTorch's API. Public re-exports only."""
from . import autograd
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device, devices, set_device
from .backend import get_device as device
from .creation import (arange, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand,
                       rand_like, randint, randn, randn_like, randperm, zeros, zeros_like)
from .dtypes import (bool_, double, float16, float32, float64, get_default_dtype, half, int8, int16, int32, int64,
                     long, set_default_dtype, uint8)
from .dtypes import bool_ as bool  # noqa: A001 - torch.bool
from .dtypes import float32 as float  # noqa: A001 - torch.float
from .dtypes import int32 as int  # noqa: A001 - torch.int
from .random import Generator, initial_seed, manual_seed
from .tensor import Tensor, matmul, tensor
from . import functions
from .functions import *  # noqa: F403 - torch-style top-level functions (cat, where, exp, ...)

__version__ = "0.1.0"

# Subpackages load on first attribute access (minigrad.nn, minigrad.optim, ...), which keeps `import minigrad`
# close to `import numpy` (tests/test_package.py guards it) while seed 000's `minigrad.optim.Adam` still works.
_SUBMODULES = {"nn", "optim", "data", "distributed", "onnx", "viz", "profiler", "func", "lazy", "scalar", "cuda",
               "serialization"}


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib  # noqa: PLC0415

        return importlib.import_module(f"{__name__}.{name}")
    if name == "Value":
        from .scalar import Value  # noqa: PLC0415

        return Value
    if name in ("save", "load"):
        from . import serialization  # noqa: PLC0415

        return getattr(serialization, name)
    raise AttributeError(f"module 'minigrad' has no attribute '{name}'")
