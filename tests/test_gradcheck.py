"""Every differentiable op of tests/opdb.py against float64 central differences (minigrad.autograd.gradcheck),
along random directions; no torch involved. Tolerance: gradcheck's defaults (eps 1e-6, atol 1e-5, rtol 1e-3)."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from opdb import OPS, call_args

import minigrad
from minigrad.autograd import Function, gradcheck

DIFFERENTIABLE = [s for s in OPS if s.grad and s.gradcheck]


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=[s.name for s in DIFFERENTIABLE])
@settings(max_examples=5)
@given(data=st.data())
def test_gradcheck_float64(spec, data):
    arrays, extra = call_args(spec.sample(data.draw, np.dtype(np.float64)))
    tensors = [minigrad.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    if not any(t.requires_grad and t.numel() for t in tensors):
        return
    outs = spec.mg(*tensors, *extra)
    assume(all(np.isfinite(o.numpy()).all() for o in (outs if isinstance(outs, tuple) else (outs,))))  # std of 1
    assert gradcheck(lambda *t: spec.mg(*t, *extra), tensors)


def test_gradcheck_catches_a_wrong_gradient():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2 * x

    x = minigrad.tensor([0.3, -1.2, 2.0], dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda t: WrongSquare.apply(t), (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="mismatch"):
        gradcheck(lambda t: WrongSquare.apply(t), (x,))


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="require gradient"):
        gradcheck(lambda t: t * 2, (minigrad.tensor([1.0]),))


def test_gradcheck_warns_on_float32():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="not double precision"):
        gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=[s.name for s in DIFFERENTIABLE])
@settings(max_examples=2)
@given(data=st.data())
def test_gradgradcheck_float64(spec, data):
    """The same backward run through the recorded namespace (create_graph=True) differentiates correctly."""
    from minigrad.autograd import gradgradcheck

    arrays, extra = call_args(spec.sample(data.draw, np.dtype(np.float64)))
    tensors = [minigrad.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    if not any(t.requires_grad and t.numel() for t in tensors):
        return
    outs = spec.mg(*tensors, *extra)
    outs = outs if isinstance(outs, tuple) else (outs,)
    assume(all(np.isfinite(o.numpy()).all() for o in outs))
    assert gradgradcheck(lambda *t: tuple(o for o in _tuple(spec.mg(*t, *extra)) if o.dtype.kind == "f"), tensors)


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)
