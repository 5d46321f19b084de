"""minigrad.scalar.nn: modules, Conv2D and losses against torch float64."""

import math
import random

import pytest
import torch
import torch.nn.functional as F
from scalar_ref import assert_same

from minigrad.scalar import (
    MLP,
    BCELoss,
    Conv2D,
    CrossEntropyLoss,
    Layer,
    Linear,
    Module,
    MSELoss,
    Neuron,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    Value,
    as_value_array,
    flatten,
    value_array_to_list,
)


def test_module_finds_parameters_without_super_init_and_calls_forward():
    class Net(Module):
        def __init__(self):  # no super().__init__(), as in seed 001
            self.a = Linear(3, 2)
            self.blocks = [Neuron(2, None), Neuron(2, None)]
            self.scale = Value(2.0)

        def forward(self, x):
            h = self.a(x)
            return [n(h) * self.scale for n in self.blocks]

    net = Net()
    params = net.parameters()
    assert len(params) == 3 * 2 + 2 + 2 * 3 + 1
    assert net.get_parameters() == params
    assert params[-1] is net.scale
    out = net([1.0, 2.0, 3.0])
    sum(out, Value(0.0)).backward()
    assert any(p.grad != 0 for p in params)
    net.zero_grad()
    assert all(p.grad == 0.0 for p in params)


def test_shared_parameter_listed_once():
    lin = Linear(2, 2)
    seq = Sequential(lin, ReLU(), lin)
    assert len(seq.parameters()) == 6


def test_neuron_default_is_relu_and_linear_is_reachable():
    random.seed(0)
    n = Neuron(3)
    n.weight = [1.0, 2.0, 3.0]
    n.bias = 1
    assert n([1, 3, 4.1]).data == pytest.approx(20.3)
    assert n([1, 3, -4.2]).data == 0.0  # relu, micrograd's default
    for lin in (Neuron(3, None), Neuron(3, nonlin=False), Neuron(3, activation="linear")):
        lin.w = as_value_array([1.0, 2.0, 3.0])
        assert lin([1, 3, -4.2]).data == pytest.approx(-5.6)
    assert Neuron(1, "tanh")([Value(1000.0)]).data in (1.0, -1.0, 0.0)


def test_neuron_rejects_wrong_input_size():
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match="unknown activation"):
        Neuron(2, "softplus")


def test_layer_and_mlp_shapes_micrograd_style():
    assert len(Layer(2, 3)([1.0, 2.0])) == 3
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 337
    assert isinstance(model([Value(0.5), Value(-1.0)]), Value)
    assert model.layers[-1].neurons[0].activation is None
    assert model.layers[0].neurons[0].activation is Value.relu


def test_linear_matches_torch_with_same_weights():
    random.seed(1)
    lin = Linear(4, 3, activation="tanh")
    x = [0.5, -1.0, 2.0, 0.25]
    xs = as_value_array(x)
    out = lin(xs)
    upstream = [0.3, -1.2, 0.7]
    Value.dot(out, upstream).backward()
    w = torch.tensor([[p.data for p in n.w] for n in lin.neurons], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([n.b.data for n in lin.neurons], dtype=torch.float64, requires_grad=True)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tout = torch.tanh(F.linear(tx, w, b))
    (tout * torch.tensor(upstream, dtype=torch.float64)).sum().backward()
    for o, t in zip(out, tout):
        assert_same(o.data, t.item(), "linear out")
    for i, n in enumerate(lin.neurons):
        for j, p in enumerate(n.w):
            assert_same(p.grad, w.grad[i, j].item(), "weight grad")
        assert_same(n.b.grad, b.grad[i].item(), "bias grad")
    for v, g in zip(xs, tx.grad):
        assert_same(v.grad, g.item(), "input grad")
    bound = 1 / math.sqrt(4)
    assert all(-bound <= p.data <= bound for p in lin.parameters())
    with pytest.raises(ValueError, match="expected 4 input features, got 3"):
        lin([1.0, 2.0, 3.0])


@pytest.mark.parametrize("geometry", [
    {"width": 6, "height": 7, "kernel_size": 3, "stride": 2, "in_channels": 2, "out_channels": 3},  # stride leaves a column out
    {"width": 4, "height": 4, "kernel_size": 2, "stride": 2, "in_channels": 2, "out_channels": 3},  # seed 001's test geometry
    {"width": 5, "height": 5, "kernel_size": 5, "stride": 1, "in_channels": 1, "out_channels": 2},
])  # fmt: skip
def test_conv2d_matches_torch_forward_and_backward(geometry):
    rng = random.Random(2)
    conv = Conv2D(**geometry, activation="tanh")
    c, h, w, k = geometry["in_channels"], geometry["height"], geometry["width"], geometry["kernel_size"]
    image = [[[rng.uniform(-2, 2) for _ in range(w)] for _ in range(h)] for _ in range(c)]
    x = as_value_array(image)
    out = conv(x)
    flat = flatten(out)
    upstream = [rng.uniform(-1, 1) for _ in flat]
    Value.dot(flat, upstream).backward()

    weight = torch.tensor([value_array_to_list(n.w) for n in conv.filters.neurons], dtype=torch.float64)
    weight = weight.reshape(geometry["out_channels"], c, k, k).requires_grad_()
    bias = torch.tensor([n.b.data for n in conv.filters.neurons], dtype=torch.float64, requires_grad=True)
    tx = torch.tensor(image, dtype=torch.float64, requires_grad=True)
    tout = torch.tanh(F.conv2d(tx[None], weight, bias, stride=geometry["stride"])[0])
    assert list(tout.shape) == [len(out), len(out[0]), len(out[0][0])]
    (tout * torch.tensor(upstream, dtype=torch.float64).reshape(tout.shape)).sum().backward()

    for v, t in zip(flat, tout.flatten()):
        assert_same(v.data, t.item(), "conv out")
    for n, gw, gb in zip(conv.filters.neurons, weight.grad.reshape(len(conv.filters.neurons), -1), bias.grad):
        for p, g in zip(n.w, gw):
            assert_same(p.grad, g.item(), "conv weight grad")
        assert_same(n.b.grad, gb.item(), "conv bias grad")
    for v, g in zip(flatten(x), tx.grad.flatten()):
        assert_same(v.grad, g.item(), "conv input grad")


def test_conv2d_refuses_impossible_geometry_by_name():
    base = {"width": 4, "height": 4, "kernel_size": 2, "stride": 2, "in_channels": 1, "out_channels": 1}
    with pytest.raises(ValueError, match=r"kernel_size 5 does not fit in a 4x3 \(height x width\)"):
        Conv2D(**{**base, "width": 3, "kernel_size": 5})
    for name in ("stride", "kernel_size", "in_channels", "out_channels", "width", "height"):
        with pytest.raises(ValueError, match=f"{name} must be a positive int, got 0"):
            Conv2D(**{**base, name: 0})
    conv = Conv2D(**base)
    with pytest.raises(ValueError, match="expected 1 input channels, got 2"):
        conv(as_value_array([[[0.0] * 4] * 4] * 2))
    with pytest.raises(ValueError, match=r"expected 4 rows \(height\), got 3"):
        conv(as_value_array([[[0.0] * 4] * 3]))
    with pytest.raises(ValueError, match=r"expected 4 columns \(width\), got 5"):
        conv(as_value_array([[[0.0] * 5] * 4]))


def test_activation_modules_and_sequential():
    xs = as_value_array([-1.0, 0.0, 2.0])
    assert value_array_to_list(ReLU()(xs)) == [0.0, 0.0, 2.0]
    assert value_array_to_list(Tanh()(xs)) == [math.tanh(-1.0), 0.0, math.tanh(2.0)]
    assert Sigmoid()(Value(0.0)).data == 0.5
    probs = Softmax()(xs)
    assert sum(p.data for p in probs) == pytest.approx(1.0)
    seq = Sequential(Linear(3, 2), ReLU(), Linear(2, 1), Sigmoid())
    assert len(seq) == 4 and isinstance(seq[1], ReLU)
    assert 0 < seq(xs)[0].data < 1
    with pytest.raises(TypeError, match="Sequential takes Modules, got int"):
        Sequential(Linear(1, 1), 3)


def _loss_check(loss_ours, loss_torch, preds, target, **kw):
    vals = as_value_array(preds)
    out = loss_ours(**kw)(vals, target)
    out = Value.dot(out, [1.0] * len(out)) if isinstance(out, list) else out
    out.backward()
    t = torch.tensor(preds, dtype=torch.float64, requires_grad=True)
    tout = loss_torch(**kw)(t, torch.tensor(target, dtype=torch.float64))
    tout.sum().backward()
    assert_same(out.data, tout.sum().item(), f"{loss_ours.__name__} {kw}")
    for v, g in zip(flatten(vals), t.grad.flatten()):
        assert_same(v.grad, g.item(), f"{loss_ours.__name__} grad {kw}")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_and_bce_match_torch(reduction):
    _loss_check(MSELoss, torch.nn.MSELoss, [0.3, -1.2, 2.5], [0.0, 1.0, 2.0], reduction=reduction)
    _loss_check(BCELoss, torch.nn.BCELoss, [0.3, 0.9, 0.01], [0.0, 1.0, 1.0], reduction=reduction)
    # saturated probabilities: torch clamps each log at -100 and the gradient denominator at 1e-12
    _loss_check(BCELoss, torch.nn.BCELoss, [0.0, 1.0, 1e-300, 1.0], [1.0, 0.0, 0.0, 1.0], reduction=reduction)


def test_cross_entropy_matches_torch_for_indices_probabilities_and_batches():
    logits = [[1.0, -2.0, 0.5, 3.0], [1000.0, -1000.0, 0.0, 2.0]]
    _loss_check(CrossEntropyLoss, torch.nn.CrossEntropyLoss, logits, [[0.0, 0.0, 0.0, 1.0], [0.1, 0.2, 0.3, 0.4]])
    _loss_check(CrossEntropyLoss, torch.nn.CrossEntropyLoss, logits, [[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]],
                reduction="sum")  # fmt: skip
    # class indices and a single (unbatched) sample
    vals = as_value_array(logits[1])
    loss = CrossEntropyLoss()(vals, 1)
    loss.backward()
    t = torch.tensor(logits[1], dtype=torch.float64, requires_grad=True)
    tl = F.cross_entropy(t, torch.tensor(1))
    tl.backward()
    assert math.isfinite(loss.data)
    assert_same(loss.data, tl.item(), "CE index")
    for v, g in zip(vals, t.grad):
        assert_same(v.grad, g.item(), "CE index grad")
    with pytest.raises(ValueError, match="class index 4 out of range"):
        CrossEntropyLoss()(as_value_array(logits[0]), 4)


def test_losses_reject_mismatched_lengths():
    for loss in (MSELoss(), BCELoss()):
        with pytest.raises(ValueError, match="prediction has 2 values but target has 3"):
            loss(as_value_array([0.1, 0.2]), [0, 1, 1])
    with pytest.raises(ValueError, match="reduction must be"):
        MSELoss(reduction="avg")


def test_bce_uses_log1p_like_torch_for_tiny_probabilities():
    # log(1 - p) lost digits for tiny p: p = 1e-10 gave 1.0000000828e-10 instead of torch's 1.00000000005e-10
    for p, t in [(1e-10, 0.0), (1e-5, 0.0), (0.3, 0.0), (1e-7, 0.25), (1 - 1e-9, 1.0)]:
        loss = BCELoss()([Value(p)], [t])
        ref = F.binary_cross_entropy(torch.tensor([p], dtype=torch.float64), torch.tensor([t], dtype=torch.float64))
        assert_same(loss.data, ref.item(), f"BCE({p}, {t})")


@pytest.mark.parametrize(("p", "t", "what"), [(1.5, 1.0, "input"), (-0.1, 0.0, "input"), (math.nan, 1.0, "input"),
                                              (0.5, 2.0, "target"), (0.5, -1.0, "target")])  # fmt: skip
def test_bce_refuses_values_outside_0_1_like_torch(p, t, what):
    with pytest.raises(RuntimeError, match=f"all elements of {what} should be between 0 and 1"):
        F.binary_cross_entropy(torch.tensor([p], dtype=torch.float64), torch.tensor([t], dtype=torch.float64))
    bad = t if what == "target" else p
    with pytest.raises(ValueError, match=f"BCELoss: all elements of {what} should be between 0 and 1, got {bad}"):
        BCELoss()([Value(p)], [t])


def test_cross_entropy_one_sample_reduction_none_is_one_value_like_torch():
    loss = CrossEntropyLoss(reduction="none")(as_value_array([1.0, 2.0]), 1)
    ref = F.cross_entropy(torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor(1), reduction="none")
    assert isinstance(loss, Value) and ref.dim() == 0
    assert_same(loss.data, ref.item(), "CE none")
    batch = CrossEntropyLoss(reduction="none")([as_value_array([1.0, 2.0])], [1])
    assert isinstance(batch, list) and len(batch) == 1


def test_empty_logits_name_the_op():
    with pytest.raises(ValueError, match="log_softmax: expected at least one logit"):
        CrossEntropyLoss()([], 0)
