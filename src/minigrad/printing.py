"""torch-like repr of tensors: a port of torch/_tensor_str.py's rules (precision 4, threshold 1000, edgeitems 3,
linewidth 80 unless set_printoptions changes them). Floats print in int mode ("1."), fixed ("1.0000") or scientific ("1.0000e-05") mode, chosen over the
shown nonzero finite values: scientific when max/min > 1000, max > 1e8 or (fixed mode) min < 1e-4, as torch does.
Summarised tensors show " ..." between the edges; empty tensors other than 1-D show their size.
"""
import math

import numpy as np

from . import dtypes

_PRECISION, _THRESHOLD, _EDGE, _LINEWIDTH, _SCI_MODE = 4, 1000, 3, 80, None
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: an option left None keeps its value, except sci_mode (None: chosen per tensor);
    profile 'default', 'short' or 'full' first resets the other four."""
    global _PRECISION, _THRESHOLD, _EDGE, _LINEWIDTH, _SCI_MODE  # noqa: PLW0603 - the options are module state
    options = _PROFILES.get(profile, (_PRECISION, _THRESHOLD, _EDGE, _LINEWIDTH))
    _PRECISION, _THRESHOLD, _EDGE, _LINEWIDTH = (old if new is None else new for old, new in
                                                 zip(options, (precision, threshold, edgeitems, linewidth)))
    _SCI_MODE = sci_mode


class _Formatter:
    def __init__(self, arr):
        self.floating = arr.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        flat = arr.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if vals.size == 0:
            return
        absv = np.abs(vals)
        vmin, vmax = absv.min(), absv.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        self.sci_mode = (vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4) if _SCI_MODE is None else _SCI_MODE
        for v in vals.tolist():
            if self.sci_mode:
                width = len(f"{v:.{_PRECISION}e}")
            elif self.int_mode:
                width = len(f"{v:.0f}") + 1
            else:
                width = len(f"{v:.{_PRECISION}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{_PRECISION}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{_PRECISION}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _summarized(arr):
    """The elements a summarised print shows: the first and last _EDGE along each long axis."""
    for axis, n in enumerate(arr.shape):
        if n > 2 * _EDGE:
            arr = np.take(arr, np.r_[0:_EDGE, n - _EDGE:n], axis=axis)
    return arr


def _vector_str(arr, indent, summarize, fmt):
    per_line = max(1, (_LINEWIDTH - indent) // (fmt.max_width + 2))
    if summarize and not _EDGE:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * _EDGE:
        data = ([fmt.format(v) for v in arr[:_EDGE].tolist()] + [" ..."]
                + [fmt.format(v) for v in arr[-_EDGE:].tolist()])
    else:
        data = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str(arr, indent, summarize, fmt):
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    n = arr.shape[0]
    if summarize and n > 2 * _EDGE:
        slices = ([_tensor_str(arr[i], indent + 1, summarize, fmt) for i in range(_EDGE)] + ["..."]
                  + [_tensor_str(arr[i], indent + 1, summarize, fmt) for i in range(n - _EDGE, n)])
    else:
        slices = [_tensor_str(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _format_array(arr, indent=7):  # 7: len("tensor(")
    if arr.size == 0:
        return "[]"
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    summarize = arr.size > _THRESHOLD
    fmt = _Formatter(_summarized(arr) if summarize else arr)
    return _tensor_str(arr, indent, summarize, fmt)


def _add_suffixes(body, suffixes, indent):
    parts = [body]
    last_line_len = len(body) - body.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(t):
    from .lazy import is_unevaluated  # noqa: PLC0415

    prefix = "tensor("
    extras = []
    if t._device.type != "cpu":
        extras.append(f"device='{t._device}'")
    unevaluated = is_unevaluated(t)
    if not unevaluated and t.data.size == 0:
        if t.ndim != 1:
            extras.append(f"size={tuple(t.shape)}")
        if t.dtype != dtypes.get_default_dtype():
            extras.append(f"dtype=minigrad.{t.dtype}")
    else:
        if not _EDGE:  # as torch: edgeitems=0 shows the size of every tensor
            extras.append(f"size={tuple(t.shape)}")
        if t.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            extras.append(f"dtype=minigrad.{t.dtype}")
    if t._ctx is not None:
        extras.append(f"grad_fn=<{t._ctx.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if unevaluated:
        return prefix + ", ".join([f"<unevaluated placeholder graph, shape={tuple(t.shape)}; call .forward(**feeds)>"]
                                  + extras) + ")"
    return _add_suffixes(prefix + _format_array(np.asarray(t.numpy())), extras, len(prefix))
