"""Argument forms of ops that torch accepts and that once went wrong here (found by differential testing against
torch): movedim with sequences, narrow from the end, inner of N-d tensors, half-precision sums, & | ^ on integers.
Values and gradients are compared with torch."""
import numpy as np
import pytest
import torch

import minigrad

X = np.arange(24.0).reshape(2, 3, 4)


def _both(fn, arrays=(X,), rtol=0.0):
    outs = []
    for lib in (minigrad, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*ts)
        weight = np.random.default_rng(0).standard_normal(tuple(out.shape))
        (out * lib.tensor(weight)).sum().backward()
        outs.append((out.detach().numpy(), [t.grad.numpy() for t in ts]))
    (m, mg), (t, tg) = outs
    np.testing.assert_allclose(m, t, rtol=rtol)
    for a, b in zip(mg, tg):
        np.testing.assert_allclose(a, b, rtol=rtol)


@pytest.mark.parametrize("src,dst", [((0, 1), (2, 0)), (0, 2), ((0,), (1,)), ([2, 0], [0, 1]), ((-1, 0), (0, -1)),
                                     ((), ())])
def test_movedim_matches_torch(src, dst):
    _both(lambda t: t.movedim(src, dst))


def test_movedim_refuses_repeats_and_unequal_lengths():
    with pytest.raises(RuntimeError, match="movedim"):
        minigrad.tensor(X).movedim((0, 0), (1, 2))
    with pytest.raises(RuntimeError, match="movedim"):
        minigrad.tensor(X).movedim((0, 1), (1,))


@pytest.mark.parametrize("dim,start,length", [(-1, -2, 2), (1, -3, 3), (2, 0, 0), (0, 1, 1), (2, 4, 0)])
def test_narrow_matches_torch(dim, start, length):
    _both(lambda t: t.narrow(dim, start, length))


@pytest.mark.parametrize("start,length", [(-5, 1), (5, 0), (2, 3)])
def test_narrow_out_of_range_raises_as_torch(start, length):
    with pytest.raises((IndexError, RuntimeError)):
        torch.tensor(X).narrow(2, start, length)
    with pytest.raises((IndexError, RuntimeError), match="narrow"):
        minigrad.tensor(X).narrow(2, start, length)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 3)), ((3,), (2, 5, 3)), ((2, 1, 3), (3,)), ((), (2, 3)), ((4,), (4,))])
def test_inner_matches_torch(sa, sb):
    rng = np.random.default_rng(1)
    _both(lambda a, b: minigrad.inner(a, b) if isinstance(a, minigrad.Tensor) else torch.inner(a, b),
          (rng.standard_normal(sa), rng.standard_normal(sb)), rtol=1e-12)


def test_half_precision_mean_and_sum_accumulate_in_float32_as_torch():
    data = np.full(3000, 30.0, dtype=np.float16)
    assert minigrad.tensor(data).mean().item() == torch.tensor(data).mean().item() == 30.0
    small = np.random.default_rng(0).random(5000).astype(np.float16)
    assert minigrad.tensor(small).sum().item() == torch.tensor(small).sum().item()
    assert minigrad.tensor(small).sum().dtype == minigrad.float16


def test_bitwise_refuses_floats_naming_the_op():
    with pytest.raises(TypeError, match="bitwise_and: only integer and bool tensors, got float32"):
        minigrad.ones(2) & minigrad.ones(2)


@pytest.mark.parametrize("shape", [(2, 3), (3,), ()])
def test_t_matches_torch(shape):
    _both(lambda t: t.t() * 1, (np.arange(float(np.prod(shape))).reshape(shape),))
    if len(shape) == 2:
        _both(lambda t: (t * 1).t()[0].mul_(5.0) * 1, (np.arange(6.0).reshape(shape),))
