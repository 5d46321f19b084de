"""minigrad.autograd.Function: a custom op defined once per library from the same body, checked against torch's
autograd.Function (values, gradients under a random upstream gradient, double backward) and by central differences.
"""
import numpy as np
import pytest
import torch

import minigrad
from minigrad.autograd.gradgradcheck import check_directional, gradgradcheck


def make_ops(Function):
    """The same custom ops for minigrad and torch: only the base class differs."""

    class ScaledSoftplus(Function):
        """scale * log(1 + exp(x)): saves the input, takes a non-tensor argument."""

        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return (x.exp() + 1).log() * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x.sigmoid() * ctx.scale, None

    class MulExp(Function):
        """a * exp(b): saves an input and the output; records needs_input_grad."""

        seen = []

        @staticmethod
        def forward(ctx, a, b):
            out = a * b.exp()
            ctx.save_for_backward(a, out)
            MulExp.seen.append(tuple(ctx.needs_input_grad))
            return out

        @staticmethod
        def backward(ctx, grad):
            a, out = ctx.saved_tensors
            ga = gb = None
            if ctx.needs_input_grad[0]:
                ga = grad * out / a
            if ctx.needs_input_grad[1]:
                gb = grad * out
            return ga, gb

    class MaxWithIndex(Function):
        """Row max and its index: two outputs, the index non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            values = x.amax(1)
            index = x.argmax(1)
            ctx.mark_non_differentiable(index)
            ctx.save_for_backward(x, values)
            return values, index

        @staticmethod
        def backward(ctx, grad_values, grad_index):
            x, values = ctx.saved_tensors
            mask = (x == values.unsqueeze(1)).to(x.dtype)
            return mask * grad_values.unsqueeze(1)

    return ScaledSoftplus, MulExp, MaxWithIndex


MG = make_ops(minigrad.autograd.Function)
TH = make_ops(torch.autograd.Function)
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _pair(arrays):
    return ([minigrad.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_custom_op_matches_torch_values_grads_and_double_backward(dtype):
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 2, (3, 4)).astype(dtype), rng.uniform(-1, 1, (4,)).astype(dtype)
    g = rng.standard_normal((3, 4)).astype(dtype)
    (ma, mb), (ta, tb) = _pair([a, b])
    ym = MG[0].apply(MG[1].apply(ma, mb), 1.5)
    yt = TH[0].apply(TH[1].apply(ta, tb), 1.5)
    np.testing.assert_allclose(ym.numpy(), yt.detach().numpy(), **TOL[dtype])
    assert ym.dtype == yt.detach().numpy().dtype
    assert ym.grad_fn.name() == "ScaledSoftplusBackward0"
    # first order under a random upstream gradient, with create_graph for the second
    gm = minigrad.autograd.grad(ym, [ma, mb], minigrad.tensor(g), create_graph=True)
    gt = torch.autograd.grad(yt, [ta, tb], torch.tensor(g), create_graph=True)
    for x, y in zip(gm, gt):
        np.testing.assert_allclose(x.numpy(), y.detach().numpy(), **TOL[dtype])
    v = rng.standard_normal((3, 4)).astype(dtype)
    sm = minigrad.autograd.grad((gm[0] * minigrad.tensor(v)).sum(), [ma, mb])
    st = torch.autograd.grad((gt[0] * torch.tensor(v)).sum(), [ta, tb])
    for x, y in zip(sm, st):
        np.testing.assert_allclose(x.numpy(), y.numpy(), **{k: t * 10 for k, t in TOL[dtype].items()})


def test_custom_op_gradcheck_and_gradgradcheck_float64():
    rng = np.random.default_rng(1)
    a = minigrad.tensor(rng.uniform(0.5, 2, (2, 3)), requires_grad=True)
    b = minigrad.tensor(rng.uniform(-1, 1, (3,)), requires_grad=True)
    ScaledSoftplus, MulExp, _ = MG
    fn = lambda x, y: ScaledSoftplus.apply(MulExp.apply(x, y), 0.7)  # noqa: E731
    assert check_directional(fn, (a, b), n_directions=3)
    assert gradgradcheck(fn, (a, b))
    # a gradient that is wrong by 1% is caught
    class Wrong(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x.exp() * 1.01

    with pytest.raises(RuntimeError, match=r"Jacobian mismatch along a random direction"):
        check_directional(Wrong.apply, (a,))


def test_two_outputs_mark_non_differentiable():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5))
    g = rng.standard_normal(3)
    (mx,), (tx,) = _pair([x])
    vm, im = MG[2].apply(mx)
    vt, it = TH[2].apply(tx)
    assert not im.requires_grad and not it.requires_grad and vm.requires_grad
    assert im.tolist() == it.tolist()
    vm.backward(minigrad.tensor(g))
    vt.backward(torch.tensor(g))
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy())


def test_needs_input_grad_and_no_record():
    MulExp = MG[1]
    MulExp.seen.clear()
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([0.5, 0.1])
    y = MulExp.apply(a, b)
    assert MulExp.seen[-1] == (True, False)
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.exp([0.5, 0.1]), rtol=1e-6)
    assert b.grad is None
    with minigrad.no_grad():
        z = MulExp.apply(a, b)
    assert MulExp.seen[-1] == (False, False) and not z.requires_grad and z.grad_fn is None


def test_set_materialize_grads_false_passes_none():
    got = []

    class Two(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            got.append((g1 is None, g2 is None))
            return g1 * 2

    x = minigrad.tensor([1.0], requires_grad=True)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert got == [(False, True)] and x.grad.tolist() == [2.0]


def test_errors_name_the_function():
    class TooMany(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class BadShape(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum(0)

    class NotTensor(minigrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 3.0

    x = minigrad.tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function TooManyBackward returned an incorrect number of gradients "
                                           r"\(expected 1, got 2\)"):
        TooMany.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"Function BadShapeBackward returned an invalid gradient at index 0 - "
                                           r"got \[2\] but expected shape compatible with \[1, 2\]"):
        BadShape.apply(x).sum().backward()
    with pytest.raises(TypeError, match=r"NotTensor.forward must return Tensors; output 0 is float"):
        NotTensor.apply(x)
    with pytest.raises(TypeError, match=r"save_for_backward can only save variables, but argument 0 is of type int"):
        minigrad.autograd.FunctionCtx((True,)).save_for_backward(3)


def test_saved_tensors_freed_after_backward():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = MG[0].apply(x, 2.0)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2.0 / (1 + np.exp(-np.array([1.0, 2.0]))), rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time"):
        y.sum().backward()


def test_once_differentiable_refuses_a_second_derivative_like_torch():
    def define(lib, base, once):
        class Cube(base):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            @once
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x ** 2

        return Cube

    import torch.autograd.function as taf

    TCube = define(torch, torch.autograd.Function, taf.once_differentiable)
    MCube = define(minigrad, minigrad.autograd.Function, minigrad.autograd.once_differentiable)
    xt = torch.tensor([1.5, -2.0], dtype=torch.float64, requires_grad=True)
    xm = minigrad.tensor([1.5, -2.0], dtype=minigrad.float64, requires_grad=True)
    # the upstream gradient of Cube's output is x itself, so the second derivative has to pass through backward
    (gt,) = torch.autograd.grad((TCube.apply(xt) * xt).sum(), xt, create_graph=True)
    (gm,) = minigrad.autograd.grad((MCube.apply(xm) * xm).sum(), xm, create_graph=True)
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), rtol=1e-12)  # the first derivative is fine
    with pytest.raises(RuntimeError, match="differentiate twice"):
        gt.sum().backward()
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        gm.sum().backward()
