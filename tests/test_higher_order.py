"""Second derivatives of every differentiable op against torch's double backward, and against central differences
of the first gradient (gradgradcheck, float64).

For y = op(x...), a random upstream gradient g (itself requiring grad) and a random v, the test compares
d/d(x, g) of sum_i <dy/dx_i . g, v_i> with torch: that covers the op's backward differentiated with respect to its
inputs and to the upstream gradient (what jvp's double-vjp trick relies on).
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad
import minigrad.nn.functional as MF
from minigrad.autograd import grad
from minigrad.autograd.gradgradcheck import gradgradcheck

TOL = {np.float32: dict(rtol=2e-3, atol=2e-4), np.float64: dict(rtol=1e-7, atol=1e-9)}


class Case:
    """One op: fn(*tensors) for minigrad (and torch unless torch_fn is given), input shapes and value domain."""

    def __init__(self, name, fn, shapes, domain=(-2.0, 2.0), torch_fn=None, away=None, dtypes=(np.float32, np.float64),
                 int_args=None):
        self.name, self.fn, self.shapes, self.domain = name, fn, shapes, domain
        self.torch_fn = torch_fn or fn
        self.away = away  # keep inputs this far from these kink points
        self.dtypes = dtypes
        self.int_args = int_args or {}


def _same(name, fn, shapes, **kw):
    return Case(name, fn, shapes, **kw)


ROWS = (3, 4)
CASES = [
    _same("add", lambda a, b: a + b, [ROWS, (4,)]),
    _same("sub", lambda a, b: a - b, [ROWS, (3, 1)]),
    _same("mul", lambda a, b: a * b, [ROWS, (1, 4)]),
    _same("div", lambda a, b: a / b, [ROWS, (4,)], away=(0.0, 0.5)),
    _same("neg", lambda a: -a, [ROWS]),
    _same("pow_tensor", lambda a, b: a ** b, [ROWS, (4,)], domain=(0.3, 2.0)),
    _same("pow_2", lambda a: a ** 2, [ROWS]),
    _same("pow_3", lambda a: a ** 3, [ROWS]),
    _same("pow_half", lambda a: a ** 0.5, [ROWS], domain=(0.3, 2.0)),
    _same("pow_neg", lambda a: a ** -1.5, [ROWS], domain=(0.3, 2.0)),
    _same("rpow", lambda a: 2.0 ** a, [ROWS]),
    _same("exp", lambda a: a.exp(), [ROWS]),
    _same("log", lambda a: a.log(), [ROWS], domain=(0.3, 3.0)),
    _same("log1p", lambda a: a.log1p(), [ROWS], domain=(-0.5, 2.0)),
    _same("expm1", lambda a: a.expm1(), [ROWS]),
    _same("sqrt", lambda a: a.sqrt(), [ROWS], domain=(0.3, 3.0)),
    _same("rsqrt", lambda a: a.rsqrt(), [ROWS], domain=(0.3, 3.0)),
    _same("reciprocal", lambda a: a.reciprocal(), [ROWS], away=(0.0, 0.5)),
    _same("square", lambda a: a.square(), [ROWS]),
    _same("abs", lambda a: a.abs(), [ROWS], away=(0.0, 0.1)),
    _same("tanh", lambda a: a.tanh(), [ROWS]),
    _same("sigmoid", lambda a: a.sigmoid(), [ROWS]),
    _same("sin", lambda a: a.sin(), [ROWS]),
    _same("cos", lambda a: a.cos(), [ROWS]),
    _same("tan", lambda a: a.tan(), [ROWS], domain=(-1.0, 1.0)),
    _same("arctanh", lambda a: a.arctanh(), [ROWS], domain=(-0.8, 0.8)),
    _same("arcsin", lambda a: a.arcsin(), [ROWS], domain=(-0.8, 0.8)),
    _same("arcsinh", lambda a: a.arcsinh(), [ROWS]),
    _same("erf", lambda a: a.erf(), [ROWS]),
    _same("relu", lambda a: a.relu(), [ROWS], away=(0.0, 0.1)),
    Case("leaky_relu", lambda a: MF.leaky_relu(a, 0.1), [ROWS], torch_fn=lambda a: TF.leaky_relu(a, 0.1),
         away=(0.0, 0.1)),
    Case("elu", lambda a: MF.elu(a), [ROWS], torch_fn=lambda a: TF.elu(a), away=(0.0, 0.1)),
    Case("gelu", lambda a: MF.gelu(a), [ROWS], torch_fn=lambda a: TF.gelu(a)),
    Case("gelu_tanh", lambda a: MF.gelu(a, approximate="tanh"), [ROWS],
         torch_fn=lambda a: TF.gelu(a, approximate="tanh")),
    Case("silu", lambda a: MF.silu(a), [ROWS], torch_fn=lambda a: TF.silu(a)),
    Case("softplus", lambda a: MF.softplus(a, beta=2.0), [ROWS], torch_fn=lambda a: TF.softplus(a, beta=2.0)),
    _same("maximum", lambda a, b: a.maximum(b), [ROWS, (4,)]),
    _same("minimum", lambda a, b: a.minimum(b), [ROWS, (3, 1)]),
    _same("clamp", lambda a: a.clamp(-0.5, 0.7), [ROWS], away=(-0.5, 0.1)),
    _same("where", lambda a, b: (a > 0).where(a, b) if False else a.where(a > 0, b), [ROWS, ROWS], away=(0.0, 0.1)),
    _same("sum_dim", lambda a: a.sum(1), [ROWS]),
    _same("sum_all", lambda a: a.sum(), [ROWS]),
    _same("mean_keepdim", lambda a: a.mean(0, keepdim=True), [ROWS]),
    _same("prod", lambda a: a.prod(1), [ROWS], away=(0.0, 0.2)),
    _same("var", lambda a: a.var(1), [ROWS]),
    _same("std", lambda a: a.std(0), [ROWS]),
    _same("amax", lambda a: a.amax(1), [ROWS]),
    _same("amin", lambda a: a.amin(0), [ROWS]),
    Case("max_dim", lambda a: a.max(1)[0], [ROWS]),
    _same("logsumexp", lambda a: a.logsumexp(1), [ROWS]),
    _same("softmax", lambda a: a.softmax(1), [ROWS]),
    _same("log_softmax", lambda a: a.log_softmax(0), [ROWS]),
    _same("cumsum", lambda a: a.cumsum(1), [ROWS]),
    _same("reshape", lambda a: a.reshape(2, 6), [ROWS]),
    _same("permute", lambda a: a.permute(2, 0, 1), [(2, 3, 4)]),
    _same("transpose", lambda a: a.transpose(0, 1), [ROWS]),
    _same("expand", lambda a: a.expand(2, 3, 4), [(3, 1)]),
    _same("getitem_slice", lambda a: a[1:, ::2], [ROWS]),
    _same("getitem_index", lambda a: a[[0, 2, 0]], [ROWS]),
    _same("squeeze_unsqueeze", lambda a: a.unsqueeze(0).squeeze(0), [ROWS]),
    _same("flip", lambda a: a.flip(1), [ROWS]),
    _same("repeat", lambda a: a.repeat(2, 1), [ROWS]),
    _same("narrow", lambda a: a.narrow(1, 1, 2), [ROWS]),
    Case("cat", lambda a, b: minigrad.cat([a, b], 0), [ROWS, (2, 4)], torch_fn=lambda a, b: torch.cat([a, b], 0)),
    Case("stack", lambda a, b: minigrad.stack([a, b], 1), [ROWS, ROWS],
         torch_fn=lambda a, b: torch.stack([a, b], 1)),
    _same("gather", lambda a: a.gather(1, _index_tensor(a, [[0, 1], [2, 2], [3, 0]])), [ROWS]),
    _same("index_select", lambda a: a.index_select(0, _index_tensor(a, [2, 0, 2])), [ROWS]),
    _same("masked_fill", lambda a: a.masked_fill(a > 0.5, 0.0), [ROWS], away=(0.5, 0.1)),
    _same("matmul_2d", lambda a, b: a @ b, [ROWS, (4, 2)]),
    _same("matmul_batched", lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    _same("matmul_vec", lambda a, b: a @ b, [ROWS, (4,)]),
    _same("matmul_vecmat", lambda a, b: a @ b, [(3,), ROWS]),
    _same("dot", lambda a, b: a.dot(b), [(4,), (4,)]),
    _same("outer", lambda a, b: a.outer(b), [(3,), (4,)]),
    Case("einsum", lambda a, b: minigrad.einsum("ij,jk->ik", a, b), [ROWS, (4, 2)],
         torch_fn=lambda a, b: torch.einsum("ij,jk->ik", a, b)),
    Case("linear", lambda a, w, b: MF.linear(a, w, b), [ROWS, (2, 4), (2,)],
         torch_fn=lambda a, w, b: TF.linear(a, w, b)),
    Case("mse_loss", lambda a, b: MF.mse_loss(a, b), [ROWS, ROWS], torch_fn=lambda a, b: TF.mse_loss(a, b)),
    Case("cross_entropy", lambda a: MF.cross_entropy(a, _index_tensor(a, [0, 3, 1])), [ROWS],
         torch_fn=lambda a: TF.cross_entropy(a, torch.tensor([0, 3, 1]))),
    Case("bce_logits", lambda a, b: MF.binary_cross_entropy_with_logits(a, b.sigmoid()), [ROWS, ROWS],
         torch_fn=lambda a, b: TF.binary_cross_entropy_with_logits(a, b.sigmoid())),
    Case("conv2d", lambda x, w: MF.conv2d(x, w, padding=1), [(1, 2, 4, 4), (3, 2, 3, 3)],
         torch_fn=lambda x, w: TF.conv2d(x, w, padding=1)),
    Case("max_pool2d", lambda x: MF.max_pool2d(x, 2), [(1, 2, 4, 4)], torch_fn=lambda x: TF.max_pool2d(x, 2)),
    Case("avg_pool2d", lambda x: MF.avg_pool2d(x, 2), [(1, 2, 4, 4)], torch_fn=lambda x: TF.avg_pool2d(x, 2)),
    _same("cast", lambda a: a.double() * a.double(), [ROWS], dtypes=(np.float32,)),
]


def _idx(F, values):
    return (torch.tensor if F is TF else minigrad.tensor)(np.array(values))


# layers' functional forms (fused ops with their own backward): the same program for minigrad (F=MF) and torch (TF)
NN_FUNCTIONS = {
    "bilinear": (lambda F, a, b, w: F.bilinear(a, b, w), [(3, 2), (3, 4), (5, 2, 4)]),
    "softmin": (lambda F, a: F.softmin(a, dim=1), [ROWS]),
    "l1_loss": (lambda F, a, b: F.l1_loss(a, b), [ROWS, ROWS]),
    "smooth_l1_loss": (lambda F, a, b: F.smooth_l1_loss(a, b, beta=0.5), [ROWS, ROWS]),
    "huber_loss": (lambda F, a, b: F.huber_loss(a, b, delta=0.7), [ROWS, ROWS]),
    "binary_cross_entropy": (lambda F, a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid()), [ROWS, ROWS]),
    "kl_div": (lambda F, a, b: F.kl_div(a.log_softmax(1), b.softmax(1), reduction="batchmean"), [ROWS, ROWS]),
    "nll_loss": (lambda F, a: F.nll_loss(a.log_softmax(1), _idx(F, [1, 0, 3])), [ROWS]),
    "cross_entropy_smoothing": (lambda F, a: F.cross_entropy(a, _idx(F, [1, 0, 3]), label_smoothing=0.1), [ROWS]),
    "conv1d": (lambda F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [(2, 3, 7), (4, 3, 3), (4,)]),
    "conv3d": (lambda F, x, w: F.conv3d(x, w, padding=1), [(1, 2, 3, 3, 3), (2, 2, 2, 2, 2)]),
    "conv2d_groups_dilation": (lambda F, x, w: F.conv2d(x, w, groups=2, dilation=2, padding=2),
                               [(1, 4, 5, 5), (2, 2, 3, 3)]),
    "conv_transpose1d": (lambda F, x, w: F.conv_transpose1d(x, w, stride=2), [(2, 3, 4), (3, 2, 3)]),
    "conv_transpose2d": (lambda F, x, w: F.conv_transpose2d(x, w, stride=2, padding=1), [(1, 3, 4, 4), (3, 2, 3, 3)]),
    "max_pool1d": (lambda F, x: F.max_pool1d(x, 2), [(2, 3, 6)]),
    "avg_pool1d": (lambda F, x: F.avg_pool1d(x, 3, stride=2, padding=1), [(2, 3, 7)]),
    "adaptive_avg_pool2d": (lambda F, x: F.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    "batch_norm_train": (lambda F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(4, 3, 2), (3,), (3,)]),
    "layer_norm": (lambda F, x, w, b: F.layer_norm(x, (4,), w, b), [ROWS, (4,), (4,)]),
    "group_norm": (lambda F, x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    "embedding": (lambda F, w: F.embedding(_idx(F, [[0, 2], [2, 1]]), w), [(4, 3)]),
    "scaled_dot_product_attention": (lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                                     [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
}
CASES += [Case(name, lambda *t, f=f: f(MF, *t), shapes, torch_fn=lambda *t, f=f: f(TF, *t),
               away=(0.0, 0.05) if name in ("l1_loss", "max_pool1d") else None)
          for name, (f, shapes) in NN_FUNCTIONS.items()]


def _index_tensor(like, values):
    if isinstance(like, torch.Tensor):
        return torch.tensor(values)
    return minigrad.tensor(values)


def _draw(case, dtype, seed):
    rng = np.random.default_rng(seed)
    lo, hi = case.domain
    arrays = []
    for shape in case.shapes:
        a = rng.uniform(lo, hi, size=shape)
        if case.away is not None:
            point, gap = case.away
            a = np.where(np.abs(a - point) < gap, point + np.sign(a - point + 1e-12) * gap * 2, a)
        arrays.append(a.astype(dtype))
    if case.name == "max_dim" or case.name in ("amax", "amin", "max_pool2d", "maximum", "minimum"):
        arrays = [a + np.arange(a.size, dtype=dtype).reshape(a.shape) * 1e-2 for a in arrays]  # no ties
    return arrays


def _second_order(lib, fn, arrays, g_arr, vs):
    mk = (lambda a: torch.tensor(a, requires_grad=True)) if lib == "torch" else \
        (lambda a: minigrad.tensor(a, requires_grad=True))
    autograd_grad = torch.autograd.grad if lib == "torch" else grad
    xs = [mk(a) for a in arrays]
    y = fn(*xs)
    g = mk(g_arr.astype(y.numpy().dtype if lib != "torch" else y.detach().numpy().dtype))
    firsts = autograd_grad([y], xs, [g], create_graph=True, allow_unused=True)
    s = 0
    for f, v in zip(firsts, vs):
        if f is not None:
            vv = torch.tensor(v) if lib == "torch" else minigrad.tensor(v)
            s = s + (f * vv.to(f.dtype)).sum()
    outs = [y] + list(firsts)
    if not getattr(s, "requires_grad", False):
        return outs, [None] * (len(xs) + 1)
    seconds = autograd_grad([s], xs + [g], allow_unused=True)
    return outs, list(seconds)


def _np(t):
    if t is None:
        return None
    return t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else t.numpy()


def _assert_close(got, want, dtype, what):
    """None (no dependence) and zeros are the same answer; otherwise values within the dtype's tolerance."""
    if want is None and got is None:
        return
    ref = _np(want) if want is not None else np.zeros_like(_np(got))
    val = _np(got) if got is not None else np.zeros_like(ref)
    np.testing.assert_allclose(val, ref, err_msg=what, **TOL[dtype])


PARAMS = [(c, d) for c in CASES for d in c.dtypes]


@pytest.mark.parametrize("case,dtype", PARAMS, ids=[f"{c.name}-{np.dtype(d).name}" for c, d in PARAMS])
def test_double_backward_matches_torch(case, dtype):
    arrays = _draw(case, dtype, 0)
    y_shape = case.torch_fn(*[torch.tensor(a) for a in arrays]).shape
    rng = np.random.default_rng(1)
    g_arr = rng.standard_normal(tuple(y_shape))
    vs = [rng.standard_normal(a.shape) for a in arrays]
    outs, seconds = _second_order("minigrad", case.fn, arrays, g_arr, vs)
    outs_t, seconds_t = _second_order("torch", case.torch_fn, arrays, g_arr, vs)
    for i, (o, ot) in enumerate(zip(outs, outs_t)):
        _assert_close(o, ot, dtype, f"{case.name}: {'output' if i == 0 else f'first grad of input {i - 1}'}")
    for i, (sec, sec_t) in enumerate(zip(seconds, seconds_t)):
        what = "upstream grad" if i == len(arrays) else f"input {i}"
        _assert_close(sec, sec_t, dtype, f"{case.name}: second derivative w.r.t. {what}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_gradgradcheck_float64(case):
    arrays = _draw(case, np.float64, 2)
    xs = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    assert gradgradcheck(case.fn, xs, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_backward_create_graph_accumulates_differentiable_grad():
    x = minigrad.tensor([0.3, -1.2], dtype=minigrad.float64, requires_grad=True)
    xt = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    for t in (x, xt):
        (t.sin() * t).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    gx, gxt = x.grad, xt.grad
    x.grad, xt.grad = None, None
    (gx * gx).sum().backward()
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_grad_api_semantics():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    z = minigrad.tensor([3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match=r"grad: input 1 \(shape \(1,\)\) was not used to compute the outputs"):
        grad(y, [x, z], retain_graph=True)
    gx, gz = grad(y, [x, z], retain_graph=True, allow_unused=True)
    assert gz is None and gx.tolist() == [2.0, 4.0]
    assert x.grad is None  # grad() never touches .grad
    gx, gz = grad(y, [x, z], retain_graph=True, materialize_grads=True)
    assert gz.tolist() == [0.0]
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for scalar outputs"):
        grad(x * 2, x)
    with pytest.raises(RuntimeError, match=r"grad: element 0 of tensors does not require grad"):
        grad(minigrad.tensor([1.0]), x)
    with pytest.raises(RuntimeError, match=r"grad: Mismatch in shape: grad_output\[0\] has a shape of \(3,\)"):
        grad(x * 2, x, minigrad.tensor([1.0, 1.0, 1.0]))
    grad(y, x)  # retain_graph defaults to create_graph=False: the graph is freed
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time"):
        grad(y, x)


def test_backward_inputs_accumulates_only_there():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w = minigrad.tensor([0.5, -1.0], requires_grad=True)
    h = x * w
    (h * h).sum().backward(inputs=[w, h], retain_graph=True)
    xt = torch.tensor([1.0, 2.0], requires_grad=True)
    wt = torch.tensor([0.5, -1.0], requires_grad=True)
    ht = xt * wt
    (ht * ht).sum().backward(inputs=[wt, ht], retain_graph=True)
    assert x.grad is None and xt.grad is None
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy())
    np.testing.assert_allclose(h.grad.numpy(), ht.grad.numpy())
    (h * h).sum().backward(inputs=[w])
    np.testing.assert_allclose(w.grad.numpy(), 2 * wt.grad.numpy())


# ----------------------------------------------------------------------------------- the shared op table
# tests/opdb.py is the op table every generic test runs on; each differentiable entry is double-backwarded here
# with hypothesis-drawn shapes (0-d, empty, broadcast, non-contiguous), against torch and by gradgradcheck.
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from opdb import OPS, call_args  # noqa: E402

GRAD_SPECS = [s for s in OPS if s.grad]


def _flat_outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _opdb_second_order(lib, fn, arrays, seed):
    is_torch = lib == "torch"
    # torch.tensor keeps a Fortran-ordered array's strides, which as_strided would read; minigrad is row-major
    mk = (lambda a, **kw: torch.tensor(a.copy(), **kw)) if is_torch else minigrad.tensor
    autograd_grad = torch.autograd.grad if is_torch else grad
    ts = [mk(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    xs = [t for t in ts if t.requires_grad]
    outs = [o for o in _flat_outputs(fn(*ts)) if o.requires_grad]
    if not outs or not xs:
        return None
    rng = np.random.default_rng(seed)
    gs = [mk(rng.standard_normal(tuple(o.shape)).astype(_np(o).dtype), requires_grad=True) for o in outs]
    firsts = autograd_grad(outs, xs, gs, create_graph=True, allow_unused=True)
    s = 0
    for f, x in zip(firsts, xs):
        # drawn for every input, so both libraries draw the same numbers even where only one of them gives a
        # gradient a graph (a zero gradient, as x's when y[:] = v overwrites all of it, may or may not have one)
        r = rng.standard_normal(tuple(x.shape))
        if f is not None and f.requires_grad:
            s = s + (f * mk(r.astype(_np(f).dtype))).sum()
    if not getattr(s, "requires_grad", False):
        return list(firsts), [None] * (len(xs) + len(gs))
    return list(firsts), list(autograd_grad([s], xs + gs, allow_unused=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("spec", GRAD_SPECS, ids=[s.name for s in GRAD_SPECS])
@settings(max_examples=3)
@given(data=st.data())
def test_opdb_double_backward_matches_torch(spec, dtype, data):
    if np.dtype(dtype) not in spec.dtypes:
        return
    arrays, extra = call_args(spec.sample(data.draw, np.dtype(dtype)))
    seed = data.draw(st.integers(0, 2**31))
    got = _opdb_second_order("minigrad", lambda *t: spec.mg(*t, *extra), arrays, seed)
    want = _opdb_second_order("torch", lambda *t: spec.th(*t, *extra), arrays, seed)
    assert (got is None) == (want is None)
    if got is None:
        return
    for i, (a, b) in enumerate(zip(got[0], want[0])):
        _assert_close(a, b, dtype, f"{spec.name}: first gradient {i}")
    for i, (a, b) in enumerate(zip(got[1], want[1])):
        _assert_close(a, b, dtype, f"{spec.name}: second derivative w.r.t. differentiable input/upstream grad {i}")


GRADCHECK_SPECS = [s for s in GRAD_SPECS if s.gradcheck and np.dtype(np.float64) in s.dtypes]


@pytest.mark.parametrize("spec", GRADCHECK_SPECS, ids=[s.name for s in GRADCHECK_SPECS])
@settings(max_examples=2)
@given(data=st.data())
def test_opdb_gradgradcheck_float64(spec, data):
    arrays, extra = call_args(spec.sample(data.draw, np.dtype(np.float64)))
    ts = [minigrad.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    if not any(t.requires_grad and t.numel() for t in ts):
        return
    if spec.name in ("maximum", "minimum"):  # a tie is a kink: no derivative for differences to agree with
        assume(not np.any(np.equal(*np.broadcast_arrays(*arrays[:2]))))

    def fn(*t):
        outs = [o for o in _flat_outputs(spec.mg(*t, *extra)) if o.requires_grad]
        return tuple(outs)

    outs = fn(*ts)
    if not outs:
        return
    assume(all(np.all(np.isfinite(o.numpy())) for o in outs))  # e.g. std of one element is nan, as torch
    assert gradgradcheck(fn, ts, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_wgan_gradient_penalty_through_a_conv_critic_matches_torch():
    """WGAN-GP's penalty (||d critic / d x|| - 1)^2 needs the parameters' gradient through the input gradient."""
    import minigrad.nn as mnn

    torch.manual_seed(0)
    critic_t = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.LeakyReLU(0.2),
                                   torch.nn.AvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(4 * 3 * 3, 1)).double()
    critic_m = mnn.Sequential(mnn.Conv2d(1, 4, 3, padding=1), mnn.LeakyReLU(0.2), mnn.AvgPool2d(2), mnn.Flatten(),
                              mnn.Linear(4 * 3 * 3, 1)).double()
    critic_m.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in critic_t.state_dict().items()})
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((5, 1, 6, 6)), rng.standard_normal((5, 1, 6, 6))
    eps = rng.uniform(size=(5, 1, 1, 1))
    grads = []
    for lib, critic in ((minigrad, critic_m), (torch, critic_t)):
        mix = lib.tensor(eps * real + (1 - eps) * fake, requires_grad=True)
        out = critic(mix)
        (g,) = lib.autograd.grad(out.sum(), mix, create_graph=True)
        penalty = ((g.reshape(5, -1).pow(2).sum(1).sqrt() - 1) ** 2).mean()
        penalty.backward()
        grads.append({n: None if p.grad is None else _np(p.grad) for n, p in critic.named_parameters()})
    assert grads[0].keys() == grads[1].keys()
    assert grads[0]["4.bias"] is None and grads[1]["4.bias"] is None  # the penalty does not reach the last bias
    # NOTE: the conv bias only moves leaky_relu's kinks, so its gradient is 0: torch records a zero, minigrad's
    # graph of the input gradient never reaches it (None)
    assert grads[0]["0.bias"] is None and not np.any(grads[1]["0.bias"])
    for name in ("0.weight", "4.weight"):
        np.testing.assert_allclose(grads[0][name], grads[1][name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_grad_is_grads_batched_gives_jacobian_rows():
    a = np.array([0.3, -0.7, 1.1])
    x, xt = minigrad.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (jm,) = grad(x.tanh() * x.sum(), x, minigrad.eye(3, dtype=minigrad.float64), is_grads_batched=True)
    (jt,) = torch.autograd.grad(xt.tanh() * xt.sum(), xt, torch.eye(3, dtype=torch.float64), is_grads_batched=True)
    np.testing.assert_allclose(jm.numpy(), jt.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["relu", "abs", "leaky_relu", "floor_times_x", "relu_mlp"])
def test_second_grad_through_a_mask_is_zeros_as_torch(name):
    # torch's relu/abs backward reads the saved result/input, so with create_graph the gradient depends on it (with a
    # zero derivative) and a second autograd.grad returns zeros; minigrad's masks are plain comparisons, so the
    # gradient was off the graph and the second grad raised "does not require grad"
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(0).standard_normal((3, 4))
    fns = {"relu": lambda x, lib: x.relu(), "abs": lambda x, lib: x.abs(),
           "leaky_relu": lambda x, lib: lib.nn.functional.leaky_relu(x, 0.1),
           "floor_times_x": lambda x, lib: x.floor() * x,
           "relu_mlp": lambda x, lib: (lib.tensor(w) @ x).relu() * 2.0}
    x0 = np.array([-1.5, 0.5, 2.0, -0.2])
    got = []
    for lib in (minigrad, torch):
        x = lib.tensor(x0, requires_grad=True)
        (g,) = lib.autograd.grad(fns[name](x, lib).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x)
        got.append((g.detach().numpy(), np.asarray(h.detach().numpy(force=True) if lib is torch else h.numpy())))
    np.testing.assert_allclose(got[0][0], got[1][0])
    np.testing.assert_allclose(got[0][1], got[1][1])
