"""Op table entries for src/minigrad/ops/special.py (see opdb.py: OpSpec, samplers)."""
import numpy as np
from hypothesis import strategies as st
from opdb import OpSpec, _values, binary, unary


def U(name, lo=-3.0, hi=3.0, signed=False, **kw):
    """A unary op called as the same-named method in both libraries."""
    return OpSpec(name, lambda x: getattr(x, name)(), sample=unary(lo, hi, signed), **kw)


def _with_nonfinite(draw, dtype):
    """Values with nan, inf and -inf dropped in (nan_to_num)."""
    (x,) = unary()(draw, dtype)
    x = np.array(x)
    if x.size:
        rng = np.random.default_rng(draw(st.integers(0, 1000)))
        x.reshape(-1)[rng.integers(0, x.size, size=3)] = [np.nan, np.inf, -np.inf]
    return [x]


def _inplace(x):
    return tuple(getattr(x * 1.0, name)() for name in ("acos_", "arctan_", "sinh_", "cosh_", "log2_", "log10_",
                                                        "exp2_", "erfc_", "erfinv_", "lgamma_", "digamma_",
                                                        "deg2rad_", "logit_", "negative_", "sinc_"))


def _inplace_args(a, b, c):
    return (a * 1.0).atan2_(b), (a * 1.0).hypot_(b), (a * 1.0).xlogy_(c), (a * 1.0).lerp_(b, 0.3), \
        (a * 1.0).addcmul_(b, c, value=2.0), (a * 1.0).addcdiv_(b, c), (a * 1.0).copysign_(b), (a * 1.0).polygamma_(1)


def _args_sample(draw, dtype):
    shape = draw(st.sampled_from([(), (3,), (2, 3)]))
    return [_values(draw, shape, dtype, 0.3, 2.0), _values(draw, shape, dtype, -2.0, 2.0),
            _values(draw, shape, dtype, 0.5, 2.0)]


OPS = [
    # trigonometric and hyperbolic (Arccos, Arctan, Sinh, Cosh, Atan2)
    OpSpec("acos", lambda x: (x.acos(), x.arccos()), sample=unary(-0.9, 0.9)),
    OpSpec("atan", lambda x: (x.atan(), x.arctan()), sample=unary(-4, 4)),
    OpSpec("sinh_cosh", lambda x: (x.sinh(), x.cosh()), sample=unary()),
    OpSpec("atan2", lambda a, b: (a.atan2(b), a.arctan2(b)), sample=binary(lo2=0.2, hi2=3.0, signed2=True)),
    OpSpec("deg2rad_rad2deg_sinc", lambda x: (x.deg2rad(), x.rad2deg(), x.sinc()), sample=unary()),
    # logarithms and exponentials (Log2, Log10, Exp2, LogAddExp, Xlogy, Hypot)
    OpSpec("log2_log10", lambda x: (x.log2(), x.log10()), sample=unary(0.1, 10)), U("exp2", -5, 5),
    OpSpec("logaddexp", lambda a, b: (a.logaddexp(b), a.logaddexp2(b)), sample=binary(-5, 5)),
    OpSpec("xlogy", lambda a, b: a.xlogy(b), sample=binary(lo2=0.1, hi2=3.0)),
    OpSpec("hypot", lambda a, b: a.hypot(b), sample=binary(lo2=0.2, hi2=3.0, signed2=True)),
    OpSpec("logit", lambda x: x.logit(), sample=unary(0.05, 0.95)),
    OpSpec("logit_eps", lambda x: x.logit(0.2), sample=unary(0.05, 0.95), gradcheck=False,
           note="eps clamps: kinks at eps and 1 - eps"),
    OpSpec("float_power", lambda a, b: (a.float_power(b), a.float_power(2), a.float_power(0.5)),
           sample=binary(0.5, 2.0)),
    # special functions (Erfc, Erfinv, Lgamma, Polygamma); negative arguments: tests/test_api_special_torch.py
    U("erfc", -4, 6), U("erfinv", -0.95, 0.95),
    OpSpec("lgamma_digamma", lambda x: (x.lgamma(), x.digamma()), sample=unary(0.2, 8)),
    OpSpec("polygamma", lambda x: (x.polygamma(1), x.polygamma(2), x.polygamma(3)), sample=unary(0.3, 6)),
    # piecewise (Fmod, Copysign, Fmax, Heaviside) and compositions
    OpSpec("fmod", lambda a, b: a.fmod(b), sample=binary(lo2=0.7, hi2=2.0, signed2=True), gradcheck=False,
           note="fmod jumps where a/b is an integer"),
    OpSpec("copysign", lambda a, b: a.copysign(b), sample=binary(0.1, 3.0, signed2=True, lo2=0.1, hi2=3.0)),
    # b's range is shifted so that equal draws do not tie (fmax sends a tie's gradient to the first input)
    OpSpec("fmax_fmin", lambda a, b: (a.fmax(b), a.fmin(b)), sample=binary(lo2=-2.63, hi2=3.37)),
    OpSpec("heaviside", lambda a, b: a.heaviside(b), sample=binary(), grad=False),
    OpSpec("signbit", lambda x: x.signbit(), sample=unary(signed=True), grad=False),
    OpSpec("isclose", lambda a, b: (a.isclose(b, rtol=0.1, atol=0.5), a.isclose(b)), sample=binary(), grad=False),
    OpSpec("frac", lambda x: x.frac(), sample=unary(-5, 5), gradcheck=False, note="jumps at the integers"),
    OpSpec("nan_to_num", lambda x: (x.nan_to_num(), x.nan_to_num(1.5, 2.0, -3.0)), sample=_with_nonfinite,
           gradcheck=False, note="nan inputs: finite differences are nan"),
    OpSpec("lerp", lambda a, b: (a.lerp(b, 0.3), a.lerp(b, 0.8)), sample=binary()),
    OpSpec("lerp_tensor", lambda a, b, w: a.lerp(b, w), sample=binary(n=3, lo2=-0.5, hi2=1.5)),
    OpSpec("addcmul", lambda a, b, c: a.addcmul(b, c, value=0.5), sample=binary(n=3)),
    OpSpec("addcdiv", lambda a, b, c: (a.addcdiv(b, c), a.addcdiv(b, c, value=-2)),
           sample=binary(n=3, lo2=0.5, hi2=3.0, signed2=True)),
    OpSpec("positive_negative", lambda x: (x.positive() * 2.0, x.negative()), sample=unary()),
    # in-place forms
    OpSpec("special_inplace", _inplace, sample=unary(0.3, 0.7)),
    OpSpec("special_inplace_args", _inplace_args, sample=_args_sample),
]
