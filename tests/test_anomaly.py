"""detect_anomaly: the first backward that produces NaN/inf is named, with the user's line that created it; torch
raises the same "Function '...' returned nan values in its 0th output." for the same program."""
import os

import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import anomaly
from minigrad.autograd import function as _function

HERE = os.path.basename(__file__)


def _nan_program(lib, x):
    a = x * 1.0
    y = a.sqrt()  # the culprit: sqrt'(0) = inf, and 0 * inf = nan
    return (y * 0.0).sum() + (a * 2.0).sum()


def test_names_first_op_and_user_line_like_torch():
    x = minigrad.tensor([0.0, 4.0], requires_grad=True)
    with minigrad.autograd.detect_anomaly():
        loss = _nan_program(minigrad, x)
        with pytest.raises(RuntimeError) as err:
            loss.backward()
    msg = str(err.value)
    assert msg.startswith("Function 'SqrtBackward0' returned nan values in its 0th output")
    assert f'{HERE}", line' in msg and "y = a.sqrt()  # the culprit" in msg
    xt = torch.tensor([0.0, 4.0], requires_grad=True)
    with pytest.warns(UserWarning), torch.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned nan values in its 0th output."):
            _nan_program(torch, xt).backward()


def test_inf_is_named_and_create_graph_checked():
    x = minigrad.tensor([0.0, 1.0], requires_grad=True)
    with minigrad.autograd.detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward0' returned inf values in its 0th output"):
            minigrad.autograd.grad(y, x, create_graph=True)


def test_off_by_default_no_cost_no_trace():
    assert not minigrad.autograd.is_anomaly_enabled()
    assert _function._hooks.on_record is None and getattr(_function._hooks, "on_backward", None) is None
    x = minigrad.tensor([0.0, 4.0], requires_grad=True)
    loss = _nan_program(minigrad, x)
    assert not hasattr(loss.grad_fn, "anomaly_trace")  # nothing recorded outside the mode
    loss.backward()
    assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1] == pytest.approx(2.0)


def test_set_detect_anomaly_decorator_and_restore():
    with minigrad.autograd.set_detect_anomaly(True):
        assert minigrad.autograd.is_anomaly_enabled()
        with minigrad.autograd.set_detect_anomaly(False):
            assert not minigrad.autograd.is_anomaly_enabled()
            assert _function._hooks.on_record is None
        assert minigrad.autograd.is_anomaly_enabled()
    assert not minigrad.autograd.is_anomaly_enabled()
    assert _function._hooks.on_record is None and getattr(_function._hooks, "on_backward", None) is None

    @minigrad.autograd.detect_anomaly()
    def step(x):
        return (x.log() * 0.0).sum().backward()

    with pytest.raises(RuntimeError, match=r"Function 'LogBackward0' returned nan values"):
        step(minigrad.tensor([0.0], requires_grad=True))
    with minigrad.autograd.detect_anomaly(check_nan=False):
        x = minigrad.tensor([0.0], requires_grad=True)
        (x.log() * 0.0).sum().backward()  # recorded but not checked
    assert np.isnan(x.grad.numpy()[0])


def test_user_line_through_a_layer_and_custom_function():
    class Unstable(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad / x

    lin = minigrad.nn.Linear(2, 2)
    with minigrad.autograd.detect_anomaly():
        h = lin(minigrad.tensor([[1.0, 2.0]]))
        out = Unstable.apply(h * 0.0)  # user line for the custom node
        with pytest.raises(RuntimeError) as err:
            out.sum().backward()
    msg = str(err.value)
    assert "Function 'UnstableBackward0' returned" in msg
    assert "out = Unstable.apply(h * 0.0)  # user line for the custom node" in msg
    assert anomaly.user_frame([("/x/site-packages/minigrad/tensor.py", 1, "f")]) is not None
