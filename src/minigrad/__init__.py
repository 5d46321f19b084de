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
