"""Elementwise math of ops/special.py against torch: edge values (poles, zeros, infinities, nan, -0.0), integer
promotion, argument forms and errors. Random-value forward/backward/second-order checks come from
tests/opdb_special.py. Function classes tested here and there: Arccos Arctan Sinh Cosh Log2 Log10 Exp2 Erfc Erfinv
Sinc Lgamma Polygamma Atan2 Hypot LogAddExp Xlogy Fmod Copysign Fmax NanToNum Heaviside, and their base _SaveInput.
"""
import math
import warnings

import numpy as np
import pytest
import torch

import minigrad

INF, NAN = math.inf, math.nan


def _pair(values, dtype=np.float64, requires_grad=False):
    x = np.asarray(values, dtype=dtype)
    return (minigrad.tensor(x, requires_grad=requires_grad),
            torch.tensor(x, requires_grad=requires_grad))


def _same(got, want, rtol=1e-12, atol=0.0):
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    got = got.detach().numpy() if hasattr(got, "detach") else np.asarray(got)
    assert got.shape == want.shape and str(got.dtype) == str(want.dtype), (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(np.signbit(got[got == 0]), np.signbit(want[want == 0]))  # -0.0 kept


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


GAMMA_POINTS = [-INF, -1e6 - 0.5, -171.5, -11.00001, -3.5, -2.0, -1.0, -0.5, -1e-300, -0.0, 0.0, 1e-310, 1e-8,
                0.5, 1.0, 1.4616321449683623, 2.0, 2.5, 3.0, 11.99, 12.0, 100.5, 171.6, 1e17, 1e300, INF, NAN]


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfc", "erfinv", "acos", "atan", "sinh", "cosh", "log2",
                                  "log10", "exp2", "sinc", "frac", "deg2rad", "rad2deg", "signbit", "logit"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_edge_values_match_torch(name, dtype):
    points = GAMMA_POINTS + [-6.0, -5.5, -0.7, 0.7, 0.9999999, 4.0, 26.0, 30.0, 710.0, 1 - 2.0 ** -52]
    m, t = _pair(points, dtype)
    # float32: torch computes digamma in float arithmetic, which leaves ~1e-8 at its zero
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-11, 1e-30)
    _same(getattr(m, name)(), getattr(t, name)(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_polygamma_edge_values_match_torch(n):
    m, t = _pair([-8.9967, -2.5, -1.0, -0.5, 0.0, 1e-5, 0.5, 1.0, 2.0, 9.5, 10.0, 50.0, 1e6, INF, NAN])
    _same(minigrad.polygamma(n, m), torch.polygamma(n, t), rtol=1e-10)
    _same(m.polygamma(n), t.polygamma(n), rtol=1e-10)


def test_lgamma_is_accurate_near_its_zeros():
    x = np.array([1 - 1e-9, 1 + 1e-12, 2 - 1e-10, 2 + 1e-15, 1.5, 2.4999])
    _same(minigrad.tensor(x).lgamma(), torch.tensor(x).lgamma(), rtol=1e-13)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfc", "erfinv", "acos", "atan", "sinh", "cosh", "log2",
                                  "log10", "exp2", "sinc", "deg2rad", "rad2deg", "logit", "atan2", "xlogy"])
def test_integers_compute_in_the_default_float_dtype(name):
    args = (2,) if name in ("atan2", "xlogy") else ()
    m = getattr(minigrad.tensor([1, 2, 3]), name)(*[minigrad.tensor([2, 1, 3]) for _ in args])
    t = getattr(torch.tensor([1, 2, 3]), name)(*[torch.tensor([2, 1, 3]) for _ in args])
    _same(m, t, rtol=1e-6)


def test_binary_edge_values_match_torch():
    a = [0.0, -0.0, 0.0, -0.0, 1.0, -1.0, INF, -INF, INF, NAN, 2.0, -3.0, 1e300, 1e-300]
    b = [0.0, 0.0, -0.0, -0.0, -INF, INF, INF, -INF, 2.0, 1.0, NAN, -0.0, 1e300, 1e-300]
    (ma, ta), (mb, tb) = _pair(a), _pair(b)
    for name in ("atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "fmod", "copysign", "fmax", "fmin",
                 "float_power"):
        _same(getattr(ma, name)(mb), getattr(ta, name)(tb), rtol=1e-13)
        _same(getattr(minigrad, name)(ma, mb), getattr(torch, name)(ta, tb), rtol=1e-13)


def test_gradients_at_edge_points_match_torch():
    xs = [0.0, -0.0, 1e-8, -2.5, 3.0]
    for name, args in [("sinc", ()), ("copysign", (-1.0,)), ("xlogy", (2.0,)), ("fmax", (0.0,)), ("fmin", (0.0,)),
                       ("nan_to_num", ()), ("lgamma", ()), ("digamma", ()), ("fmod", (2.0,)), ("frac", ())]:
        m, t = _pair(xs, requires_grad=True)
        g = np.linspace(-1.0, 1.5, len(xs))
        getattr(m, name)(*[minigrad.tensor(a, dtype=minigrad.float64) for a in args]).backward(minigrad.tensor(g))
        getattr(t, name)(*[torch.tensor(a, dtype=torch.float64) for a in args]).backward(torch.tensor(g))
        _same(m.grad, t.grad, rtol=1e-12)


def test_xlogy_zero_and_nan_and_number_arguments():
    (mx, tx), (my, ty) = _pair([0.0, 0.0, 0.0, 2.0]), _pair([0.0, NAN, INF, 0.0])
    _same(mx.xlogy(my), tx.xlogy(ty))
    _same(minigrad.xlogy(2.0, my), torch.xlogy(2.0, ty))
    _same(minigrad.xlogy(mx, 3), torch.xlogy(tx, 3))
    _same(mx.xlogy(3.0), tx.xlogy(3.0))


def test_nan_to_num_forms():
    x = [NAN, INF, -INF, 1.5]
    for dtype in (np.float32, np.float64):
        m, t = _pair(x, dtype)
        _same(m.nan_to_num(), t.nan_to_num())
        _same(minigrad.nan_to_num(m, nan=1.0, posinf=2.0, neginf=-2.0),
              torch.nan_to_num(t, nan=1.0, posinf=2.0, neginf=-2.0))
        _same(m.nan_to_num(posinf=1e300), t.nan_to_num(posinf=1e300))
    _same(minigrad.tensor([1, 2]).nan_to_num(), torch.tensor([1, 2]).nan_to_num())


def test_isclose_allclose_equal_match_torch():
    a = [1.0, INF, -INF, INF, NAN, NAN, 1.0, 0.0, 1e-9]
    b = [1.0 + 1e-6, INF, INF, 1e308, NAN, 1.0, 1.1, 1e-8, 0.0]
    (ma, ta), (mb, tb) = _pair(a), _pair(b)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.2}, {"rtol": 0, "atol": 0}, {"atol": 1e-7}):
        _same(ma.isclose(mb, **kw), ta.isclose(tb, **kw))
        _same(minigrad.isclose(ma, mb, **kw), torch.isclose(ta, tb, **kw))
        assert minigrad.allclose(ma[:2], mb[:2], **kw) == torch.allclose(ta[:2], tb[:2], **kw)
        assert ma.allclose(ma, **kw) == ta.allclose(ta, **kw)
    ints = [3, 5, 7], [3, 6, 100]
    _same(minigrad.tensor(ints[0]).isclose(minigrad.tensor(ints[1]), atol=1),
          torch.tensor(ints[0]).isclose(torch.tensor(ints[1]), atol=1))
    assert minigrad.equal(ma, ma) is False and torch.equal(ta, ta) is False  # nan != nan
    assert minigrad.equal(ma[:2], ma[:2]) and not minigrad.equal(ma[:2], ma[:3])
    assert minigrad.equal(minigrad.tensor([1, 2]), minigrad.tensor([1.0, 2.0])) == torch.equal(
        torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))


def test_lerp_addcmul_addcdiv_forms():
    (ms, ts), (me, te), (mw, tw) = _pair([1.0, 2.0, -3.0]), _pair([4.0, -1.0, 5.0]), _pair([0.2, 0.5, 0.9])
    for w in (0.0, 0.3, 0.5, 1.0, 2.0, -1.0):
        _same(ms.lerp(me, w), ts.lerp(te, w))
    _same(minigrad.lerp(ms, me, mw), torch.lerp(ts, te, tw))
    _same(ms.lerp(me, minigrad.tensor(0.7)), ts.lerp(te, torch.tensor(0.7)))  # 0-d float32 weight, float64 start
    _same(minigrad.addcmul(ms, me, mw, value=-2), torch.addcmul(ts, te, tw, value=-2))
    _same(ms.addcdiv(me, mw, value=0.5), ts.addcdiv(te, tw, value=0.5))
    _same(minigrad.tensor([1, 2]).addcmul(minigrad.tensor([3, 4]), minigrad.tensor([5, 6]), value=2),
          torch.tensor([1, 2]).addcmul(torch.tensor([3, 4]), torch.tensor([5, 6]), value=2))
    _same(minigrad.tensor([1, 2]).addcdiv(minigrad.tensor([3.0, 4.0]), minigrad.tensor([5, 6])),
          torch.tensor([1, 2]).addcdiv(torch.tensor([3.0, 4.0]), torch.tensor([5, 6])))


def test_fmod_frac_float_power_heaviside_and_signs():
    _same(minigrad.tensor([-7, 7, -7]).fmod(minigrad.tensor([3, -3, -3])),
          torch.tensor([-7, 7, -7]).fmod(torch.tensor([3, -3, -3])))
    _same(minigrad.fmod(minigrad.tensor([-7.5, 7.5]), 2), torch.fmod(torch.tensor([-7.5, 7.5]), 2))
    _same(minigrad.tensor([-2.5, 3.7, -0.0]).frac(), torch.tensor([-2.5, 3.7, -0.0]).frac())
    _same(minigrad.tensor([1.5, 2.0]).float_power(2), torch.tensor([1.5, 2.0]).float_power(2))
    _same(minigrad.float_power(minigrad.tensor([1, 2]), minigrad.tensor([0.5, 3.0])),
          torch.float_power(torch.tensor([1, 2]), torch.tensor([0.5, 3.0])))
    _same(minigrad.float_power(2, minigrad.tensor([1.5])), torch.float_power(2, torch.tensor([1.5])))
    x = minigrad.tensor([1.0, 2.0], dtype=minigrad.float64)
    assert x.float_power_(2) is x and x.tolist() == [1.0, 4.0]
    for dtype in (np.float32, np.int64):
        (mx, tx), (mv, tv) = _pair([-1.5, 0.0, -0.0, 2.0], dtype), _pair([0.5, 0.25, 7.0, 3.0], dtype)
        _same(mx.heaviside(mv), tx.heaviside(tv))
    (m, t) = _pair([-0.0, 0.0, -1.0, NAN, -INF])
    _same(m.signbit(), t.signbit())
    _same(minigrad.tensor([1, -2]).signbit(), torch.tensor([1, -2]).signbit())
    _same(m.positive(), t.positive())
    assert m.positive() is m
    _same(minigrad.negative(m), torch.negative(t))
    _same(m.copysign(-0.0), t.copysign(-0.0))


def test_errors_match_torch():
    f32, f64, i = minigrad.ones(2), minigrad.ones(2, dtype=minigrad.float64), minigrad.tensor([1, 2])
    cases = [
        (lambda: f32.lerp(f64, 0.5), RuntimeError, "expected dtype float for `end` but got dtype double"),
        (lambda: f32.lerp(f32, f64), RuntimeError, "expected dtype float for `weight` but got dtype double"),
        (lambda: minigrad.addcdiv(f32, i, i), RuntimeError, "Integer division with addcdiv is no longer supported"),
        (lambda: f32.isclose(f64), RuntimeError, "Float did not match Double"),
        (lambda: f32.allclose(f32, rtol=-1), RuntimeError, "rtol must be greater than or equal to zero, but got -1"),
        (lambda: f32.isclose(f32, atol=-1), RuntimeError, "atol must be greater than or equal to zero, but got -1"),
        (lambda: f32.heaviside(f64), RuntimeError, "heaviside is not yet implemented for tensors with different"),
        (lambda: f32.heaviside(1.0), TypeError, "must be Tensor, not float"),
        (lambda: minigrad.polygamma(-1, f32), RuntimeError, r"polygamma\(n, x\) does not support negative n."),
        (lambda: f32.float_power_(2), RuntimeError, "the base given to float_power_ has dtype Float but"),
        (lambda: i.frac(), NotImplementedError, "\"frac_cpu\" not implemented for 'Long'"),
        (lambda: i.hypot(i), NotImplementedError, "\"hypot_cpu\" not implemented for 'Long'"),
        (lambda: i.logaddexp(i), NotImplementedError, "\"logaddexp_cpu\" not implemented for 'Long'"),
        (lambda: minigrad.tensor([True]).positive(), RuntimeError, "on a bool tensor is not supported"),
        (lambda: i.fmod(minigrad.tensor([0, 1])), RuntimeError, "ZeroDivisionError"),
        (lambda: f32.atan2(minigrad.ones(3)), RuntimeError, "atan2"),
    ]
    for fn, exc, match in cases:
        with pytest.raises(exc, match=match):
            fn()


def test_heaviside_output_requires_grad_but_backward_raises_as_torch():
    x = minigrad.tensor([1.0, -1.0], requires_grad=True)
    y = x.heaviside(minigrad.tensor([0.5, 0.5]))
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="heaviside"):
        y.sum().backward()


def test_every_in_place_form_torch_has_exists_and_writes_in_place():
    names = ["acos", "arccos", "atan", "arctan", "atan2", "arctan2", "sinh", "cosh", "log2", "log10", "exp2", "hypot",
             "xlogy", "logit", "lerp", "addcmul", "addcdiv", "fmod", "frac", "copysign", "nan_to_num", "float_power",
             "deg2rad", "rad2deg", "sinc", "heaviside", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "negative"]
    for name in names:
        assert hasattr(torch.Tensor, name + "_") and hasattr(minigrad.Tensor, name + "_"), name
        assert hasattr(minigrad, name) and hasattr(minigrad.Tensor, name), name
    m, t = _pair([0.25, 0.5])
    for name, args in [("sinh_", ()), ("lgamma_", ()), ("polygamma_", (1,)), ("fmod_", (0.2,)), ("logit_", (0.3,)),
                       ("nan_to_num_", ()), ("frac_", ())]:
        mm, tt = m * 1.0, t * 1.0
        assert getattr(mm, name)(*args) is mm
        getattr(tt, name)(*args)
        _same(mm, tt)
