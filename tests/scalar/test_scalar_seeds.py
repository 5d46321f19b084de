"""The seeds' README examples, run verbatim except for their import lines (see docs/scalar.md for the mapping)."""

import contextlib
import io
import math
import random

import numpy as np
import torch
from scalar_ref import assert_same

SEED001_VALUE = """
from minigrad.scalar import Value

a = Value(1.0)
b = a * 2
c = (b - 3) / (a + 1.5).relu() + 5
d = a - (b - 7.1).abs() + c ** 2
d.backward()

# a.grad contains value of the ∂a/∂d (the same holds analogically for the b.grad, c.grad and d.grad).
print(a.grad, b.grad, c.grad, d.grad)
"""

SEED001_CONV = """
import numpy as np
import minigrad.scalar.nn as nn
from minigrad.core import as_value_array

img = as_value_array(np.random.rand(1, 15, 15))
conv = nn.Conv2D(width=15, height=15, kernel_size=5, stride=2, in_channels=1, out_channels=3)
out = conv.forward(img)
"""

SEED002_NEURON = """
from minigrad.scalar import Value
from minigrad.scalar import nn
n = nn.Neuron(2)
x = [Value(1.0), Value(-2.0)]
y = n(x)
"""

SEED004_BASIC = """
from minigrad.scalar import Value

a = Value(1)
b = Value(-2)
c = (2 * a + 2 * b) * a - b
d = a * b - c**2 + c.relu()
z = d.exp() - (c**2).log() + (a * b).sigmoid() + (c * d).tanh()
# backpropagation. computes the gradients of z with respect to a, b, c, and d
z.backward()

print(f'Result of the forward pass: {z.data:.4f}')
print(f'Gradient of a: {a.grad:.4f}')
print(f'Gradient of b: {b.grad:.4f}')
print(f'Gradient of c: {c.grad:.4f}')
print(f'Gradient of d: {d.grad:.4f}')
"""

SEED004_XOR = """from minigrad.scalar import Module, Linear, Sequential, ReLU, SGD, Sigmoid, BCELoss

data = [
  [0, 0],
  [1, 1],
  [1, 0],
  [0, 1],
]
target = [0, 0, 1, 1]


# Define a neural network
class XORModel(Module):
    def __init__(self):
        super().__init__()
        self.sequential = Sequential(
            Linear(2, 4),
            ReLU(),
            Linear(4, 1),
            Sigmoid(),
        )

    def forward(self, x):
        return self.sequential(x)


# Initialize your model
model = XORModel()

# Define a loss function
loss_fn = BCELoss()

# Create an optimizer
optimizer = SGD(model.parameters(), lr=0.5, momentum=0.9)

# Training loop
for epoch in range(100):
    preds = []
    for x in data:
        output = model(x)
        preds.append(output[0])

    loss = loss_fn(preds, target)
    if loss.data < 0.01:
        print('Converged')
        break

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'predictions: {[round(val.data, 4) for val in preds]}')
print(f'target: {target}')
print(f'final loss: {loss.data:.4f}')
"""


def run(code):
    """Executes a seed snippet; returns its namespace and what it printed."""
    namespace = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, namespace)  # noqa: S102 - running the seeds' own code is the point
    return namespace, out.getvalue()


def test_seed001_value_example_matches_torch():
    ns, printed = run(SEED001_VALUE)
    a = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    b = a * 2
    c = (b - 3) / (a + 1.5).relu() + 5
    d = a - (b - 7.1).abs() + c**2
    for t in (b, c, d):
        t.retain_grad()
    d.backward()
    for name, t in zip("abcd", (a, b, c, d)):
        assert_same(ns[name].data, t.item(), name)
        assert_same(ns[name].grad, t.grad.item(), f"{name}.grad")
    assert printed.split() == [repr(ns[k].grad) for k in "abcd"]


def test_seed001_conv_example_shapes():
    np.random.seed(0)
    ns, _ = run(SEED001_CONV)
    out = ns["out"]
    assert (len(out), len(out[0]), len(out[0][0])) == (3, 6, 6)
    assert len(ns["conv"].get_parameters()) == 3 * (25 + 1)


def test_seed002_neuron_forward_is_micrograd_relu_neuron():
    random.seed(0)
    ns, _ = run(SEED002_NEURON)
    n, y = ns["n"], ns["y"]
    assert y.data == max(0.0, n.w[0].data * 1.0 + n.w[1].data * -2.0 + n.b.data)
    y.backward()
    assert y.grad_fn == "ReluBackward"


def test_seed004_basic_example_prints_torch_values():
    # the seed prints 18.6752, -0.4807, -1.7597, -2.0000, 0.1353: it clamps log(0) to log(1e-8) (docs/scalar.md)
    _ns, printed = run(SEED004_BASIC)
    assert printed.splitlines() == [
        "Result of the forward pass: inf",
        "Gradient of a: nan",
        "Gradient of b: nan",
        "Gradient of c: nan",
        f"Gradient of d: {math.exp(-2):.4f}",
    ]
    assert f"{math.exp(-2):.4f}" == "0.1353"


def test_seed004_xor_converges_for_13_of_20_seeds():
    converged = []
    for seed in range(20):
        random.seed(seed)
        ns, printed = run(SEED004_XOR)
        assert printed.splitlines()[-2] == "target: [0, 0, 1, 1]"
        if "Converged" in printed:
            converged.append(seed)
            assert ns["loss"].data < 0.01
            assert [round(p.data) for p in ns["preds"]] == [0, 0, 1, 1]
    # the number quoted in docs/scalar.md; the seed itself warns that some initialisations do not converge
    assert len(converged) == 13, f"converged for seeds {converged}: update docs/scalar.md"
