"""minigrad.func against torch.func on a table of functions, float32 and float64.

Each function is written once and run on both libraries (their Tensor methods match). Values are drawn away from
relu's kink so that both libraries take the same branch.
"""
import numpy as np
import pytest
import torch
import torch.func as tf

import minigrad
from minigrad import func as mf

TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}
DTYPES = [np.float32, np.float64]

# name -> (function of tensors, input shapes); scalar-valued
SCALAR_FNS = {
    "tanh_mul": (lambda x: (x.tanh() * x).sum(), [(5,)]),
    "exp_log": (lambda x: (x.exp() + (x * x + 1).log()).sum(), [(2, 3)]),
    "logsumexp": (lambda x: (x - x.amax()).exp().sum().log() + x.amax(), [(4,)]),
    "relu_cube": (lambda x: (x.relu() ** 3).mean(), [(6,)]),
    "sigmoid_ratio": (lambda x, y: (x.sigmoid() / (y * y + 1)).sum(), [(3,), (3,)]),
    "mlp": (lambda x, w: ((x @ w).tanh() ** 2).mean(), [(3, 4), (4, 2)]),
    "pow_tensor": (lambda x, y: ((x * x + 0.5) ** y).sum(), [(3,), (3,)]),
}

# name -> (function, input shapes); tensor-valued
VECTOR_FNS = {
    "tanh_matmul": (lambda x, w: (x @ w).tanh(), [(4,), (4, 3)]),
    "exp_scale": (lambda x: x.exp() * x.sum(), [(2, 2)]),
    "broadcast": (lambda x, y: (x * y).sigmoid() - y, [(3, 1), (1, 4)]),
}


def _inputs(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    arrays = []
    for s in shapes:
        a = rng.uniform(0.2, 1.5, size=s) * rng.choice([-1.0, 1.0], size=s)
        arrays.append(a.astype(dtype))
    return arrays


def _mg(arrays):
    return [minigrad.tensor(a) for a in arrays]


def _th(arrays):
    return [torch.tensor(a) for a in arrays]


def _close(got, want, dtype):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w, dtype)
        return
    got_np = got.numpy()
    want_np = want.detach().numpy()
    assert got_np.shape == want_np.shape, (got_np.shape, want_np.shape)
    assert got_np.dtype == want_np.dtype, (got_np.dtype, want_np.dtype)
    np.testing.assert_allclose(got_np, want_np, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SCALAR_FNS))
def test_grad_hessian_vs_torch_func(name, dtype):
    fn, shapes = SCALAR_FNS[name]
    arrays = _inputs(shapes, dtype, 1)
    argnums = tuple(range(len(shapes))) if len(shapes) > 1 else 0
    _close(mf.grad(fn, argnums)(*_mg(arrays)), tf.grad(fn, argnums)(*_th(arrays)), dtype)
    g, v = mf.grad_and_value(fn)(*_mg(arrays))
    gt, vt = tf.grad_and_value(fn)(*_th(arrays))
    _close(g, gt, dtype)
    _close(v, vt, dtype)
    assert not g.requires_grad and not v.requires_grad  # top level: detached, as torch.func
    _close(mf.hessian(fn, argnums)(*_mg(arrays)), tf.hessian(fn, argnums)(*_th(arrays)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(VECTOR_FNS))
def test_vjp_jvp_jacobians_vs_torch_func(name, dtype):
    fn, shapes = VECTOR_FNS[name]
    arrays = _inputs(shapes, dtype, 2)
    out_t = fn(*_th(arrays))
    rng = np.random.default_rng(3)
    cot = rng.standard_normal(tuple(out_t.shape)).astype(dtype)
    tangents = [rng.standard_normal(a.shape).astype(dtype) for a in arrays]

    out, vjp_fn = mf.vjp(fn, *_mg(arrays))
    out_t, vjp_t = tf.vjp(fn, *_th(arrays))
    _close(out, out_t, dtype)
    _close(vjp_fn(minigrad.tensor(cot)), vjp_t(torch.tensor(cot)), dtype)

    o, jv = mf.jvp(fn, tuple(_mg(arrays)), tuple(_mg(tangents)))
    ot, jvt = tf.jvp(fn, tuple(_th(arrays)), tuple(_th(tangents)))
    _close(o, ot, dtype)
    _close(jv, jvt, dtype)

    argnums = tuple(range(len(shapes)))
    _close(mf.jacrev(fn, argnums)(*_mg(arrays)), tf.jacrev(fn, argnums)(*_th(arrays)), dtype)
    _close(mf.jacfwd(fn, argnums)(*_mg(arrays)), tf.jacfwd(fn, argnums)(*_th(arrays)), dtype)
    _close(mf.jacrev(fn)(*_mg(arrays)), tf.jacrev(fn)(*_th(arrays)), dtype)


def test_nested_grad_no_perturbation_confusion():
    # d/dx [x * (d/dy x*y)] = d/dx x^2 = 2x; a tape that reused x for y would give 3x... or x
    fn = lambda x: x * mf.grad(lambda y: x * y)(x)  # noqa: E731
    fn_t = lambda x: x * tf.grad(lambda y: x * y)(x)  # noqa: E731
    assert mf.grad(fn)(minigrad.tensor(2.0)).item() == tf.grad(fn_t)(torch.tensor(2.0)).item() == 4.0
    third = mf.grad(mf.grad(mf.grad(lambda x: x.tanh())))(minigrad.tensor(0.3, dtype=minigrad.float64))
    third_t = tf.grad(tf.grad(tf.grad(lambda x: x.tanh())))(torch.tensor(0.3, dtype=torch.float64))
    np.testing.assert_allclose(third.item(), third_t.item(), rtol=1e-12)


def test_grad_has_aux_and_dict_argument():
    w = {"a": np.array([0.5, -1.0]), "b": np.array(2.0)}

    def loss(p, x):
        y = (p["a"] * x).sum() + p["b"]
        return y * y, y

    x = np.array([1.0, 3.0])
    g, aux = mf.grad(loss, has_aux=True)({k: minigrad.tensor(v) for k, v in w.items()}, minigrad.tensor(x))
    gt, auxt = tf.grad(loss, has_aux=True)({k: torch.tensor(v) for k, v in w.items()}, torch.tensor(x))
    assert set(g) == {"a", "b"}
    for k in w:
        np.testing.assert_allclose(g[k].numpy(), gt[k].numpy(), rtol=1e-12)
    np.testing.assert_allclose(aux.item(), auxt.item())


def test_func_grad_composes_with_backward():
    # grad(f)(x) for an x that requires grad stays on the graph: backward gives the Hessian's row sums
    fn = SCALAR_FNS["tanh_mul"][0]
    a = _inputs([(5,)], np.float64, 4)[0]
    x = minigrad.tensor(a, requires_grad=True)
    g = mf.grad(fn)(x)
    assert g.requires_grad
    v = np.linspace(-1, 1, 5)
    (g * minigrad.tensor(v)).sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    (tf.grad(fn)(xt) * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_vmap_of_grad_matches_torch(dtype):
    fn = lambda x: (x.tanh() * x).sum()  # noqa: E731
    a = _inputs([(4, 3)], dtype, 5)[0]
    _close(mf.vmap(mf.grad(fn))(minigrad.tensor(a)), tf.vmap(tf.grad(fn))(torch.tensor(a)), dtype)
    _close(mf.vmap(lambda r, s: r * s, in_dims=(0, None))(minigrad.tensor(a), minigrad.tensor(a[0])),
           tf.vmap(lambda r, s: r * s, in_dims=(0, None))(torch.tensor(a), torch.tensor(a[0])), dtype)


def test_errors_name_the_problem():
    x = minigrad.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"grad: Expected f\(\*args\) to return a scalar Tensor, got \(2,\)"):
        mf.grad(lambda t: t * 2)(x)
    with pytest.raises(RuntimeError, match=r"jacrev: Got argnums=3, but only 1 positional inputs"):
        mf.jacrev(lambda t: t, argnums=3)(x)
    with pytest.raises(RuntimeError, match=r"jvp: Expected primal 0 \(shape \(2,\)\) and its tangent \(shape \(3,\)\)"):
        mf.jvp(lambda t: t, (x,), (minigrad.tensor([1.0, 2.0, 3.0]),))
    with pytest.raises(RuntimeError, match=r"grad: can only differentiate with respect to floating point tensors"):
        mf.grad(lambda t: t.sum())(minigrad.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"vmap: Expected all tensors to have the same size in the mapped dimension"):
        mf.vmap(lambda a, b: a + b)(minigrad.tensor([1.0, 2.0]), minigrad.tensor([1.0, 2.0, 3.0]))


# ----------------------------------------------------------------------------------- torch.autograd.functional
import torch.autograd.functional as taf  # noqa: E402

from minigrad.autograd import functional as maf  # noqa: E402


@pytest.mark.parametrize("dtype", DTYPES)
def test_autograd_functional_matches_torch(dtype):
    fn, shapes = SCALAR_FNS["mlp"]
    arrays = _inputs(shapes, dtype, 6)
    rng = np.random.default_rng(7)
    vs = [rng.standard_normal(a.shape).astype(dtype) for a in arrays]
    m, t = tuple(_mg(arrays)), tuple(_th(arrays))
    mv, tv = tuple(_mg(vs)), tuple(_th(vs))
    for name in ("hvp", "vhp"):
        (om, rm), (ot, rt) = getattr(maf, name)(fn, m, mv), getattr(taf, name)(fn, t, tv)
        _close(om, ot, dtype)
        _close(rm, rt, dtype)
    _close(maf.hessian(fn, m), taf.hessian(fn, t), dtype)
    vec, vshapes = VECTOR_FNS["tanh_matmul"]
    arrays = _inputs(vshapes, dtype, 8)
    m, t = tuple(_mg(arrays)), tuple(_th(arrays))
    _close(maf.jacobian(vec, m), taf.jacobian(vec, t), dtype)
    cot = rng.standard_normal(3).astype(dtype)
    (om, rm), (ot, rt) = maf.vjp(vec, m, minigrad.tensor(cot)), taf.vjp(vec, t, torch.tensor(cot))
    _close(rm, rt, dtype)
    tang = tuple(rng.standard_normal(a.shape).astype(dtype) for a in arrays)
    (om, rm), (ot, rt) = maf.jvp(vec, m, tuple(_mg(tang))), taf.jvp(vec, t, tuple(_th(tang)))
    _close(rm, rt, dtype)
    # a single tensor in: a single tensor out; create_graph keeps the result on the graph
    x = minigrad.tensor(arrays[0], requires_grad=True)
    _, h = maf.hvp(lambda a: (a.tanh() ** 2).sum(), x, minigrad.tensor(tang[0]), create_graph=True)
    assert h.requires_grad and h.shape == x.shape
    with pytest.raises(RuntimeError, match=r"vjp: The vector v can only be None if the user-provided function "
                                           r"returns a single Tensor with a single element"):
        maf.vjp(vec, m)


def test_functional_call_with_grad_matches_torch():
    import minigrad.nn as mnn

    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    mm = mnn.Sequential(mnn.Linear(3, 4), mnn.Tanh(), mnn.Linear(4, 1)).double()
    mm.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))

    def loss_of(model, call):
        return lambda p, inp: (call(model, p, (inp,)) ** 2).mean()

    pm = {k: minigrad.tensor(v.numpy()) for k, v in mm.state_dict().items()}
    pt = {k: v.detach().clone() for k, v in tm.state_dict().items()}
    gm = mf.grad(loss_of(mm, mf.functional_call))(pm, minigrad.tensor(x))
    gt = tf.grad(loss_of(tm, tf.functional_call))(pt, torch.tensor(x))
    assert set(gm) == set(gt)
    for k in gm:
        np.testing.assert_allclose(gm[k].numpy(), gt[k].numpy(), rtol=1e-12, err_msg=k)
    assert isinstance(mm[0].weight, mnn.Parameter) and mm[0].weight is not pm["0.weight"]  # own parameters back
    # as torch: a name that is neither a parameter nor a buffer is set as an attribute for the call only
    mf.functional_call(mm, {"0.gamma": pm["0.weight"]}, (minigrad.tensor(x),))
    tf.functional_call(tm, {"0.gamma": pt["0.weight"]}, (torch.tensor(x),))
    assert not hasattr(mm[0], "gamma") and not hasattr(tm[0], "gamma")
