"""Autograd API details that once differed from torch (found by differential testing): grad-mode decorators on
generators, autograd.grad with repeated or intermediate inputs, hooks that change a gradient's shape, custom
Functions without saved tensors, and backward(gradient, create_graph=True) with a gradient that has a graph."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd import Function


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_no_grad_on_a_generator_covers_its_body_only(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)

    @lib.no_grad()
    def batches():
        for _ in range(2):
            yield (x * 2).requires_grad

    gen = batches()
    assert next(gen) is False
    assert (x * 2).requires_grad is True  # the caller between steps runs in its own mode
    assert next(gen) is False
    assert list(gen) == []


@pytest.mark.parametrize("lib", [minigrad, torch])
def test_bare_decorators_and_set_grad_enabled_as_decorator(lib):
    x = lib.tensor([1.0], requires_grad=True)

    @lib.no_grad
    def f():
        return (x * 2).requires_grad

    @lib.set_grad_enabled(False)
    def g():
        return (x * 2).requires_grad

    assert lib.is_grad_enabled() and f() is False and g() is False and lib.is_grad_enabled()
    with lib.inference_mode():
        assert (x * 2).requires_grad is False
    with lib.inference_mode(False):
        assert (x * 2).requires_grad is True


def test_grad_of_an_input_listed_twice_as_torch():
    res = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        res.append([g.numpy() for g in lib.autograd.grad((x * x).sum(), [x, x])])
    np.testing.assert_array_equal(res[0], res[1])


def test_grad_stops_at_its_inputs_as_torch():
    out = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        fired = []
        x.register_hook(lambda g, fired=fired: fired.append(1))
        a = x.exp()
        b = a * 3
        a.sum().backward()  # frees the graph below a
        fired.clear()
        (g,) = lib.autograd.grad((b * b).sum(), a)  # never needs the freed part
        (h,) = lib.autograd.grad((a * x).sum(), a)  # x is reached from a needed node: no hook either
        c = x * 2
        (c * c).sum().backward(inputs=[c])
        out.append((g.numpy(), h.numpy(), c.grad.numpy(), fired))
    for m, t in zip(*out):
        np.testing.assert_allclose(m, t, rtol=1e-12)
    assert out[0][3] == [] == out[1][3]


@pytest.mark.parametrize("bad", [lambda g: g.sum(), lambda g: g.double(), lambda g: g.numpy()])
def test_a_hook_may_not_reshape_or_recast_the_gradient(bad):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(bad)
    with pytest.raises(RuntimeError, match="hook .* on a tensor of shape \\(2,\\) returned"):
        (x * 2).sum().backward()


def test_custom_function_without_saved_tensors_runs_backward_twice_as_torch():
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = Double.apply(x).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_backward_with_a_gradient_that_has_a_graph_keeps_it_as_torch():
    res = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([1.0, 3.0], dtype=lib.float64, requires_grad=True)
        (x * x).backward(v, create_graph=True)
        x.grad.sum().backward(inputs=[v])
        res.append(v.grad.numpy())
    np.testing.assert_array_equal(*res)


def test_grad_fills_retain_grad_tensors_and_materialized_zeros_require_grad_as_torch():
    out = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 2
        a.retain_grad()
        lib.autograd.grad((a * a).sum(), x)
        z = lib.tensor([1.0], requires_grad=True)
        (m,) = lib.autograd.grad((x * x).sum(), [z], materialize_grads=True, create_graph=True, allow_unused=True)
        out.append((a.grad.tolist(), x.grad, m.requires_grad, m.tolist()))
    assert out[0] == out[1] == ([4.0, 8.0], None, True, [0.0])
