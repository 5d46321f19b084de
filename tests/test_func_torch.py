"""minigrad.func, minigrad.autograd.functional and minigrad.profiler against torch: structures, strict mode,
tied weights and the error cases where torch raises."""
import numpy as np
import pytest
import torch
import torch.autograd.functional as taf
import torch.func as tf

import minigrad
import minigrad.nn as mnn
from minigrad import func as mf
from minigrad.autograd import functional as maf
from minigrad.profiler import profile, record_function

RNG = np.random.default_rng(0)
X, Y, W = RNG.standard_normal(3), RNG.standard_normal(3), RNG.standard_normal((3, 3))


def M(a):
    return minigrad.tensor(np.asarray(a, dtype=np.float64))


def T(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


# ----------------------------------------------------------------------------------- torch.func
def test_grad_argnums_and_output_checks_as_torch():
    f = lambda a, b: (a * b).sum()  # noqa: E731
    for argnums in ((0, 0), [0, 1], 0.0):
        with pytest.raises(RuntimeError, match="argnums"):
            tf.grad(f, argnums=argnums)(T(X), T(Y))
        with pytest.raises(RuntimeError, match="grad: argnums"):
            mf.grad(f, argnums=argnums)(M(X), M(Y))
    one = lambda a: (a * a).sum().reshape(1)  # noqa: E731  1 element but not 0-dim: torch refuses
    with pytest.raises(RuntimeError, match="scalar Tensor"):
        tf.grad(one)(T(X))
    with pytest.raises(RuntimeError, match=r"grad: Expected f\(\*args\) to return a scalar Tensor, got \(1,\)"):
        mf.grad(one)(M(X))


def test_vjp_cotangent_structure_and_outputs_as_torch():
    _, fn_t = tf.vjp(lambda a: (a.sin(), a.cos()), T(X))
    _, fn_m = mf.vjp(lambda a: (a.sin(), a.cos()), M(X))
    with pytest.raises(RuntimeError, match="pytree structure"):
        fn_t([T(Y), T(Y)])
    with pytest.raises(RuntimeError, match="vjp_fn: Expected the pytree structure"):
        fn_m([M(Y), M(Y)])
    _, fn_m = mf.vjp(lambda a: {"s": a.sin()}, M(X))
    with pytest.raises(RuntimeError, match="vjp_fn: Expected the pytree structure"):
        fn_m({"t": M(Y)})
    with pytest.raises(RuntimeError, match="vjp: expected f.* only tensors.*float"):
        mf.vjp(lambda a: 3.0, M(X))
    with pytest.raises(RuntimeError, match="jacrev: expected f.* only tensors.*float"):
        mf.jacrev(lambda a: 3.0)(M(X))


def _close(a, b):
    if isinstance(b, dict):
        assert isinstance(a, dict) and a.keys() == b.keys()
        for k in b:
            _close(a[k], b[k])
    elif isinstance(b, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for p, q in zip(a, b):
            _close(p, q)
    else:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


def test_vmap_pytrees_kwargs_and_in_dims_as_torch():
    B = RNG.standard_normal((4, 3))
    f = lambda p, s=1.0: {"sum": (p[0] * p[1]).sum() * s, "both": [p[0], p[1] * s]}  # noqa: E731
    _close(mf.vmap(f)((M(B), M(B)), s=2.0), tf.vmap(f)((T(B), T(B)), s=2.0))
    g = lambda p, v: p["a"] * v  # noqa: E731
    _close(mf.vmap(g, in_dims=({"a": 1}, None))({"a": M(B.T)}, M(X)),
           tf.vmap(g, in_dims=({"a": 1}, None))({"a": T(B.T)}, T(X)))
    with pytest.raises(ValueError, match="Got in_dim=2 for some input"):
        mf.vmap(lambda a: a, in_dims=2)(M(B))
    with pytest.raises(ValueError, match="in_dims"):
        mf.vmap(lambda a: a, in_dims=[0])(M(B))


class _Tied(mnn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = mnn.Linear(3, 3, bias=False), mnn.Linear(3, 3, bias=False)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))


class _TiedT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(3, 3, bias=False), torch.nn.Linear(3, 3, bias=False)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))


def test_functional_call_tied_weights_as_torch():
    mm, tm = _Tied(), _TiedT().double()
    x = RNG.standard_normal((5, 3))
    for name in ("a.weight", "b.weight"):
        _close(mf.functional_call(mm, {name: M(W)}, M(x)), tf.functional_call(tm, {name: T(W)}, T(x)))
    ga = mf.grad(lambda p: mf.functional_call(mm, p, M(x)).sum())({"a.weight": M(W)})
    gt = tf.grad(lambda p: tf.functional_call(tm, p, T(x)).sum())({"a.weight": T(W)})
    _close(ga, gt)
    with pytest.raises(ValueError, match="multiple values for keys .*tied"):
        mf.functional_call(mm, {"a.weight": M(W), "b.weight": M(W)}, M(x))
    with pytest.raises(RuntimeError, match=r"missing keys \['b.weight'\]"):
        mf.functional_call(mm, {"a.weight": M(W)}, M(x), strict=True, tie_weights=False)
    mf.functional_call(mm, {"a.weight": M(W)}, M(x), strict=True)  # tied name filled in: no missing key
    assert not hasattr(mm, "zzz")
    mf.functional_call(mm, {"a.weight": M(W), "zzz": M(1.0)}, M(x))  # as torch: an extra name is allowed
    assert not hasattr(mm, "zzz")


# ----------------------------------------------------------------------------------- torch.autograd.functional
def _both_raise(fm, ft, exc, match):
    with pytest.raises(exc):
        ft()
    with pytest.raises(exc, match=match):
        fm()


def test_functional_strict_mode_as_torch():
    two = lambda a, b: a * 2  # noqa: E731
    for name in ("jacobian", "vjp", "jvp"):
        extra_m = () if name == "jacobian" else ((M(Y),) if name == "vjp" else ((M(Y), M(X)),))
        extra_t = () if name == "jacobian" else ((T(Y),) if name == "vjp" else ((T(Y), T(X)),))
        fm, ft = getattr(maf, name), getattr(taf, name)
        _both_raise(lambda fm=fm, e=extra_m: fm(two, (M(X), M(Y)), *e, strict=True),
                    lambda ft=ft, e=extra_t: ft(two, (T(X), T(Y)), *e, strict=True),
                    RuntimeError, f"{name}: .*independent of input 1.*strict mode")
        # not strict: zeros, as torch
        _close(getattr(maf, name)(two, (M(X), M(Y)), *extra_m), getattr(taf, name)(two, (T(X), T(Y)), *extra_t))
    _both_raise(lambda: maf.jacobian(lambda a: M(X), M(X), strict=True),
                lambda: taf.jacobian(lambda a: T(X), T(X), strict=True), RuntimeError, "does not require gradients")
    lin = lambda a: (a * 2).sum()  # noqa: E731
    _both_raise(lambda: maf.hessian(lin, M(X), strict=True), lambda: taf.hessian(lin, T(X), strict=True),
                RuntimeError, "hessian: While computing the hessian")
    _both_raise(lambda: maf.hvp(lin, M(X), M(Y), strict=True), lambda: taf.hvp(lin, T(X), T(Y), strict=True),
                RuntimeError, "hvp: While computing the hessian")
    # an input the function ignores gives zero blocks (was a NameError); a 1-tuple output is refused
    only_a = lambda a, b: (a ** 3).sum()  # noqa: E731
    _close(maf.hessian(only_a, (M(X), M(Y))), taf.hessian(only_a, (T(X), T(Y))))
    _both_raise(lambda: maf.hessian(lambda a: (only_a(a, a),), M(X)),
                lambda: taf.hessian(lambda a: (only_a(a, a),), T(X)), RuntimeError, "hessian: .*single Tensor")
    cube = lambda a, b: (a.sin() * b * b).sum()  # noqa: E731
    _close(maf.hessian(cube, (M(X), M(Y)), strict=True), taf.hessian(cube, (T(X), T(Y)), strict=True))


def test_functional_argument_checks_as_torch():
    f = lambda a: a * 2  # noqa: E731
    _both_raise(lambda: maf.jacobian(f, M(X), strategy="foo"), lambda: taf.jacobian(f, T(X), strategy="foo"),
                AssertionError, "forward-mode")
    _both_raise(lambda: maf.jacobian(f, M(X), strategy="forward-mode"),
                lambda: taf.jacobian(f, T(X), strategy="forward-mode"), NotImplementedError, "vectorize=True")
    _both_raise(lambda: maf.jacobian(f, M(X), strict=True, vectorize=True),
                lambda: taf.jacobian(f, T(X), strict=True, vectorize=True), RuntimeError, "strict=True")
    _both_raise(lambda: maf.jacobian(lambda a, b: a * b, [M(X), M(Y)]),
                lambda: taf.jacobian(lambda a, b: a * b, [T(X), T(Y)]), TypeError, "tuple of Tensors.*list")
    _both_raise(lambda: maf.jacobian(lambda a: [a, a], M(X)), lambda: taf.jacobian(lambda a: [a, a], T(X)),
                TypeError, "outputs .* tuple of Tensors.*list")
    _both_raise(lambda: maf.jacobian(f, 3.0), lambda: taf.jacobian(f, 3.0), TypeError, "jacobian: The inputs")
    _both_raise(lambda: maf.hvp(lambda a: a * a, M(X), M(Y)), lambda: taf.hvp(lambda a: a * a, T(X), T(Y)),
                RuntimeError, "hvp: The Tensor returned by the function given to hvp")
    _both_raise(lambda: maf.vhp(lambda a: ((a * a).sum(),), M(X), M(Y)),
                lambda: taf.vhp(lambda a: ((a * a).sum(),), T(X), T(Y)), RuntimeError, "vhp: .*single Tensor")
    _both_raise(lambda: maf.jacobian(f, minigrad.tensor([1, 2])), lambda: taf.jacobian(f, torch.tensor([1, 2])),
                RuntimeError, "floating point")


# ----------------------------------------------------------------------------------- profiler
def test_record_function_decorator_events_and_total_average():
    x = minigrad.randn(4, 4, requires_grad=True)

    @record_function("step")
    def step(k):
        return x * 2 if k == 0 else step(k - 1)  # recursion: each entry its own range

    with profile() as prof:
        step(1)
    rows = {e.key: e for e in prof.key_averages()}
    assert rows["step"].count == 2
    assert [e.name for e in prof.events()].count("step") == 2
    total = prof.key_averages().total_average()
    assert total.key == "Total" and total.count == sum(r.count for r in prof.key_averages())
    for key in ("cuda_time_total", "self_cuda_time_total", "device_time_total", "self_cpu_memory_usage"):
        assert "step" in prof.key_averages().table(sort_by=key)
    with pytest.raises(ValueError, match="unknown sort_by"):
        prof.key_averages().table(sort_by="foo")
