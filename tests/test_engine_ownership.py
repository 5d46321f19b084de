"""Tensor.backward() lets an op write into its incoming gradient (Function.backward_owned, relu's) only when the engine
alone holds that array. Each case here would expose a wrong write: a gradient shown to a hook or kept by
retain_grad, one passed through to two inputs (add), a user's gradient argument, a view, and gradients summed from
several uses. Values are compared with torch."""
import numpy as np
import pytest
import torch

import minigrad
from minigrad.ops import elementwise as E

X = np.array([[-1.5, 0.0, 2.0], [3.0, -0.5, 1.0]])
G = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def both(fn):
    """fn(lib, x, y) -> output; returns (minigrad grads, torch grads) of x and y after backward with G."""
    out = []
    for lib, make in ((minigrad, lambda a: minigrad.tensor(a, requires_grad=True)),
                      (torch, lambda a: torch.tensor(a, requires_grad=True))):
        x, y = make(X), make(X[::-1].copy())
        r = fn(lib, x, y)
        r.backward(make(G).detach() if lib is torch else minigrad.tensor(G))
        out.append([np.asarray(t.grad) for t in (x, y)])
    return out


CASES = {
    "chain": lambda lib, x, y: (x * 3.0).relu() * y,
    "add_passes_one_grad_to_two_relus": lambda lib, x, y: x.relu() + y.relu(),
    "summed_from_two_uses": lambda lib, x, y: (lambda h: h * y + h * 2.0)(x.relu()),
    "view_reaches_relu": lambda lib, x, y: (x.relu().reshape(-1) * y.reshape(-1)).reshape(2, 3),
    "relu_of_relu": lambda lib, x, y: (x * y).relu().relu() * y,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradients_match_torch(case):
    (mx, my), (tx, ty) = both(CASES[case])
    np.testing.assert_allclose(mx, tx, rtol=1e-12)
    np.testing.assert_allclose(my, ty, rtol=1e-12)


def test_the_owned_path_runs():
    calls = []
    original = E.Relu.backward_owned

    def spy(ctx, grad):
        calls.append(grad.shape)
        return original(ctx, grad)

    E.Relu.backward_owned = staticmethod(spy)
    try:
        x = minigrad.tensor(X, requires_grad=True)
        ((x * 3.0).relu() * 2.0).sum().backward()
    finally:
        E.Relu.backward_owned = staticmethod(original)
    assert calls == [(2, 3)]
    np.testing.assert_array_equal(x.grad.numpy(), np.where(X > 0, 6.0, 0.0))


def test_a_hooked_gradient_is_not_written_into():
    x = minigrad.tensor(X, requires_grad=True)
    r = (x * 1.0).relu()
    kept = []
    r.register_hook(lambda g: kept.append(g) or None)  # the gradient that relu's backward receives
    (r * 2.0).backward(minigrad.tensor(G))
    np.testing.assert_array_equal(kept[0].numpy(), 2.0 * G)
    np.testing.assert_array_equal(x.grad.numpy(), np.where(X > 0, 2.0 * G, 0.0))


def test_retain_grad_keeps_the_unmasked_gradient():
    x = minigrad.tensor(X, requires_grad=True)
    h = x * 1.0
    r = h.relu()
    r.retain_grad()
    (r * 2.0).backward(minigrad.tensor(G))
    np.testing.assert_array_equal(r.grad.numpy(), 2.0 * G)
    np.testing.assert_array_equal(x.grad.numpy(), np.where(X > 0, 2.0 * G, 0.0))


def test_the_users_gradient_is_not_written_into():
    x = minigrad.tensor(X, requires_grad=True)
    g = minigrad.tensor(G.copy())
    (x * 1.0).relu().backward(g)
    np.testing.assert_array_equal(g.numpy(), G)


def test_non_finite_gradients_take_the_exact_path():
    x = minigrad.tensor([-1.0, 2.0, float("nan")], requires_grad=True)
    t = torch.tensor([-1.0, 2.0, float("nan")], requires_grad=True)
    for lib, v in ((minigrad, x), (torch, t)):
        ((v * 1.0).relu() * float("inf")).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_huge_finite_gradients_through_relu_match_torch():
    # grad . grad overflows float32 here, so relu's finiteness check takes the exact path: same values either way
    data = [-1.0, 2.0, 0.0, 3.0]
    x = minigrad.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    for v in (x, t):
        ((v * 1.0).relu() * 1e30).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
