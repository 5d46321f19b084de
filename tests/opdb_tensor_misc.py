"""Op table entries for src/minigrad/ops/tensor_misc.py (see opdb.py: OpSpec, samplers)."""
import torch
from hypothesis import strategies as st
from opdb import F64, OpSpec, _values, binary, unary  # noqa: F401

import minigrad


def mats(*specs, scales=False):
    """Arrays whose dims are named by letters ("nk", "km"), each letter one drawn size (1 to 3, b up to 2). A
    leading "~" lets that array arrive broadcastable instead (trailing dims only, or size 1), as addmm's input.
    scales=True appends a ("dim", (beta, alpha), False) marker."""
    def sample(draw, dtype):
        sizes = {c: draw(st.integers(1, 2 if c == "b" else 3)) for c in "".join(specs).replace("~", "")}
        out = []
        for s in specs:
            shape = [sizes[c] for c in s.lstrip("~")]
            if s.startswith("~"):
                shape = shape[draw(st.integers(0, len(shape))):]
                shape = [1 if draw(st.booleans()) else n for n in shape]
            out.append(_values(draw, tuple(shape), dtype))
        if scales:
            out.append(("dim", draw(st.sampled_from([(1, 1), (0.5, 2.0), (0, 1), (2, -1.5)])), False))
        return out

    return sample


def _scaled(name):
    def fn(lib):
        return lambda i, a, b, ba, _: getattr(lib, name)(i, a, b, beta=ba[0], alpha=ba[1])
    return OpSpec(name, fn(minigrad), fn(torch), mats(*_SHAPES[name], scales=True))


_SHAPES = {"addmm": ("~nm", "nk", "km"), "addmv": ("~n", "nk", "k"), "addbmm": ("~nm", "bnk", "bkm"),
           "baddbmm": ("~bnm", "bnk", "bkm"), "addr": ("~nm", "n", "m")}


def _inplace_products(c, a, b):
    return ((c * 1).baddbmm_(a, b, alpha=0.5), (c[0] * 1).addmm_(a[0], b[0], beta=2),
            (c[0] * 1).addbmm_(a, b, beta=0), (c[0] * 1).addr_(a[0, :, 0], b[0, 0], alpha=3))


def _view_inplace(x):
    y = x * 1
    y.transpose_(0, -1)
    y.unsqueeze_(1)
    z = y * 2
    z.squeeze_(1)
    z.t_() if z.ndim <= 2 else z.swapaxes_(0, 1)
    return y, z


def _random_fills(x):
    # the draws differ from torch's; what is compared is that they pass no gradient and leave x's own intact
    y = (x * 2).uniform_(-1, 1) + (x * 3).normal_(0, 2) + (x * 1).exponential_() + (x * 1).log_normal_(0, 0.5)
    return y * 0 + x


def renorm_sample(draw, dtype):
    x = _values(draw, draw(st.sampled_from([(3, 4), (2, 3, 2), (4, 1), (1, 5)])), dtype)
    return [x, ("dim", (draw(st.sampled_from([1, 2, 3])), draw(st.integers(-x.ndim, x.ndim - 1)),
                        draw(st.sampled_from([0.5, 1.5, 100.0]))), False)]


def vander_sample(draw, dtype):
    x = _values(draw, (draw(st.integers(1, 4)),), dtype, -2, 2)  # torch.vander of an empty x fails backward
    return [x, ("dim", draw(st.sampled_from([None, 0, 1, 2, 4])), draw(st.booleans()))]


def dist_sample(draw, dtype):
    a, b = binary(lo2=-2.63, hi2=3.37)(draw, dtype)
    ps = [1, 2, 3] + ([float("inf")] if a.size and b.size else [])  # both libraries refuse the inf-norm of nothing
    return [a, b, ("dim", draw(st.sampled_from(ps)), False)]


def _vander_th(x, n, increasing):
    # torch.vander's own backward fails in 2.13 (an in-place cumprod on a saved view): the same cumprod, out of place
    n = x.shape[0] if n is None else n
    cols = torch.cat([torch.ones_like(x)[:, None][:, :min(n, 1)], x[:, None].expand(-1, max(n - 1, 0))], 1)
    out = cols.cumprod(1)
    return out if increasing else out.flip(1)


OPS = [
    OpSpec("mm", lambda a, b: a.mm(b), sample=mats("nk", "km")),
    OpSpec("mv", lambda a, b: minigrad.mv(a, b), lambda a, b: torch.mv(a, b), mats("nk", "k")),
    OpSpec("bmm", lambda a, b: a.bmm(b), sample=mats("bnk", "bkm")),
    *(_scaled(name) for name in _SHAPES),
    OpSpec("vdot_ger", lambda a, b: (a.vdot(b), a.ger(b)), sample=mats("k", "k")),
    OpSpec("chain_matmul", lambda a, b, c: minigrad.chain_matmul(a, b, c), lambda a, b, c: torch.linalg.multi_dot(
        [a, b, c]), mats("nk", "km", "mn")),
    OpSpec("inplace_products", _inplace_products, sample=mats("bnm", "bnk", "bkm")),
    OpSpec("aliases", lambda a, b: (a.multiply(b), a.divide(b), a.subtract(b, alpha=2), a.true_divide(b),
                                    a.negative(), a.absolute(), a.divide(b, rounding_mode="floor")),
           sample=binary(lo2=0.5, hi2=3.0, signed2=True), gradcheck=False, note="floor division is piecewise constant"),
    OpSpec("aliases_inplace", lambda a, b: ((a * 1).multiply_(b), (a * 1).subtract_(b, alpha=0.5),
                                            (a * 1).negative_(), (a * 1).true_divide_(b * b + 1)),
           sample=mats("nk", "~nk")),
    OpSpec("renorm", lambda x, a, _: x.renorm(*a), sample=renorm_sample),
    OpSpec("dist", lambda a, b, p, _: a.dist(b, p), sample=dist_sample),
    OpSpec("vander", lambda x, n, inc: minigrad.vander(x, n, inc), _vander_th, vander_sample),
    OpSpec("view_inplace", _view_inplace, sample=unary(min_dims=2)),
    OpSpec("fill_diagonal", lambda x: ((x * 1).fill_diagonal_(0.5), (x * 2).fill_diagonal_(-1.0, wrap=True)),
           sample=mats("nm")),
    OpSpec("fill_diagonal_cube", lambda x: (x * 1).fill_diagonal_(2.0), sample=mats("nnn")),
    OpSpec("random_fills", _random_fills, sample=unary()),
    OpSpec("type_as", lambda a, b: a.type_as(b) * 2, sample=mats("nk", "k")),
]
