"""minigrad.scalar.Value against torch float64: every op, kinks, inf/nan, overflow, backward semantics."""

import gc
import math
import random
import weakref

import pytest
import torch
from scalar_ref import assert_same, t64, torch_grad

from minigrad.scalar import Value, softmax

POINTS = [-1000.0, -3.5, -1.0, -0.0, 0.0, 0.25, 1.0, 2.0, 7.5, 1000.0]

UNARY = {
    "neg": lambda x: -x,
    "relu": lambda x: x.relu(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "abs": lambda x: x.abs(),
    "pow3": lambda x: x**3,
    "pow2.5": lambda x: x**2.5,
    "pow-2": lambda x: x**-2,
    "pow0": lambda x: x**0,
    "pow0.5": lambda x: x**0.5,
    "rpow": lambda x: 2**x,
    "radd": lambda x: 3 + x,
    "rsub": lambda x: 3 - x,
    "rmul": lambda x: 3 * x,
    "rdiv": lambda x: 3 / x,
    "sub_const": lambda x: x - 1.5,
    "div_const": lambda x: x / 4,
}

BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
}


def check(fn, *xs):
    """Runs fn on Values and on float64 tensors, backward from fn(...) * r with a random r; compares all."""
    r = random.Random(hash(xs)).uniform(0.5, 2.0)
    vals = [Value(x) for x in xs]
    out = fn(*vals)
    (out * r).backward()
    ts = [t64(x) for x in xs]
    tout = fn(*ts)
    (tout * r).backward()
    assert_same(out.data, tout.item(), f"value at {xs}")
    for i, (v, t) in enumerate(zip(vals, ts)):
        assert_same(v.grad, torch_grad(t), f"grad of input {i} at {xs}")


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_match_torch(name):
    for x in POINTS:
        check(UNARY[name], x)


@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_match_torch(name):
    for x in POINTS[1:-1]:
        for y in [-2.0, -0.5, 0.0, 0.5, 3.0]:
            check(BINARY[name], x, y)


def test_pow_negative_base_integer_exponent():
    # seed 001 refused any non-positive base; torch allows integer exponents
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)
    assert math.isnan((Value(-2.0) ** 0.5).data)


def test_value_exponent_gradient_is_x_pow_p_log_x():
    x, p = Value(3.0), Value(1.7)
    (x**p).backward()
    assert_same(p.grad, 3.0**1.7 * math.log(3.0), "d/dp")
    assert_same(x.grad, 1.7 * 3.0**0.7, "d/dx")


def test_kinks_follow_torch():
    for fn in (lambda x: x.relu(), lambda x: x.abs()):
        x = Value(0.0)
        fn(x).backward()
        t = t64(0.0)
        fn(t).backward()
        assert x.grad == t.grad.item() == 0.0


def test_nan_through_relu_and_abs_as_torch():
    for fn in (lambda x: x.relu(), lambda x: x.abs()):
        check(fn, math.nan)


@pytest.mark.parametrize("x", [-1000.0, 1000.0])
def test_no_overflow_at_1000(x):
    for fn in (lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.exp(), lambda v: (v * 2).exp().log()):
        check(fn, x)
    probs = softmax([Value(x), Value(0.0), Value(-x)])
    assert all(math.isfinite(p.data) for p in probs)
    tprobs = torch.softmax(torch.tensor([x, 0.0, -x], dtype=torch.float64), 0)
    for p, tp in zip(probs, tprobs):
        assert_same(p.data, tp.item(), "softmax")


def test_softmax_values_and_grads_match_torch():
    xs = [0.3, -1.2, 2.5, 0.0]
    weights = [0.7, -1.1, 0.4, 2.0]
    vals = [Value(x) for x in xs]
    out = Value.dot(softmax(vals), weights)
    out.backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    (torch.softmax(t, 0) * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    for v, g in zip(vals, t.grad):
        assert_same(v.grad, g.item(), "softmax grad")


def test_rejects_non_numbers_with_type_name():
    for bad in ["1", None, [1.0], 1 + 2j, True]:
        with pytest.raises(TypeError, match=type(bad).__name__):
            Value(bad)
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="NoneType"):
        None * Value(1.0)


def test_data_v_alias_grad_and_repr():
    a = Value(1)
    assert a.data == a.v == 1.0 and isinstance(a.data, float) and a.grad == 0.0
    assert repr(a) == "Value(data=1.0, grad=0.0)"
    b = a * 2
    assert b.grad_fn == "MulBackward" and a.grad_fn is None
    assert repr(b) == "Value(data=2.0, grad=0.0, grad_fn=<MulBackward>)"
    names = {(a + 1).grad_fn, (a - 1).grad_fn, (a / 2).grad_fn, (a**2).grad_fn, (-a).grad_fn, a.relu().grad_fn,
             a.tanh().grad_fn, a.sigmoid().grad_fn, a.exp().grad_fn, a.log().grad_fn, a.abs().grad_fn}  # fmt: skip
    assert names == {"AddBackward", "SubBackward", "DivBackward", "PowBackward", "NegBackward", "ReluBackward",
                     "TanhBackward", "SigmoidBackward", "ExpBackward", "LogBackward", "AbsBackward"}  # fmt: skip


def _seed001_expression(v, softmax_fn):
    """Seed 001's test expression; returns (output, every intermediate)."""
    a = v * 2
    b = a + 2 * (-v) + 1
    c = 3 / b
    d = 1 + b + c / (a + 1)
    e = (d.relu() + a.relu()).relu() * 5 - d - c * 0.2
    f = (e - 2) / 1.5 - c + a
    g = (f.relu() + 1) ** 2.1
    h = (g.relu() + 1) ** -5
    i = (-g).abs() + g.abs() + h.tanh() * 0.3
    j = -(v + v * v) / (v + 1000)
    soft = softmax_fn([c / 1000, d / 1000, e / 500])
    values = [a, b, c, d, e, f, g, h, i, j, *soft]
    return sum(values) / len(values), values


SEED001_POINTS = [0, 0.1, 0.53, 0.78, 1, math.pi, 3.75, 5, 10, 100, 1001]
SEED001_POINTS = SEED001_POINTS + [-p for p in SEED001_POINTS] + [p * 5.75468 for p in SEED001_POINTS]


def test_seed001_expression_every_intermediate_matches_torch():
    assert len(SEED001_POINTS) == 33
    for x in SEED001_POINTS:
        v = Value(x)
        out, values = _seed001_expression(v, softmax)
        out.backward()
        tv = t64(x)
        # seed 001 built torch's softmax with torch.tensor(list), which cuts the graph; stack keeps it connected
        tout, tvalues = _seed001_expression(tv, lambda xs: list(torch.softmax(torch.stack(xs), 0)))
        for t in tvalues:
            t.retain_grad()
        tout.backward()
        assert_same(out.data, tout.item(), f"output at {x}")
        assert_same(v.grad, tv.grad.item(), f"input grad at {x}")
        for k, (val, t) in enumerate(zip(values, tvalues)):
            assert_same(val.data, t.item(), f"intermediate {k} value at {x}")
            assert_same(val.grad, torch_grad(t), f"intermediate {k} grad at {x}")


def _seed004_expression(a, b):
    c = (2 * a + 2 * b) * a - b
    d = a * b - c**2 + c.relu()
    z = d.exp() - (c**2).log() + (a * b).sigmoid() + (c * d).tanh()
    return z, c, d


def _seed004_check(xa, xb):
    a, b = Value(xa), Value(xb)
    z, c, d = _seed004_expression(a, b)
    z.backward()
    ta, tb = t64(xa), t64(xb)
    tz, tc, td = _seed004_expression(ta, tb)
    tc.retain_grad()
    td.retain_grad()
    tz.backward()
    for name, ours, ref in [("z", z.data, tz.item()), ("a.grad", a.grad, ta.grad.item()),
                            ("b.grad", b.grad, tb.grad.item()), ("c.grad", c.grad, tc.grad.item()),
                            ("d.grad", d.grad, td.grad.item())]:  # fmt: skip
        assert_same(ours, ref, f"{name} at a={xa}, b={xb}")
    return z, a, b, c, d


def test_seed004_basic_example_at_its_point_hits_log0_like_torch():
    # c = 0 there, so log(c**2) = -inf: z = inf and the gradients through c are nan (inf * 0), exactly as torch
    z, a, b, c, d = _seed004_check(1, -2)
    assert z.data == math.inf
    assert math.isnan(a.grad) and math.isnan(b.grad) and math.isnan(c.grad)
    assert_same(d.grad, math.exp(-2.0), "d.grad")  # the seed prints 0.1353 here too


def test_seed004_basic_example_at_100_random_points():
    rng = random.Random(4)
    for _ in range(100):
        _seed004_check(rng.uniform(-3, 3), rng.uniform(-3, 3))


def test_gradients_accumulate_into_leaves():
    x = Value(3.0)
    (x * x).backward()
    (x * 2).backward()
    t = t64(3.0)
    (t * t).backward()
    (t * 2).backward()
    assert x.grad == t.grad.item() == 8.0


def test_second_backward_adds_again_like_torch_retain_graph():
    a, b = Value(1.5), Value(-0.5)
    mid = a * b + a.tanh()
    z = (mid * mid).exp()
    z.backward()
    first = (a.grad, b.grad, mid.grad)
    z.backward()
    ta, tb = t64(1.5), t64(-0.5)
    tz = ((ta * tb + ta.tanh()) ** 2).exp()
    tz.backward(retain_graph=True)
    tz.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])
    assert mid.grad == first[2]  # interior nodes hold the latest backward's gradient, not a sum
    assert_same(a.grad, ta.grad.item(), "a.grad")
    assert_same(b.grad, tb.grad.item(), "b.grad")


def test_backward_of_a_leaf_and_a_shared_subexpression():
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0
    x.grad = 0.0
    y = x * x
    z = y + y * y  # y used twice: d z / d x = (1 + 2y) * 2x
    z.backward()
    assert x.grad == (1 + 2 * 4.0) * 4.0


def test_100000_deep_chain():
    x = Value(0.3)
    y = x
    for _ in range(100_000):
        y = y * 0.99999 + 0.5
    y.backward()
    t = x.data
    for _ in range(100_000):
        t = t * 0.99999 + 0.5
    assert y.data == t
    assert_same(x.grad, 0.99999**100_000, "chain grad", rtol=1e-9)


def test_graph_has_no_reference_cycles():
    """With the collector off, dropping the output frees every node: reference counting alone suffices."""
    gc.collect()
    gc.disable()
    try:
        params = [Value(random.uniform(-1, 1)) for _ in range(8)]
        xs = [Value(float(i)) for i in range(4)]
        h = [Value.dot(params[:4], xs, params[4]).tanh(), (params[5] * xs[0] - params[6] / 2).relu()]
        loss = softmax(h)[0].log() + (h[1] ** params[7]).abs().sigmoid()
        loss.backward()
        refs, stack, seen = [], [loss], set()
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                refs.append(weakref.ref(node))
                stack.extend(node._prev)
        assert len(refs) > 20
        del loss, h, node, stack, xs
        alive = [r() for r in refs if r() is not None]
        assert all(any(v is p for p in params) for v in alive), f"{len(alive)} nodes outlived their graph"
    finally:
        gc.enable()


@pytest.mark.parametrize(("a", "b"), [(0.0, 1e-300), (-0.0, 1e-300), (1e308, 1e308), (-1e308, 1e308),
                                      (math.inf, 1e308), (1e-300, 1e-300), (3.0, 1e-200)])  # fmt: skip
def test_division_denominator_gradient_does_not_overflow_in_b_squared(a, b):
    # -a / (b * b) gave nan for 0 / 1e-300 (b * b underflows to 0) and 0 for 1e308 / 1e308; torch: -(a / b) / b
    x, y = Value(a), Value(b)
    (x / y).backward()
    tx, ty = t64(a), t64(b)
    (tx / ty).backward()
    assert_same(y.grad, torch_grad(ty), f"d({a} / {b})/db")
    assert_same(x.grad, torch_grad(tx), f"d({a} / {b})/da")
