"""Lazy graphs: placeholders, forward(**feeds) replay, errors, and lazy == eager (values and gradients).

Tolerances: replay runs the very same op forwards on the same arrays as eager code, so values and gradients must be
equal (assert_array_equal); comparisons with torch use rtol 1e-6 (float32) / 1e-12 (float64).
"""
import gc

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from opdb import OPS, call_args

import minigrad
from minigrad import Tensor, lazy, nn
from minigrad.autograd.function import _hooks
from minigrad.nn import functional as F


def _np(t):
    return np.asarray(t.numpy())


# ------------------------------------------------------------------------------------------------ seed 002
def test_seed_002_lazy_evaluation_example():
    from numpy import array

    from minigrad import Tensor as Value  # seed 002: `from micrograd import Value`

    a = Value(shape=(2, 2), name='var1')
    b = Value(shape=(2,), name='var2')
    c = (a @ b).relu()
    c.forward(var1=array([[2, 3], [5, 4]]),
              var2=array([1, -1]))
    c.backward()

    ta = torch.tensor([[2.0, 3.0], [5.0, 4.0]], requires_grad=True)
    tb = torch.tensor([1.0, -1.0], requires_grad=True)
    tc = (ta @ tb).relu()
    tc.backward(torch.ones_like(tc))  # seed 002: a non-scalar backward seeds ones
    assert c.dtype == minigrad.float32 and a.dtype == minigrad.float32  # int feeds cast to the placeholder's dtype
    np.testing.assert_allclose(_np(c), tc.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(_np(a.grad), ta.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(_np(b.grad), tb.grad.numpy(), rtol=1e-6)


def test_rerun_with_new_values_resets_placeholder_grads():
    a = Tensor(shape=(3, 2), name="a", dtype=minigrad.float64)
    b = Tensor(shape=(2,), name="b", dtype=minigrad.float64)
    c = (a @ b).tanh() * 2.0
    rng = np.random.default_rng(0)
    for _ in range(3):
        va, vb = rng.standard_normal((3, 2)), rng.standard_normal(2)
        g = rng.standard_normal(3)
        c.forward(a=va, b=vb)
        c.backward(g)
        ta, tb = torch.tensor(va, requires_grad=True), torch.tensor(vb, requires_grad=True)
        tc = (ta @ tb).tanh() * 2.0
        tc.backward(torch.tensor(g))
        np.testing.assert_allclose(_np(c), tc.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(_np(a.grad), ta.grad.numpy(), rtol=1e-12)  # not accumulated across feeds
        np.testing.assert_allclose(_np(b.grad), tb.grad.numpy(), rtol=1e-12)


# ------------------------------------------------------------------------------------------------ build time
def test_shape_error_is_raised_at_the_building_line():
    a = Tensor(shape=(2, 2), name="var1")
    b = Tensor(shape=(3,), name="var2")
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 2\) and \(3,\) cannot be multiplied"):
        a @ b
    with pytest.raises(RuntimeError, match=r"reshape: shape \(5,\) is invalid for input of size 4"):
        a.reshape(5)


def test_placeholder_shape_dtype_and_default_requires_grad():
    a = Tensor(shape=(2, 3), name="x")
    i = Tensor(shape=(4,), name="idx", dtype=minigrad.int64)
    d = Tensor(shape=5, name="d", dtype="float64")
    assert tuple(a.shape) == (2, 3) and a.dtype == minigrad.float32 and a.requires_grad and a.name == "x"
    assert i.dtype == minigrad.int64 and not i.requires_grad
    assert tuple(d.shape) == (5,) and d.dtype == minigrad.float64
    assert not Tensor(shape=(2,), name="y", requires_grad=False).requires_grad


def test_placeholder_construction_errors():
    with pytest.raises(TypeError, match=r"a placeholder needs name= a Python identifier.*got name=None"):
        Tensor(shape=(2,))
    with pytest.raises(TypeError, match=r"shape must be a tuple of non-negative ints, got \(2, -1\)"):
        Tensor(shape=(2, -1), name="x")
    with pytest.raises(RuntimeError, match=r"only placeholders of floating point dtype can require gradients, "
                                           r"got dtype int64"):
        Tensor(shape=(2,), name="i", dtype=minigrad.int64, requires_grad=True)


def test_log_of_zeros_at_build_time_warns_nothing():
    x = Tensor(shape=(3,), name="x")
    with np.errstate(all="raise"):  # the zero-filled build arrays must not trip a floating-point error
        y = (x.log() / x).exp()
    y.forward(x=[1.0, 2.0, 4.0])
    np.testing.assert_allclose(_np(y), np.exp(np.log([1.0, 2.0, 4.0]) / [1.0, 2.0, 4.0]), rtol=1e-6)


# ------------------------------------------------------------------------------------------------ printing
def test_printing_an_unevaluated_tensor_says_so():
    a = Tensor(shape=(2, 2), name="var1")
    c = (a * 2).sum(1)
    assert "unevaluated" in repr(a) and "shape=(2, 2)" in repr(a)
    assert "unevaluated" in repr(c) and "forward" in repr(c)
    assert lazy.is_unevaluated(c)
    c.forward(var1=[[1, 2], [3, 4]])
    assert "unevaluated" not in repr(c) and "6." in repr(c) and "14." in repr(c)
    assert not lazy.is_unevaluated(a)


# ------------------------------------------------------------------------------------------------ feed errors
def _graph():
    a = Tensor(shape=(2, 2), name="var1")
    b = Tensor(shape=(2,), name="var2")
    return a, b, (a @ b).relu()


def test_missing_feed_names_the_placeholder():
    _, _, c = _graph()
    with pytest.raises(TypeError, match=r"forward: missing feed\(s\) for placeholder\(s\) 'var2' "
                                        r"\(shape \(2,\), dtype float32\)"):
        c.forward(var1=np.ones((2, 2)))


def test_unknown_feed_names_it_and_lists_the_placeholders():
    _, _, c = _graph()
    with pytest.raises(TypeError, match=r"forward: unknown placeholder name\(s\) 'var3'; this graph's placeholders "
                                        r"are .*'var1' \(shape \(2, 2\), dtype float32\)"):
        c.forward(var1=np.ones((2, 2)), var2=np.ones(2), var3=1)


def test_wrong_shape_names_the_placeholder_and_both_shapes():
    _, _, c = _graph()
    with pytest.raises(RuntimeError, match=r"forward: placeholder 'var2' has shape \(2,\) \(dtype float32\), but "
                                           r"the fed value has shape \(3,\) \(dtype int64\)"):
        c.forward(var1=np.ones((2, 2)), var2=np.array([1, 2, 3]))


def test_uncastable_feed_names_the_placeholder_and_both_dtypes():
    _, _, c = _graph()
    with pytest.raises(RuntimeError, match=r"forward: placeholder 'var2' has dtype float32 \(shape \(2,\)\), and "
                                           r"the fed value's dtype complex128 cannot be cast"):
        c.forward(var1=np.ones((2, 2)), var2=np.array([1 + 1j, 2]))
    i = Tensor(shape=(2,), name="i", dtype=minigrad.int64)
    with pytest.raises(RuntimeError, match=r"placeholder 'i' has dtype int64 .* fed value's dtype float64 cannot"):
        (i + 1).forward(i=np.array([1.5, 2.0]))


def test_feeds_cast_by_same_kind():
    x = Tensor(shape=(3,), name="x")  # float32
    y = x * 2
    for value in (np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0]), [True, False, True], Tensor([1.0, 2.0, 3.0])):
        y.forward(x=value)
        assert y.dtype == minigrad.float32
        np.testing.assert_array_equal(_np(y), np.asarray(value, dtype=np.float32) * 2)
    i = Tensor(shape=(2,), name="i", dtype=minigrad.int32)
    (i + 1).forward(i=np.array([1, 2], dtype=np.int64))  # int64 -> int32 is 'same_kind'


def test_feed_is_copied():
    x = Tensor(shape=(2,), name="x")
    y = x * 1.0
    batch = np.array([1.0, 2.0], dtype=np.float32)
    y.forward(x=batch)
    batch[:] = 7
    np.testing.assert_array_equal(_np(y), [1.0, 2.0])


def test_two_placeholders_with_one_name_are_refused():
    a, b = Tensor(shape=(2,), name="x"), Tensor(shape=(3,), name="x")
    with pytest.raises(RuntimeError, match=r"two placeholders of this graph share the name 'x' "):
        (a.sum() + b.sum()).forward(x=np.ones(2))


# ------------------------------------------------------------------------------------------------ what replays
def test_ops_on_a_placeholder_that_needs_no_grad_are_replayed():
    x = Tensor(shape=(2, 3), name="x", requires_grad=False)
    w = minigrad.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    y = ((x * 2).exp() > 1.5).float() @ w + x.sum()  # comparisons, casts and x-only ops record no grad node
    vx = np.array([[-1.0, 0.5, 2.0], [0.1, -3.0, 1.0]])
    y.forward(x=vx)
    expected = ((np.exp(vx * 2) > 1.5).astype(np.float32) @ np.arange(6.0).reshape(3, 2)) + vx.sum()
    np.testing.assert_allclose(_np(y), expected, rtol=1e-6)


def test_graph_built_under_no_grad_replays():
    x = Tensor(shape=(2,), name="x")
    with minigrad.no_grad():
        y = (x * 3).relu()
    assert not y.requires_grad
    y.forward(x=[-1.0, 2.0])
    np.testing.assert_array_equal(_np(y), [0.0, 6.0])


def test_index_from_a_placeholder_is_replayed_like_embedding():
    weight = minigrad.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    idx = Tensor(shape=(3,), name="idx", dtype=minigrad.int64)
    out = weight[idx] * 1.0
    g = np.arange(6.0).reshape(3, 2)
    for v in ([1, 4, 1], [0, 5, 2]):
        weight.grad = None
        out.forward(idx=v)
        out.backward(g)
        tw = torch.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
        (tw[torch.tensor(v)] * 1.0).backward(torch.tensor(g))
        np.testing.assert_array_equal(_np(out), tw.detach().numpy()[v])
        np.testing.assert_array_equal(_np(weight.grad), tw.grad.numpy())


def test_where_on_a_placeholder_comparison_is_replayed():
    x = Tensor(shape=(4,), name="x")
    y = minigrad.where(x > 0, x, x * 0.1) if hasattr(minigrad, "where") else (x > 0).float() * x
    y.forward(x=[-1.0, 2.0, -3.0, 4.0])
    t = torch.tensor([-1.0, 2.0, -3.0, 4.0])
    expected = torch.where(t > 0, t, t * 0.1) if hasattr(minigrad, "where") else (t > 0).float() * t
    np.testing.assert_allclose(_np(y), expected.numpy(), rtol=1e-6)


def test_boolean_mask_from_a_placeholder_is_refused_at_build_time():
    x = Tensor(shape=(4,), name="x")
    with pytest.raises(RuntimeError, match=r"indexing with a boolean mask computed from a placeholder \(mask shape "
                                           r"\(4,\)\) gives a shape that depends on the fed values"):
        x[x > 0]


def test_forward_on_an_eager_graph_sees_an_in_place_parameter_change():
    w = Tensor([1.0, 2.0])
    y = (w * w).sum()
    with minigrad.no_grad():
        w += 1.0
    y.forward()
    assert y.item() == 13.0


def test_hook_is_removed_when_no_placeholder_is_left():
    x = Tensor(shape=(2,), name="x")
    y = x * 2
    assert _hooks.on_apply is not None
    del x
    assert _hooks.on_apply is not None  # y still holds x
    del y
    gc.collect()
    assert not lazy._nodes and _hooks.on_apply is None


def test_lazy_under_the_profiler():
    from minigrad.profiler import profile

    x = Tensor(shape=(3,), name="x")
    with profile() as prof:
        y = (x * 2).exp()
        y.forward(x=[0.0, 1.0, 2.0])
    np.testing.assert_allclose(_np(y), np.exp([0.0, 2.0, 4.0]), rtol=1e-6)
    table = prof.key_averages().table()
    assert "Exp" in table and "ScalarArith" in table
    (exp,) = [e for e in prof.key_averages() if e.key == "Exp"]
    assert exp.forward_count == 1  # the hook runs the engine's apply, not the profiled wrapper a second time


# ------------------------------------------------------------------------------------------------ training
def _mlp(seed):
    minigrad.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def test_mlp_training_step_lazy_equals_eager():
    from minigrad.optim import SGD

    lazy_model, eager_model = _mlp(1), _mlp(1)
    x = Tensor(shape=(5, 4), name="x", requires_grad=False)
    y = Tensor(shape=(5, 3), name="y", requires_grad=False)
    loss = ((lazy_model(x) - y) ** 2).mean()
    opt_l, opt_e = SGD(lazy_model.parameters(), lr=0.1), SGD(eager_model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for _ in range(4):
        bx, by = rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal((5, 3)).astype(np.float32)
        opt_l.zero_grad()
        loss.forward(x=bx, y=by)
        loss.backward()
        opt_l.step()
        opt_e.zero_grad()
        eager = ((eager_model(minigrad.tensor(bx)) - minigrad.tensor(by)) ** 2).mean()
        eager.backward()
        opt_e.step()
        assert loss.item() == eager.item()
    for pl, pe in zip(lazy_model.parameters(), eager_model.parameters()):
        np.testing.assert_array_equal(_np(pl), _np(pe))


# ------------------------------------------------------------------------------------------------ every op
def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _lazy_vs_eager(spec, dtype, arrays, extra, rng):
    fn = lambda *t: spec.mg(*t, *extra)
    floating = [a.dtype.kind == "f" for a in arrays]
    eager_in = [minigrad.tensor(a, requires_grad=spec.grad and f) for a, f in zip(arrays, floating)]
    eager_out = _outputs(fn(*eager_in))
    phs = [Tensor(shape=a.shape, dtype=a.dtype, name=f"a{i}", requires_grad=spec.grad and f)
           for i, (a, f) in enumerate(zip(arrays, floating))]
    lazy_out = _outputs(fn(*phs))
    feeds = {f"a{i}": a for i, a in enumerate(arrays)}
    assert len(lazy_out) == len(eager_out)
    for lo, eo in zip(lazy_out, eager_out):
        lo.forward(**{k: feeds[k] for k in lazy.placeholders(lo)})
        assert lo.shape == eo.shape and lo.dtype == eo.dtype
        np.testing.assert_array_equal(_np(lo), _np(eo), err_msg=f"{spec.name}: lazy forward != eager")
    diff = [i for i, o in enumerate(eager_out) if o.requires_grad]
    if not diff:
        return
    grads = [rng.standard_normal(eager_out[i].shape).astype(eager_out[i].dtype) for i in diff]

    def loss(outs):
        total = None
        for i, g in zip(diff, grads):
            term = (outs[i] * minigrad.tensor(g)).sum()
            total = term if total is None else total + term
        return total

    loss(eager_out).backward()
    lazy_loss = loss(lazy_out)
    lazy_loss.forward(**{k: feeds[k] for k in lazy.placeholders(lazy_loss)})
    lazy_loss.backward()
    for i, (e, p) in enumerate(zip(eager_in, phs)):
        if e.requires_grad and e.grad is not None:
            np.testing.assert_array_equal(_np(p.grad), _np(e.grad), err_msg=f"{spec.name}: grad of input {i}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("spec", OPS, ids=[s.name for s in OPS])
@settings(max_examples=3)
@given(data=st.data())
def test_every_op_lazy_equals_eager(spec, dtype, data):
    if np.dtype(dtype) not in spec.dtypes:
        return
    arrays, extra = call_args(spec.sample(data.draw, np.dtype(dtype)))
    with np.errstate(all="ignore"):  # the eager reference may divide by drawn zeros too
        _lazy_vs_eager(spec, dtype, [np.asarray(a) for a in arrays], extra, np.random.default_rng(0))


def test_backward_before_forward_is_refused():
    a = Tensor(shape=(2,), name="a")
    y = (a * a).sum()
    with pytest.raises(RuntimeError, match=r"backward: this tensor \(shape \(\)\) comes from placeholders that were "
                                           r"never fed \('a'\); call .forward\(name=value, ...\) first"):
        y.backward()
    y.forward(a=[1.0, 2.0])
    y.backward()
    np.testing.assert_array_equal(_np(a.grad), [2.0, 4.0])


class _Cube(minigrad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_custom_function_in_a_lazy_graph():
    x = Tensor(shape=(3,), name="x", dtype=minigrad.float64)
    y = _Cube.apply(x * 2.0).sum()
    for v in ([1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]):
        y.forward(x=v)
        y.backward()
        tx = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        ((tx * 2.0) ** 3).sum().backward()
        np.testing.assert_allclose(y.item(), ((np.array(v) * 2) ** 3).sum(), rtol=1e-12)
        np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-12)


class _Block(nn.Module):
    """Conv, pooling, norms, embedding and attention in one module, for lazy == eager on layers."""

    def __init__(self):
        super().__init__()
        self.conv, self.pool, self.bn = nn.Conv2d(2, 4, 3, padding=1), nn.MaxPool2d(2), nn.BatchNorm2d(4)
        self.emb, self.ln = nn.Embedding(7, 8), nn.LayerNorm(8)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.fc = nn.Linear(16 + 8, 3)

    def forward(self, img, tokens):
        a = self.bn(self.pool(F.avg_pool2d(self.conv(img).relu(), 1))).flatten(1)  # (N, 16)
        e = self.ln(self.emb(tokens))
        h, _ = self.attn(e, e, e, need_weights=False)
        return self.fc(minigrad.cat([a, h.mean(1)], dim=1)).log_softmax(-1)


def test_layers_lazy_equals_eager():
    minigrad.manual_seed(0)
    model = _Block()
    model.eval()  # BatchNorm's running statistics are updated outside the graph in training mode
    img = Tensor(shape=(3, 2, 4, 4), name="img", requires_grad=False)
    tokens = Tensor(shape=(3, 5), name="tokens", dtype=minigrad.int64)
    out = model(img, tokens)
    rng = np.random.default_rng(0)
    g = rng.standard_normal((3, 3)).astype(np.float32)
    lazy_loss = (out * minigrad.tensor(g)).sum()
    for _ in range(2):
        vi, vt = rng.standard_normal((3, 2, 4, 4)).astype(np.float32), rng.integers(0, 7, (3, 5))
        model.zero_grad()
        eager = (model(minigrad.tensor(vi), minigrad.tensor(vt)) * minigrad.tensor(g)).sum()
        eager.backward()
        eager_grads = {k: _np(p.grad).copy() for k, p in model.named_parameters()}
        model.zero_grad()
        lazy_loss.forward(img=vi, tokens=vt)
        lazy_loss.backward()
        assert lazy_loss.item() == eager.item()
        for k, p in model.named_parameters():
            np.testing.assert_array_equal(_np(p.grad), eager_grads[k], err_msg=k)


@pytest.mark.parametrize("change", [lambda y: y.add_(1.0), lambda y: y.__setitem__(0, 5.0), lambda y: y.exp_()])
def test_in_place_off_the_graph_on_a_lazy_tensor_is_refused_not_dropped_at_replay(change):
    # without grad nothing records the write, so forward() would replay y without it (it used to, silently)
    x = Tensor(shape=(3,), name="x", requires_grad=False)
    y = x * 2
    with pytest.raises(RuntimeError, match="in-place op on a tensor of a lazy graph"):
        change(y)
    # with grad the op is recorded and replayed
    x = Tensor(shape=(3,), name="x")
    y = x * 2
    change(y)
    z = y * 1
    eager = minigrad.tensor([1.0, 2.0, 3.0]) * 2
    change(eager)
    np.testing.assert_allclose(z.forward(x=np.array([1.0, 2.0, 3.0])).numpy(), eager.numpy())
