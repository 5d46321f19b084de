"""minigrad.profiler: per-op forward/backward time, calls and bytes; table(); Chrome trace; nothing left installed
after the block. No timing is asserted (speed lives in benchmarks/)."""
import json

import numpy as np
import pytest

import minigrad
from minigrad.autograd import custom as _custom
from minigrad.autograd import function as _function
from minigrad.profiler import profile, record_function


def _mlp_step(x, w1, w2):
    h = (x @ w1).tanh()
    loss = ((h @ w2) ** 2).mean()
    loss.backward()
    return loss


def _params():
    rng = np.random.default_rng(0)
    x = minigrad.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    w1 = minigrad.tensor(rng.standard_normal((4, 16)).astype(np.float32), requires_grad=True)
    w2 = minigrad.tensor(rng.standard_normal((16, 3)).astype(np.float32), requires_grad=True)
    return x, w1, w2


def test_counts_times_and_bytes_per_op():
    x, w1, w2 = _params()
    with profile() as prof:
        for _ in range(3):
            _mlp_step(x, w1, w2)
    rows = {r.key: r for r in prof.key_averages()}
    mm = rows["MatMul"]
    assert mm.count == 6 and mm.forward_count == 6 and mm.backward_count == 6
    # forward bytes: outputs (8, 16) and (8, 3) float32, three times
    assert mm.forward_memory_usage == 3 * (8 * 16 + 8 * 3) * 4
    # backward bytes: grads of w1 (4, 16) and of h (8, 16) and w2 (16, 3), three times (x needs none)
    assert mm.backward_memory_usage == 3 * (4 * 16 + 8 * 16 + 16 * 3) * 4
    assert rows["Tanh"].count == 3 and rows["Tanh"].backward_count == 3
    for r in rows.values():
        assert r.cpu_time_total >= r.self_cpu_time_total >= 0
        assert r.cpu_time_total == pytest.approx(r.forward_time_total + r.backward_time_total)


def test_table_sorting_and_errors():
    x, w1, w2 = _params()
    with profile() as prof:
        _mlp_step(x, w1, w2)
    table = prof.table(sort_by="cpu_time_total", row_limit=3)
    lines = table.splitlines()
    header = lines[1]
    for col in ("Name", "Self CPU %", "Self CPU", "CPU total", "Forward", "Backward", "CPU Mem", "# of Calls"):
        assert col in header
    assert len(lines) == 3 + 3 + 2  # rules and header, 3 rows, rule and total
    by_count = prof.key_averages().table(sort_by="count", row_limit=None).splitlines()[3:-2]
    counts = [int(line.split()[-2]) for line in by_count]
    assert counts == sorted(counts, reverse=True)
    with pytest.raises(ValueError, match=r"table: unknown sort_by='speed'; expected one of"):
        prof.table(sort_by="speed")


def test_chrome_trace_is_valid_json(tmp_path):
    x, w1, w2 = _params()
    with profile(record_shapes=True) as prof:
        with record_function("train_step"):
            _mlp_step(x, w1, w2)
    path = prof.export_chrome_trace(str(tmp_path / "trace.json"))
    data = json.load(open(path))
    events = data["traceEvents"]
    names = {e["name"] for e in events}
    assert {"MatMul", "MatMulBackward", "Tanh", "TanhBackward", "train_step"} <= names
    for e in events:
        assert e["ph"] == "X" and e["dur"] >= 0 and e["ts"] >= 0 and isinstance(e["tid"], int)
    step = next(e for e in events if e["name"] == "train_step")
    inside = [e for e in events if e["name"] == "MatMul"]
    assert all(step["ts"] <= e["ts"] and e["ts"] + e["dur"] <= step["ts"] + step["dur"] + 1e-3 for e in inside)
    assert [8, 4] in next(e for e in events if e["name"] == "MatMul")["args"]["input_shapes"]
    rows = {r.key: r for r in prof.key_averages()}
    assert rows["train_step"].self_cpu_time_total < rows["train_step"].cpu_time_total


def test_nothing_installed_outside_and_custom_functions_recorded():
    base_apply = _function.Function.__dict__["apply"]
    custom_apply = _custom.Function.__dict__["apply"]

    class Double(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with profile() as prof:
        Double.apply(x).sum().backward()
    assert _function.Function.__dict__["apply"] is base_apply
    assert _custom.Function.__dict__["apply"] is custom_apply
    assert getattr(_function._hooks, "on_backward", None) is None
    rows = {r.key: r for r in prof.key_averages()}
    assert rows["Double"].count == 1 and rows["Double"].backward_count == 1
    assert rows["ScalarArith"].count == 2  # x * 2 inside the custom forward (nested in Double's time), grad * 2 in backward
    assert rows["Double"].self_cpu_time_total <= rows["Double"].cpu_time_total


def test_profile_and_anomaly_together():
    x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    with minigrad.autograd.detect_anomaly(), profile() as prof:
        with pytest.raises(RuntimeError, match=r"SqrtBackward0"):
            (x.sqrt() * 0.0).sum().backward()
    assert "Sqrt" in {r.key for r in prof.key_averages()}
    assert _function._hooks.on_record is None and getattr(_function._hooks, "on_backward", None) is None
