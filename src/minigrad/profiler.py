"""minigrad.profiler: per-op forward and backward time, call counts and bytes allocated. Matches the shape of
torch.profiler: `with profile() as prof: ...`, `prof.key_averages().table(sort_by=...)`, `prof.table(...)`,
`prof.export_chrome_trace(path)`, and `record_function(name)` for user ranges.

Nothing is paid when not profiling: entering `profile` swaps `Function.apply` for a timing wrapper (and the custom
Function's apply likewise) and sets the engine's backward hook (`function._hooks.on_backward`); leaving restores
both. Forward events are timed around the whole apply (forward math plus graph recording); backward events around
each node's backward. "Bytes" are the sizes of the arrays each op returns: its output in forward, its input
gradients in backward.
"""
import contextlib
import json
import os
import threading
import time

from .autograd import custom as _custom
from .autograd import function as _function

__all__ = ["profile", "record_function", "ProfilerActivity", "EventList", "FunctionEventAvg"]

_now = time.perf_counter_ns


class ProfilerActivity:
    CPU = "cpu"
    CUDA = "cuda"


class _Event:
    __slots__ = ("name", "phase", "start", "dur", "nbytes", "child", "shapes", "tid")

    def __init__(self, name, phase, start, dur, nbytes, child, shapes, tid):
        self.name, self.phase, self.start, self.dur = name, phase, start, dur
        self.nbytes, self.child, self.shapes, self.tid = nbytes, child, shapes, tid


class _Recorder:
    """The active profile's event list and the stack that turns nested time into self time."""

    def __init__(self, record_shapes):
        self.events = []
        self.stack = []  # child-time accumulators of the open events
        self.record_shapes = record_shapes

    def run(self, name, phase, fn, shapes_of=None):
        stack = self.stack
        stack.append(0)
        t0 = _now()
        try:
            out = fn()
        finally:
            dur = _now() - t0
            child = stack.pop()
            if stack:
                stack[-1] += dur
        shapes = shapes_of() if (self.record_shapes and shapes_of is not None) else None
        self.events.append(_Event(name, phase, t0, dur, _nbytes(out), child, shapes, threading.get_ident()))
        return out


def _nbytes(out):
    if out is None:
        return 0
    if isinstance(out, (tuple, list)):
        return sum(_nbytes(o) for o in out)
    data = getattr(out, "data", out) if hasattr(out, "_ctx") else out
    return int(getattr(data, "nbytes", 0))


_active = []  # the recorders of the profiles now open (innermost last)


class profile:
    """Context manager that records every op's forward and backward. Matches torch.profiler.profile's use.

    Args:
        activities: accepted for torch compatibility; only CPU time is measured.
        record_shapes: also keep the input shapes of each forward call (key_averages(group_by_input_shape=True)).
        profile_memory: accepted; bytes are always recorded.

    >>> import minigrad
    >>> from minigrad.profiler import profile
    >>> x = minigrad.randn(8, 8, requires_grad=True)
    >>> with profile() as prof:
    ...     (x @ x).tanh().sum().backward()
    >>> sorted(e.key for e in prof.key_averages())[:3]
    ['MatMul', 'Sum', 'Tanh']
    """

    def __init__(self, activities=None, record_shapes=False, profile_memory=True, with_stack=False, **kwargs):
        self.record_shapes = record_shapes
        self._rec = None
        self._t0 = self._t1 = None

    # ------------------------------------------------------------------------------ recording
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        rec = self._rec = _Recorder(self.record_shapes)
        hooks = _function._hooks
        self._saved = (_function.Function.__dict__["apply"], _custom.Function.__dict__["apply"],
                       getattr(hooks, "on_backward", None))
        base_apply = self._saved[0].__func__
        custom_apply = self._saved[1].__func__
        prev_bwd = self._saved[2]

        def shapes_of(inputs):
            return lambda: tuple(tuple(t.shape) for t in inputs if hasattr(t, "shape"))

        def timed_apply(cls, *inputs, **attrs):
            return rec.run(cls.__name__, "forward", lambda: base_apply(cls, *inputs, **attrs), shapes_of(inputs))

        def timed_custom_apply(cls, *args, **kwargs):
            return rec.run(cls.__name__, "forward", lambda: custom_apply(cls, *args, **kwargs), shapes_of(args))

        def on_backward(ctx, bctx, grad, out):
            name = getattr(ctx, "fn", type(ctx)).__name__
            if prev_bwd is not None:
                return rec.run(name, "backward", lambda: prev_bwd(ctx, bctx, grad, out))
            return rec.run(name, "backward", lambda: ctx.backward(bctx, grad))

        _function.Function.apply = classmethod(timed_apply)
        _custom.Function.apply = classmethod(timed_custom_apply)
        hooks.on_backward = on_backward
        self._mine = on_backward
        _active.append(rec)
        self._t0 = _now()

    def stop(self):
        if self._rec is None or self._t1 is not None:
            return
        self._t1 = _now()
        apply, custom_apply, prev_bwd = self._saved
        _function.Function.apply = apply
        _custom.Function.apply = custom_apply
        if getattr(_function._hooks, "on_backward", None) is self._mine:
            _function._hooks.on_backward = prev_bwd
        _active.remove(self._rec)

    def step(self):
        """Accepted for torch compatibility (schedules are not implemented: every step is recorded)."""

    # ------------------------------------------------------------------------------ results
    def events(self):
        """The recorded events, in order of completion (a method, as torch's prof.events())."""
        return list(self._rec.events) if self._rec else []

    def key_averages(self, group_by_input_shape=False):
        """One row per op name (and phase) with counts, total/self/average time and bytes: an EventList."""
        return EventList.from_events(self.events(), group_by_input_shape)

    def table(self, sort_by="cpu_time_total", row_limit=100, **kwargs):
        """The key_averages table, as torch's prof.key_averages().table(...)."""
        return self.key_averages().table(sort_by=sort_by, row_limit=row_limit)

    def export_chrome_trace(self, path):
        """Write the events as Chrome trace JSON ("X" complete events, microseconds), which Perfetto and
        chrome://tracing open."""
        base = self._t0 or 0
        pid = os.getpid()
        trace = []
        for e in self.events():
            args = {"bytes": e.nbytes}
            if e.shapes is not None:
                args["input_shapes"] = [list(s) for s in e.shapes]
            name = e.name + "Backward" if e.phase == "backward" else e.name
            trace.append({"name": name, "cat": e.phase, "ph": "X", "ts": (e.start - base) / 1e3,
                          "dur": e.dur / 1e3, "pid": pid, "tid": e.tid, "args": args})
        with open(path, "w") as f:
            json.dump({"traceEvents": trace, "displayTimeUnit": "ms"}, f)
        return path


class FunctionEventAvg:
    """Aggregated statistics of one op (key) over a profile; times in microseconds, as torch's."""

    def __init__(self, key, input_shapes=None):
        self.key, self.input_shapes = key, input_shapes
        self.count = self.forward_count = self.backward_count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.forward_time_total = self.backward_time_total = 0.0
        self.cpu_memory_usage = self.forward_memory_usage = self.backward_memory_usage = 0

    def add(self, e):
        us, self_us = e.dur / 1e3, (e.dur - e.child) / 1e3
        self.count += e.phase != "backward"  # calls of the op; its backward runs are backward_count
        self.cpu_time_total += us
        self.self_cpu_time_total += self_us
        self.cpu_memory_usage += e.nbytes
        if e.phase == "forward":
            self.forward_count += 1
            self.forward_time_total += us
            self.forward_memory_usage += e.nbytes
        elif e.phase == "backward":
            self.backward_count += 1
            self.backward_time_total += us
            self.backward_memory_usage += e.nbytes

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    self_cpu_memory_usage = property(lambda self: self.cpu_memory_usage)
    # only CPU time is measured: the device (CUDA) columns of torch's FunctionEventAvg are zero
    device_time_total = self_device_time_total = device_time = 0.0
    cuda_time_total = self_cuda_time_total = cuda_time = 0.0
    device_memory_usage = self_device_memory_usage = cuda_memory_usage = self_cuda_memory_usage = 0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} count={self.count} cpu_time_total={self.cpu_time_total:.1f}us "
                f"bytes={self.cpu_memory_usage}>")


_SORT_KEYS = {
    "cpu_time_total": "cpu_time_total", "self_cpu_time_total": "self_cpu_time_total", "cpu_time": "cpu_time",
    "count": "count", "cpu_memory_usage": "cpu_memory_usage", "self_cpu_memory_usage": "cpu_memory_usage",
    "forward": "forward_time_total", "forward_time_total": "forward_time_total",
    "backward": "backward_time_total", "backward_time_total": "backward_time_total",
    # torch's device keys are accepted (their values are zero: only CPU time is measured)
    "device_time_total": "device_time_total", "self_device_time_total": "self_device_time_total",
    "device_time": "device_time", "cuda_time_total": "cuda_time_total", "self_cuda_time_total": "self_cuda_time_total",
    "cuda_time": "cuda_time", "device_memory_usage": "device_memory_usage",
    "self_device_memory_usage": "self_device_memory_usage", "cuda_memory_usage": "cuda_memory_usage",
    "self_cuda_memory_usage": "self_cuda_memory_usage",
}


def _fmt_us(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _fmt_bytes(n):
    for unit, size in (("Gb", 1 << 30), ("Mb", 1 << 20), ("Kb", 1 << 10)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} b"


class EventList(list):
    """A list of FunctionEventAvg with torch's table()."""

    @classmethod
    def from_events(cls, events, group_by_input_shape=False):
        rows = {}
        for e in events:
            # forward and backward of one op share a row, with their times in the Forward and Backward columns
            key = (e.name, e.shapes if group_by_input_shape and e.phase == "forward" else None)
            row = rows.get(key)
            if row is None:
                row = rows[key] = FunctionEventAvg(e.name, key[1])
            row.add(e)
        return cls(rows.values())

    def table(self, sort_by="cpu_time_total", row_limit=100, **kwargs):
        """A text table like torch.profiler's: name, self and total time with percentages, forward and backward
        totals, average, calls and bytes, sorted (descending) by `sort_by`."""
        if sort_by is not None and sort_by not in _SORT_KEYS:
            raise ValueError(f"table: unknown sort_by={sort_by!r}; expected one of {sorted(_SORT_KEYS)}")
        rows = list(self)
        if sort_by is not None:
            attr = _SORT_KEYS[sort_by]
            rows.sort(key=lambda r: getattr(r, attr), reverse=True)
        if row_limit is not None and row_limit > 0:
            rows = rows[:row_limit]
        total_self = sum(r.self_cpu_time_total for r in self) or 1.0
        heads = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "Forward", "Backward",
                 "CPU time avg", "CPU Mem", "# of Calls", "# of Backward"]
        if any(r.input_shapes is not None for r in rows):
            heads.append("Input Shapes")
        body = []
        for r in rows:
            line = [r.key, f"{100 * r.self_cpu_time_total / total_self:.2f}%", _fmt_us(r.self_cpu_time_total),
                    f"{100 * r.cpu_time_total / total_self:.2f}%", _fmt_us(r.cpu_time_total),
                    _fmt_us(r.forward_time_total), _fmt_us(r.backward_time_total), _fmt_us(r.cpu_time),
                    _fmt_bytes(r.cpu_memory_usage), str(r.count), str(r.backward_count)]
            if len(heads) == 12:
                line.append(str([list(s) for s in r.input_shapes]) if r.input_shapes is not None else "")
            body.append(line)
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(heads)]
        sep = "  ".join("-" * w for w in widths)

        def fmt(cells):
            return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

        out = [sep, fmt(heads), sep] + [fmt(b) for b in body] + [sep,
                                                                 f"Self CPU time total: {_fmt_us(total_self)}"]
        return "\n".join(out)

    def __str__(self):
        return self.table()

    def total_average(self):
        """All rows summed into one FunctionEventAvg with key "Total", as torch's EventList.total_average()."""
        total = FunctionEventAvg("Total")
        for r in self:
            for attr in ("count", "forward_count", "backward_count", "cpu_time_total", "self_cpu_time_total",
                         "forward_time_total", "backward_time_total", "cpu_memory_usage", "forward_memory_usage",
                         "backward_memory_usage"):
                setattr(total, attr, getattr(total, attr) + getattr(r, attr))
        return total


class record_function(contextlib.ContextDecorator):
    """Label a user range in the profile (a row and a trace slice of its own). Matches
    torch.profiler.record_function: a context manager or a function decorator; a no-op when no profile is open."""

    def __init__(self, name, args=None):
        self.name = name
        self._open = []  # (recorder, start) per active entry, so a decorated function may recurse

    def __enter__(self):
        rec = _active[-1] if _active else None
        if rec is not None:
            rec.stack.append(0)
        self._open.append((rec, _now()))
        return self

    def __exit__(self, *exc):
        rec, t0 = self._open.pop()
        if rec is None:
            return False
        dur = _now() - t0
        child = rec.stack.pop()
        if rec.stack:
            rec.stack[-1] += dur
        rec.events.append(_Event(self.name, "user", t0, dur, 0, child, None, threading.get_ident()))
        return False
