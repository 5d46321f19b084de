"""Anomaly detection: name the first backward that produced NaN or inf, and the user's line that created its node.

Only in this mode does forward pay anything: `function._hooks.on_record` stores the creating stack on each node,
and the engine's backward hook (`function._hooks.on_backward`) checks every gradient a node's backward returns. The
first non-finite one raises, with the node's name (as torch: "Function 'LogBackward0' returned nan values in its
0th output.") and the forward traceback, its innermost user frame marked.
"""
import functools
import os
import sys

from . import function as _function

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _State:
    enabled = False
    check_nan = True
    installed = None  # (previous on_record, previous on_backward) while our hooks are in place


def is_anomaly_enabled():
    """True inside detect_anomaly(). Matches torch.is_anomaly_enabled."""
    return _State.enabled


def is_anomaly_check_nan_enabled():
    return _State.enabled and _State.check_nan


def _internal(filename):
    return os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)


def _capture():
    """The forward stack as (filename, lineno, function) tuples, outermost first, minus anomaly/apply frames."""
    frames = []
    f = sys._getframe(2)
    while f is not None:
        frames.append((f.f_code.co_filename, f.f_lineno, f.f_code.co_name))
        f = f.f_back
    frames.reverse()
    return frames


def user_frame(stack):
    """The innermost frame outside the minigrad package: the user's line that created the node."""
    for frame in reversed(stack):
        if not _internal(frame[0]):
            return frame
    return stack[-1] if stack else None


def _source(filename, lineno):
    import linecache  # noqa: PLC0415 - only when an anomaly is reported; it pulls in tokenize at import

    return linecache.getline(filename, lineno).strip()


def format_stack(stack, limit=12):
    mark = user_frame(stack)
    lines = []
    for frame in stack[-limit:]:
        filename, lineno, func = frame
        code = _source(filename, lineno)
        prefix = "-> " if frame is mark else "   "
        lines.append(f'{prefix}File "{filename}", line {lineno}, in {func}\n       {code}')
    return "\n".join(lines)


def _make_on_record(prev):
    def on_record(ctx, out):
        ctx.anomaly_trace = _capture()
        if prev is not None:
            prev(ctx, out)

    return on_record


def _make_on_backward(prev):
    def on_backward(ctx, bctx, grad, out):
        gs = prev(ctx, bctx, grad, out) if prev is not None else ctx.backward(bctx, grad)
        if _State.check_nan:
            _check(ctx, gs)
        return gs

    return on_backward


def _check(ctx, gs):
    for i, g in enumerate(gs if type(gs) is tuple else (gs,)):
        if g is None:
            continue
        arr = g.data if hasattr(g, "_ctx") else g
        if arr.dtype.kind not in "fc":
            continue
        xp = ctx.xp
        if bool(xp.all(xp.isfinite(arr))):
            continue
        kind = "nan" if bool(xp.any(xp.isnan(arr))) else "inf"
        stack = getattr(ctx, "anomaly_trace", None)
        where = ""
        if stack:
            filename, lineno, func = user_frame(stack)
            code = _source(filename, lineno)
            where = (f"\nThe forward call that created it: File \"{filename}\", line {lineno}, in {func}: {code}"
                     f"\nTraceback of forward call that caused the error (-> marks your line):\n"
                     f"{format_stack(stack)}")
        else:
            where = "\n(its node was recorded before anomaly detection was enabled, so no forward traceback)"
        shapes = ", ".join(str(tuple(p.shape)) for p in ctx.parents)
        raise RuntimeError(f"Function '{ctx.name()}' returned {kind} values in its {i}th output (input shapes "
                           f"{shapes}).{where}")


def _apply(enabled, check_nan):
    hooks = _function._hooks
    if enabled and _State.installed is None:
        prev = (hooks.on_record, getattr(hooks, "on_backward", None))
        hooks.on_record = _make_on_record(prev[0])
        hooks.on_backward = _make_on_backward(prev[1])
        _State.installed = (prev, hooks.on_record, hooks.on_backward)
    elif not enabled and _State.installed is not None:
        (rec, bwd), mine_rec, mine_bwd = _State.installed
        # restore only what is still ours: a profiler started inside keeps its own chain until it stops
        if hooks.on_record is mine_rec:
            hooks.on_record = rec
        if getattr(hooks, "on_backward", None) is mine_bwd:
            hooks.on_backward = bwd
        _State.installed = None
    _State.enabled, _State.check_nan = enabled, check_nan


class set_detect_anomaly:
    """Turn anomaly detection on or off now; as a context manager, restore the previous mode on exit.
    Matches torch.autograd.set_detect_anomaly."""

    def __init__(self, mode, check_nan=True):
        self.prev = (_State.enabled, _State.check_nan)
        _apply(bool(mode), bool(check_nan))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _apply(*self.prev)
        return False


class detect_anomaly:
    """Context manager (and decorator) that records where each node was created and raises at the first backward
    that returns NaN or inf, naming the op and the user's line. Matches torch.autograd.detect_anomaly.

    >>> import minigrad
    >>> x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    >>> with minigrad.autograd.detect_anomaly():
    ...     y = x.sqrt().sum()
    ...     y.backward()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    RuntimeError: Function 'SqrtBackward0' returned inf values in its 0th output (input shapes (2,))...
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = (_State.enabled, _State.check_nan)
        _apply(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _apply(*self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper
