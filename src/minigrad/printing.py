"""torch-like repr of tensors."""
import numpy as np

from . import dtypes


def _format_array(arr):
    if arr.dtype.kind == "f" and arr.size:
        finite = arr[np.isfinite(arr)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size and (np.abs(finite).max() >= 1e8 or (np.abs(finite[finite != 0]).min(initial=1) < 1e-4))
        if big:
            kw = {"formatter": {"float_kind": lambda v: f"{v:.4e}"}}
        elif integral:
            kw = {"formatter": {"float_kind": lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)}}
        else:
            kw = {"precision": 4, "floatmode": "fixed"}
    else:
        kw = {}
    return np.array2string(arr, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3, **kw)


def tensor_repr(t):
    from .lazy import is_unevaluated  # noqa: PLC0415

    extras = []
    if t._device.type != "cpu":
        extras.append(f"device='{t._device}'")
    default_dtypes = (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_)
    if t.dtype not in default_dtypes or (t.data.size == 0 and t.dtype != dtypes.get_default_dtype()):
        extras.append(f"dtype=minigrad.{t.dtype}")
    if t._ctx is not None:
        extras.append(f"grad_fn=<{t._ctx.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if is_unevaluated(t):
        body = f"<unevaluated placeholder graph, shape={tuple(t.shape)}; call .forward(**feeds)>"
    else:
        body = _format_array(np.asarray(t.numpy()))
    return "tensor(" + ", ".join([body] + extras) + ")"
