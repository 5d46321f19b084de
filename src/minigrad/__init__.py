"""minigrad: reverse-mode autodiff over NumPy arrays with PyTorch's API. Public re-exports only."""
import builtins as _builtins

import numpy as _np


def _require_numpy(version):
    """Raise ImportError unless NumPy `version` is 2.1 or newer. minigrad computes with NumPy 2's array-API functions
    (np.astype, which 2.0 refuses on scalars) and NEP 50 promotion (the rule torch has: a Python number does not
    upcast a tensor); measured, NumPy 1.26 fails ~600 of the tests and 2.0.2 fails ~60, 2.1.3 passes them all."""
    major, minor = (_builtins.int(part) for part in version.split(".")[:2])  # this module's `int` is torch's dtype
    if (major, minor) < (2, 1):
        raise ImportError(f"minigrad needs NumPy 2.1 or newer, found {version}: pip install 'numpy>=2.1'")


_require_numpy(_np.__version__)

from . import autograd  # noqa: E402 - after the NumPy check, so an old NumPy fails with its message
from .autograd.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device, devices, set_device
from .backend import get_device as device
from .creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full, full_like, linspace,
                       logspace, multinomial, normal, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randperm, zeros, zeros_like)
from .dtypes import (bool_, double, finfo, float16, float32, float64, get_default_dtype, half, iinfo, int8, int16,
                     int32, int64, long, set_default_dtype, uint8)
from .dtypes import bool_ as bool  # noqa: A001 - torch.bool
from .dtypes import float32 as float  # noqa: A001 - torch.float
from .dtypes import int32 as int  # noqa: A001 - torch.int
from .printing import set_printoptions
from .random import Generator, initial_seed, manual_seed
from .tensor import Tensor, matmul, tensor
from . import functions
from .functions import *  # noqa: F403 - torch-style top-level functions (cat, where, exp, ...)
from . import linalg
from .ops import shaping as _shaping, special as _special, statistics as _statistics, tensor_misc as _misc

for _mod in (_special, _statistics, _shaping, _misc, linalg):  # torch API beyond the core set, by theme
    globals().update(_mod.FUNCTIONS)

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
