"""Exact points where ops are easy to get wrong: kinks (matched to torch's choice of subgradient), ties, zeros,
+-inf and NaN, and magnitudes that overflow a naive formula. NaN compares equal to NaN; tolerances as check_op."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import check_op

import minigrad

inf, nan = np.inf, np.nan


def a(*values, dtype=np.float64):
    return np.array(values, dtype=dtype)


CASES = [
    # kinks: torch's subgradient
    ("relu_at_0", lambda x: x.relu(), [a(-1.0, 0.0, 2.0)], None),
    ("relu_nan_passes_grad", lambda x: x.relu(), [a(nan, -1.0, -0.0, 0.0, 2.0)], None),  # torch's threshold_backward
    ("abs_at_0", lambda x: x.abs(), [a(-1.0, 0.0, -0.0, 2.0)], None),
    ("leaky_relu_at_0", lambda x: x.leaky_relu(0.1), [a(-1.0, 0.0, 2.0)], lambda x: TF.leaky_relu(x, 0.1)),
    ("elu_at_0", lambda x: x.elu(2.0), [a(-1.0, 0.0, 2.0)], lambda x: TF.elu(x, 2.0)),
    ("sign_at_0", lambda x: x.sign(), [a(-1.0, 0.0, 2.0)], None),
    ("clamp_at_bounds", lambda x: x.clamp(-1.0, 1.0), [a(-2.0, -1.0, 0.0, 1.0, 2.0)], None),
    ("clamp_tensor_bounds_crossed", lambda x, lo, hi: x.clamp(lo, hi),
     [a(1.0, 2.0, 2.0, -3.0), a(3.0, 0.0, 0.0, -3.0), a(2.0, 3.0, 1.0, 5.0)], None),
    ("softplus_at_threshold", lambda x: x.softplus(1.0, 2.0), [a(1.999, 2.0, 2.001)],
     lambda x: TF.softplus(x, 1.0, 2.0)),
    ("sqrt_at_0", lambda x: x.sqrt(), [a(0.0, 4.0)], None),
    ("pow_at_0", lambda x, y: x ** y, [a(0.0, 0.0, 0.0, 2.0), a(0.0, 1.0, 2.0, 0.0)], None),
    ("pow_scalar_at_0", lambda x: x ** 0.5 + x ** 2 + x ** 0, [a(0.0, 1.0)], None),
    ("log_at_0", lambda x: x.log(), [a(0.0, 1.0)], None),
    ("div_by_0", lambda x, y: x / y, [a(1.0, -1.0, 0.0), a(0.0, 0.0, 0.0)], None),
    # ties
    ("maximum_tie", lambda x, y: x.maximum(y), [a(1.0, 2.0, 3.0), a(1.0, 1.0, 3.0)], None),
    ("minimum_tie", lambda x, y: x.minimum(y), [a(1.0, 2.0, 3.0), a(1.0, 1.0, 3.0)], None),
    ("amax_ties_split", lambda x: x.amax(1), [a(2.0, 2.0, 1.0, 5.0, 5.0, 5.0).reshape(2, 3)], None),
    ("amin_ties_split", lambda x: x.amin(0), [a(2.0, 2.0, 1.0, 1.0, 5.0, 1.0).reshape(2, 3)], None),
    ("max_all_ties_split", lambda x: x.max(), [a(3.0, 1.0, 3.0)], None),
    ("max_dim_tie_first_index", lambda x: x.max(1), [a(2.0, 2.0, 1.0, 0.0, 5.0, 5.0).reshape(2, 3)],
     lambda x: tuple(x.max(1))),
    ("min_dim_tie_first_index", lambda x: x.min(0), [a(1.0, 2.0, 1.0, 2.0).reshape(2, 2)],
     lambda x: tuple(x.min(0))),
    ("argmax_tie_first", lambda x: x.argmax(1), [a(1.0, 1.0, 0.0, 0.0).reshape(2, 2)], None),
    ("prod_one_zero", lambda x: x.prod(1), [a(0.0, 2.0, 3.0, 1.0, 2.0, 3.0).reshape(2, 3)], None),
    ("prod_two_zeros", lambda x: x.prod(1), [a(0.0, 0.0, 3.0, 1.0, 0.0, 3.0).reshape(2, 3)], None),
    ("prod_all", lambda x: x.prod(), [a(0.0, 2.0, 3.0)], None),
    ("std_zero_variance", lambda x: x.std(1), [a(2.0, 2.0, 2.0, 1.0, 2.0, 3.0).reshape(2, 3)], None),
    # repeated indices accumulate
    ("getitem_repeated", lambda x: x[np.array([0, 0, 2, 0])], [a(1.0, 2.0, 3.0)],
     lambda x: x[torch.tensor([0, 0, 2, 0])]),
    ("gather_repeated", lambda x, i: x.gather(1, i), [a(1.0, 2.0, 3.0, 4.0).reshape(2, 2),
                                                      np.array([[0, 0, 0], [1, 0, 1]])], None),
    # overflow and infinities
    ("logsumexp_1e4", lambda x: x.logsumexp(0), [a(1e4, 1e4, 0.0)], None),
    ("logsumexp_minus_inf", lambda x: x.logsumexp(1), [a(-inf, 0.0, -inf, -inf).reshape(2, 2)], None),
    ("logsumexp_inf", lambda x: x.logsumexp(0), [a(inf, 0.0)], None),
    ("softmax_1000", lambda x: x.softmax(-1), [a(1000.0, -1000.0, 999.0, 0.0)], None),
    ("log_softmax_1000", lambda x: x.log_softmax(-1), [a(1000.0, -1000.0, 999.0, 0.0)], None),
    ("softmax_1000_f32", lambda x: x.softmax(0), [a(1000.0, -1000.0, 0.0, dtype=np.float32)], None),
    ("log_softmax_1000_f32", lambda x: x.log_softmax(0), [a(1000.0, -1000.0, 0.0, dtype=np.float32)], None),
    ("sigmoid_1000", lambda x: x.sigmoid(), [a(-1000.0, 1000.0, dtype=np.float32)], None),
    ("tanh_1000", lambda x: x.tanh(), [a(-1000.0, 1000.0, dtype=np.float32)], None),
    ("softplus_1000", lambda x: x.softplus(), [a(-1000.0, 1000.0, 30.0)], lambda x: TF.softplus(x)),
    ("silu_1000", lambda x: x.silu(), [a(-1000.0, 1000.0, dtype=np.float32)], lambda x: TF.silu(x)),
    ("gelu_large", lambda x: x.gelu(), [a(-40.0, 40.0, 0.0)], lambda x: TF.gelu(x)),
    ("erf_inf", lambda x: x.erf(), [a(-inf, inf, 0.0, 6.0, -1e-3)], None),
    ("exp_inf", lambda x: x.exp(), [a(-inf, inf, 0.0)], None),
    ("where_nan_branch", lambda c, x: minigrad.where(c, x, x.log()) if isinstance(x, minigrad.Tensor)
     else torch.where(c, x, x.log()), [np.array([True, False]), a(-1.0, 2.0)], None),
    ("remainder_negative", lambda x, y: x % y, [a(5.0, -5.0, 5.0, -5.0), a(3.0, 3.0, -3.0, -3.0)], None),
    ("floor_divide_negative", lambda x, y: x // y, [a(5.0, -5.0, 5.0, -5.0), a(3.0, 3.0, -3.0, -3.0)], "nograd"),
    ("nan_propagates", lambda x: (x * 2).sum(), [a(nan, 1.0)], None),
]


@pytest.mark.parametrize("name,fn,arrays,torch_fn", CASES, ids=[c[0] for c in CASES])
def test_edge(name, fn, arrays, torch_fn):
    if torch_fn == "nograd":
        check_op(name, fn, arrays, grad=False)
    else:
        check_op(name, fn, arrays, torch_fn=torch_fn)


def test_floor_divide_backward_raises_as_torch():
    x = minigrad.tensor([5.0, -5.0], requires_grad=True)
    y = x // 2.0
    assert y.requires_grad
    with pytest.raises(RuntimeError, match="floor_divide: the derivative is not implemented"):
        y.sum().backward()


def test_softmax_at_1000_is_finite_and_sums_to_1():
    x = minigrad.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    p = x.softmax(-1)
    assert np.isfinite(p.numpy()).all() and abs(p.numpy().sum() - 1) < 1e-6
    x.log_softmax(-1).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_erf_float64_accuracy():
    import math

    xs = np.linspace(-6, 6, 2001)
    got = minigrad.tensor(xs).erf().numpy()
    want = np.array([math.erf(v) for v in xs])
    assert np.max(np.abs(got - want)) < 4e-15


def test_numpy_functions_on_tensors_stay_in_the_graph():
    """USER-NEEDS #3: np.* on a Tensor maps to the minigrad op (NumPy's argument names and defaults)."""
    x = minigrad.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=minigrad.float64, requires_grad=True)
    arr = np.array([0.5, -1.0])
    outs = [np.exp(x), arr * x, x + arr, np.sum(x, axis=0), np.mean(x), np.std(x), np.var(x, axis=1, ddof=1),
            np.concatenate([x, x], axis=1), np.where(x.detach() > 2, x, 0.0), np.maximum(x, 2.5), np.clip(x, 1.5, 4),
            np.einsum("ij->j", x), np.transpose(x), np.reshape(x, (4,)), np.max(x, axis=1), x @ arr, arr @ x]
    want = [np.exp, lambda v: arr * v, lambda v: v + arr, lambda v: np.sum(v, axis=0), np.mean, np.std,
            lambda v: np.var(v, axis=1, ddof=1), lambda v: np.concatenate([v, v], axis=1),
            lambda v: np.where(v > 2, v, 0.0), lambda v: np.maximum(v, 2.5), lambda v: np.clip(v, 1.5, 4),
            lambda v: np.einsum("ij->j", v), np.transpose, lambda v: np.reshape(v, (4,)),
            lambda v: np.max(v, axis=1), lambda v: v @ arr, lambda v: arr @ v]
    for out, ref in zip(outs, want):
        assert isinstance(out, minigrad.Tensor) and out.grad_fn is not None
        np.testing.assert_allclose(out.numpy(), ref(x.numpy()), rtol=1e-12)
    sum(o.sum() for o in outs).backward()
    assert x.grad is not None and np.isfinite(x.grad.numpy()).all()
