"""The error function behind Tensor.erf and exact GELU: ulp distance to math.erf in float64 over a dense grid with
tails, tiny and subnormal inputs, +-inf and NaN; float32 against torch.erf; dtype kept; exact GELU against torch
(values and gradients under a random upstream gradient)."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad
from minigrad import nn
import minigrad.nn.functional as F
from minigrad.backend import CPU

erf = CPU.xp.erf
_math_erf = np.frompyfunc(math.erf, 1, 1)


def ulp_distance(got, ref):
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    return np.abs(got - ref) / np.spacing(np.abs(ref))


def dense_grid():
    boundaries = np.array([0.5, 4.0, 6.0])
    near = np.concatenate([np.nextafter(boundaries, 0), boundaries, np.nextafter(boundaries, np.inf)])
    pos = np.concatenate([
        np.linspace(0.0, 10.0, 400_001),               # every range, tails included
        np.geomspace(1e-308, 1.0, 20_001),             # tiny |x|
        np.array([5e-324, 1e-320, 2.2250738585072014e-308]),  # subnormal and smallest normal
        near,
    ])
    return np.concatenate([pos, -pos])


def test_erf_float64_within_2_ulp_of_math_erf():
    x = dense_grid()
    got = erf(x)
    ref = _math_erf(x).astype(np.float64)
    dist = ulp_distance(got, ref)
    worst = int(np.argmax(dist))
    assert dist.max() <= 2.0, f"erf: {dist.max()} ulp from math.erf at x={x[worst]!r}"
    assert (dist > 1).mean() < 1e-3  # 2 ulp only for a few points in 0.5 <= |x| < 1


def test_erf_special_values():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 10.0, -10.0, 27.0, 1e300])
    got = erf(x)
    np.testing.assert_array_equal(got, [1.0, -1.0, np.nan, 0.0, -0.0, 1.0, -1.0, 1.0, 1.0])
    assert np.signbit(got[4]) and not np.signbit(got[3])


def test_erf_odd():
    x = np.linspace(0, 7, 10_001)
    np.testing.assert_array_equal(erf(-x), -erf(x))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_erf_keeps_dtype_and_shape(dtype):
    for x in (np.array(0.3, dtype), np.zeros((0, 3), dtype), np.ones((2, 3, 4), dtype)):
        got = erf(x)
        assert got.dtype == dtype and got.shape == x.shape


def test_erf_float32_matches_torch():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(200_000) * 3, np.linspace(-6, 6, 100_001), np.geomspace(1e-40, 1, 1001),
                        np.array([np.inf, -np.inf, np.nan])]).astype(np.float32)
    got = erf(x)
    ref = torch.erf(torch.from_numpy(x)).numpy()
    assert got.dtype == np.float32
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    dist = np.abs(got[finite].astype(np.float64) - ref[finite]) / np.spacing(np.abs(ref[finite])).astype(np.float64)
    assert dist.max() <= 1.0, f"erf float32: {dist.max()} ulp from torch.erf"


def test_tensor_erf_forward_and_grad_float64():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 7)) * 2
    g = rng.standard_normal((5, 7))
    t = minigrad.tensor(x, requires_grad=True)
    y = t.erf()
    y.backward(minigrad.tensor(g))
    tt = torch.tensor(x, requires_grad=True)
    ty = torch.erf(tt)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-15, atol=0)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-13, atol=0)


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-6), (np.float64, 1e-14)])
@pytest.mark.parametrize("how", ["module", "functional"])
def test_exact_gelu_matches_torch(dtype, tol, how):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((4, 8, 16)) * 3).astype(dtype)
    g = rng.standard_normal((4, 8, 16)).astype(dtype)
    t = minigrad.tensor(x, requires_grad=True)
    y = nn.GELU()(t) if how == "module" else F.gelu(t, approximate="none")
    y.backward(minigrad.tensor(g))
    tt = torch.tensor(x, requires_grad=True)
    ty = TF.gelu(tt, approximate="none")
    ty.backward(torch.tensor(g))
    assert y.dtype == t.dtype and t.grad.dtype == t.dtype
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=tol, atol=tol)


def test_erf_non_contiguous_input():
    x = np.random.default_rng(3).standard_normal((5, 7, 3)) * 3
    for a in (x.transpose(2, 0, 1), x[:, ::2], x.astype(np.float32).T):
        np.testing.assert_array_equal(erf(a), erf(np.ascontiguousarray(a)))
