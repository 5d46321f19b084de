"""How tensors meet NumPy: user data (lists, numbers, ndarrays, anything with `__array__`) becomes an array, and
the `__array__`, `__array_ufunc__` and `__array_function__` hooks of Tensor. The tables that map NumPy functions to
minigrad ops live in functions.py (numpy_ufunc, numpy_function).

The functions taking `self` are bound as Tensor methods in tensor.py. tensor.py sets `Tensor` here once the class
exists (it imports this module first).
"""
import numpy as np

from . import dtypes

Tensor = None  # set by tensor.py


def to_array(data, dtype, xp, tensor_style):
    """Convert user data to an array. `tensor_style` follows torch.tensor's inference (float -> default float,
    int -> int64, bool -> bool); otherwise numbers and lists become the default float dtype, as torch.Tensor."""
    if isinstance(data, Tensor):
        if tensor_style:
            import warnings  # noqa: PLC0415

            warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                          "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                          "minigrad.tensor(sourceTensor).", UserWarning, stacklevel=3)
        arr = data.data
        return xp.array(arr, dtype=dtype, copy=True)
    if hasattr(data, "__array__") or hasattr(data, "__cuda_array_interface__"):
        arr = xp.array(data, copy=True)
        if dtype is not None:
            arr = xp.astype(arr, dtype)
        return arr
    arr = np.asarray(data)
    if arr.dtype == object:
        raise TypeError(f"tensor: cannot build a tensor from {type(data).__name__} holding ragged or non-numeric "
                        f"data ({str(data)[:60]})")
    if dtype is None:
        if not tensor_style:
            dtype = dtypes.get_default_dtype()
        elif arr.dtype.kind == "f":
            dtype = dtypes.get_default_dtype()
        elif arr.dtype.kind in "iu":
            dtype = dtypes.int64
        elif arr.dtype.kind == "b":
            dtype = dtypes.bool_
        else:
            raise TypeError(f"tensor: unsupported data of dtype {arr.dtype}")
    return xp.asarray(arr, dtype=dtype)


def array(self, dtype=None, copy=None):
    """NumPy's __array__ protocol: copy=True must return a fresh array (np.array(t) relies on it), copy=False
    refuses a conversion that would copy; by default the tensor's own buffer on the CPU, as torch."""
    arr = self.numpy()
    if dtype is not None and np.dtype(dtype) != arr.dtype:
        if copy is False:
            raise ValueError(f"__array__: cannot convert a {arr.dtype} tensor to {np.dtype(dtype)} without a copy "
                             "(copy=False)")
        return arr.astype(dtype)
    return arr.copy() if copy else arr


def array_ufunc(self, ufunc, method, *inputs, **kwargs):
    from .functions import numpy_ufunc  # noqa: PLC0415 - functions.py imports tensor.py, which imports this

    return numpy_ufunc(ufunc, method, inputs, kwargs)


def array_function(self, func, types, args, kwargs):
    from .functions import numpy_function  # noqa: PLC0415

    return numpy_function(func, args, kwargs)
