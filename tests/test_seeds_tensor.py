"""The seeds' Tensor examples run as tests, with only their import lines changed (listed in each test):
seed 000's first example (minimising z(x)), seed 002's "Get Started" (with float arrays) and its printed values,
and seed 003's spiral training and decision-boundary snippets (method chaining: .einsum(eq, other), .add, .mul,
.logsoftmax(), .softmax(), sum(axis=...))."""
import numpy as np
import torch

import minigrad


class _PltStub:
    """Stands in for matplotlib.pyplot (import-line change): records what the seed plots."""

    def __init__(self):
        self.plotted = []

    def plot(self, *args, **kwargs):
        self.plotted.append(args)

    def __getattr__(self, name):
        return lambda *a, **k: None


SEED_000 = '''
minigrad.set_device("cpu")

history = []
learning_rate = 1e-4
epochs = 300

x = Tensor([2]) # initialize 1-D tensor [2]

for i in range(epochs):
    z = (2*x + 50)**2 + x**2
    history.append(z.numpy()[0])
    z.backward() # compute gradient
    x -= x.grad * learning_rate # stochastic gradient descent, x.grad is dz/dx
    x.zero_grad() # reset gradient before next iteration
    z.zero_grad()

plt.figure()
plt.plot(history)
plt.show()
'''


def test_seed_000_minimises_z():
    # import lines: `import minigrad`, `from minigrad import Tensor`, and a stub for `import matplotlib.pyplot as plt`
    plt = _PltStub()
    scope = {"minigrad": minigrad, "Tensor": minigrad.Tensor, "plt": plt}
    exec(compile(SEED_000, "seed_000", "exec"), scope)  # noqa: S102 - the seed's own text, run verbatim
    history, x = scope["history"], scope["x"]
    assert len(history) == 300 and plt.plotted == [(history,)]
    # the same descent in float32 by hand: dz/dx = 10 x + 200
    ref, xs = [], np.float32(2.0)
    for _ in range(300):
        ref.append((2 * xs + 50) ** 2 + xs ** 2)
        xs = np.float32(xs - np.float32(10 * xs + 200) * np.float32(1e-4))
    np.testing.assert_allclose(history, ref, rtol=1e-5)
    assert history[-1] < history[0] and x.dtype == np.float32 and x.is_leaf and x.shape == (1,)
    # it heads for the minimum at x = -20, z = 500
    assert -20 < x.item() < 2 and all(a > b for a, b in zip(history, history[1:]))


def test_seed_002_get_started_with_float_arrays():
    # import lines: `from minigrad import Tensor as Value`, `from numpy import array`; arrays written as floats
    from numpy import array

    from minigrad import Tensor as Value

    a = Value(array([[2., 3.], [5., 4.]]))
    b = Value(array([1., -1.]))
    c = (a @ b).relu()
    print(c)      # Value(data=[0 1], grad=None)
    c.retain_grad()  # NOTE: torch semantics: a non-leaf keeps .grad only when asked; the seed prints c's grad
    c.backward()
    print(c)      # Value(data=[0 1], grad=[1. 1.])
    print(a)      # Value(data=..., grad=[[0. 0.], [1. -1.]])
    print(b)      # Value(data=..., grad=[5. 4.])
    np.testing.assert_array_equal(c.numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(c.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(a.grad.numpy(), [[0.0, 0.0], [1.0, -1.0]])
    np.testing.assert_array_equal(b.grad.numpy(), [5.0, 4.0])
    assert a.grad.dtype == np.float64 and b.grad.dtype == np.float64


def _spiral(rng):
    y_true = np.arange(3).repeat(200)
    t = np.linspace(0, 4 * 2 * np.pi, 200).repeat(3) + y_true / np.pi + rng.standard_normal(200 * 3) * 0.3
    r = np.tile(np.linspace(0.0, 1, 200), 3)
    X = r * np.stack([np.sin(t), np.cos(t)])
    return X, y_true


EPOCHS = 30  # the seed trains 100 epochs; 30 keep the suite's budget and already halve the loss


def test_seed_003_spiral_training_and_boundary():
    # import line: `from minigrad import Tensor` and `from minigrad.optim import Adam` (simplegrad's Adam)
    from minigrad import Tensor
    from minigrad.optim import Adam

    rng = np.random.default_rng(0)
    np.random.seed(0)
    X, y_true = _spiral(rng)

    w0 = Tensor(np.random.randn(2, 1024))
    b0 = Tensor(np.random.randn(1024))
    w1 = Tensor(np.random.randn(1024, 3))
    b1 = Tensor(np.random.randn(3))
    optim = Adam([w0, b0, w1, b1])
    y = np.eye(3)[y_true]

    # the same training in torch, step for step (torch.optim.Adam with the same defaults)
    tw = [torch.tensor(p.numpy().copy(), requires_grad=True) for p in (w0, b0, w1, b1)]
    topt = torch.optim.Adam(tw)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two cores in CI: extra threads only contend
    tlosses = []
    for epoch in range(EPOCHS):
        h = torch.relu(torch.einsum("ji,jk->ik", torch.tensor(X), tw[0]) + tw[1])
        tout = torch.einsum("ij,jk->ik", h, tw[2]) + tw[3]
        tloss = (torch.tensor(y) * torch.log_softmax(tout, -1) * -1.0).sum(1).mean()
        topt.zero_grad()
        tloss.backward()
        topt.step()
        tlosses.append(tloss.item())
    torch.set_num_threads(threads)

    losses = []
    for epoch in range(EPOCHS):
        out = Tensor(X).einsum("ji,jk->ik", w0).add(b0).relu().einsum("ij,jk->ik", w1).add(b1)

        # Categorical cross-entropy loss
        loss = Tensor(y).mul(out.logsoftmax()).mul(-1.0).sum(axis=1).mean()

        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())

    np.testing.assert_allclose(losses, tlosses, rtol=1e-6)
    for p, t in zip((w0, b0, w1, b1), tw):
        np.testing.assert_allclose(p.numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-8)
    assert losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])

    xy = np.linspace(-1.5, 1.5, 100)
    xy = np.meshgrid(xy, xy)

    out = Tensor(np.dstack(xy)).einsum('ijk,kl->ijl', w0).add(b0).relu()\
        .einsum('ijk,kl->ijl', w1).add(b1).softmax()

    pred = out.data.argmax(axis=-1)
    assert pred.shape == (100, 100) and set(np.unique(pred)) <= {0, 1, 2}
    np.testing.assert_allclose(out.data.sum(-1), 1.0, rtol=1e-12)
