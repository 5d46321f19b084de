"""dtype names, the default float dtype, and torch's type-promotion rules.

Promotion follows torch.result_type, not NumPy: categories bool < integer < floating decide first, so
int64 + float32 gives float32 (NumPy says float64), and a Python scalar or a 0-d tensor only changes the
result's dtype when it is of a higher category than the dimensioned operands.
"""
import numpy as np

bool_ = np.dtype(np.bool_)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)

# torch spellings; `float`, `int` and `bool` are re-exported under those names by minigrad/__init__.py only
half = float16
double = float64
long = int64

# torch's method names for each dtype (x.float(), x.long(), ...); their titles name its tensor types (FloatTensor)
TORCH_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long", "int32": "int",
               "int16": "short", "int8": "char", "uint8": "byte", "bool": "bool"}
_TYPE_NAMES = {v.title() + "Tensor": k for k, v in TORCH_NAMES.items()}  # "FloatTensor": "float32"


def from_type_name(name):
    """The dtype of a torch tensor type name ('torch.FloatTensor', 'torch.cuda.LongTensor'), else as_dtype(name)."""
    return as_dtype(_TYPE_NAMES.get(name.rsplit(".", 1)[-1], name))

_default_float = [float32]


def get_default_dtype():
    """The dtype Python floats become (float32 unless changed). Matches torch.get_default_dtype."""
    return _default_float[0]


def set_default_dtype(dtype):
    """Set the dtype Python floats and `Tensor(list)` become. Matches torch.set_default_dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_float[0] = dtype


def as_dtype(dtype):
    """Normalise a dtype spelling (np.float32, 'float32', minigrad.float32) to a NumPy dtype."""
    return dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)


def category(dtype):
    """0 for bool, 1 for integers, 2 for floating point."""
    k = dtype.kind
    return 2 if k in "fc" else (0 if k == "b" else 1)


def is_floating(dtype):
    return dtype.kind == "f"


def scalar_category(value):
    # bool is checked first because it is a subclass of int
    if isinstance(value, (bool, np.bool_)):
        return 0
    if isinstance(value, (int, np.integer)):
        return 1
    return 2


def _default_for(cat):
    return (bool_, int64, _default_float[0])[cat]


def promote(a, b):
    """torch.promote_types for two dtypes of dimensioned tensors."""
    if a is b:
        return a
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(*operands):
    """torch.result_type over tensors, 0-d tensors and Python scalars.

    Each operand is either a Tensor-like with `.dtype` and `.ndim` or a Python number.
    """
    dims = zero = scal = None
    for op in operands:
        dt = getattr(op, "dtype", None)
        if dt is None:
            cat = scalar_category(op)
            scal = cat if scal is None else max(scal, cat)
        elif op.ndim == 0:
            zero = dt if zero is None else promote(zero, dt)
        else:
            dims = dt if dims is None else promote(dims, dt)
    result = dims
    if zero is not None:
        result = zero if result is None or category(zero) > category(result) else result
    if scal is not None:
        if result is None:
            result = _default_for(scal)
        elif scal > category(result):
            result = _default_for(scal)
    return result


def _info(type, numpy_info, kinds, op, other):
    type = get_default_dtype() if type is None else as_dtype(type)
    if type.kind not in kinds:
        raise TypeError(f"{op}() requires {'a floating point' if kinds == 'f' else 'an integer'} input type, got "
                        f"{type}; use {other}")
    return numpy_info(type)


def finfo(type=None):
    """torch.finfo: NumPy's finfo (eps, max, min, tiny, bits, resolution, smallest_normal, dtype) of a floating dtype,
    the default dtype when none is given."""
    return _info(type, np.finfo, "f", "finfo", "iinfo")


def iinfo(type):
    """torch.iinfo: NumPy's iinfo (bits, max, min, dtype) of an integer dtype."""
    return _info(type, np.iinfo, "iu", "iinfo", "finfo")
