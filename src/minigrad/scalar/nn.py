"""Neural-network modules over scalar Values: micrograd's Neuron/Layer/MLP (seed 002), seed 001's Linear and Conv2D on
nested lists, and seed 004's PyTorch-like Sequential, activations and losses. One sample at a time: a layer maps a
list of Values to a list of Values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Any, Callable, Union

from .arrays import flatten
from .value import Value, softmax

Activation = Union[None, str, Callable[[Value], Value]]
_ACTIVATIONS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None, "none": None}


def _activation(activation: Activation) -> Callable[[Value], Value] | None:
    if activation is None or callable(activation):
        return activation
    if isinstance(activation, str) and activation.lower() in _ACTIVATIONS:
        return _ACTIVATIONS[activation.lower()]
    raise ValueError(f"unknown activation {activation!r}; use None, a callable, or one of {sorted(_ACTIVATIONS)}")


def _check_len(name: str, what: str, got: Sequence, expected: int) -> None:
    if len(got) != expected:
        raise ValueError(f"{name}: expected {expected} {what}, got {len(got)}")


class Module:
    """Base class: ``parameters()`` finds every Value held in attributes (directly, in lists, or in sub-Modules).

    Subclasses set attributes and define ``forward``; calling the module runs ``forward``. No ``super().__init__()``
    is needed (seed 001's modules do not call it), and ``parameters()`` never has to be written by hand.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def parameters(self) -> list[Value]:
        """Every Value reachable from the attributes, in attribute order, each once. Checkpoints use this order."""
        seen: set[int] = set()
        out: list[Value] = []
        for v in _walk(vars(self).values()):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    def get_parameters(self) -> list[Value]:
        """Alias of ``parameters()`` (seed 001's spelling)."""
        return self.parameters()

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _walk(items: Any) -> Iterator[Value]:
    for item in items:
        if isinstance(item, Value):
            yield item
        elif isinstance(item, Module):
            yield from item.parameters()
        elif isinstance(item, (list, tuple)):
            yield from _walk(item)
        elif isinstance(item, dict):
            yield from _walk(item.values())


class Neuron(Module):
    """One unit: ``activation(w . x + b)``, as micrograd's ``Neuron`` (seed 002).

    Args:
        nin: number of inputs.
        activation: ``"relu"`` (default, micrograd's choice), ``None`` for linear (seed 001's default), ``"tanh"``,
            ``"sigmoid"`` or any callable ``Value -> Value``.
        nonlin: micrograd's flag; if given, ``True`` means relu and ``False`` linear, overriding ``activation``.

    Weights start uniform in [-1, 1] and the bias at 0, as in micrograd. ``weight``/``bias`` alias ``w``/``b``.

    >>> n = Neuron(2); y = n([Value(1.0), Value(-2.0)]); y.data >= 0
    True
    """

    def __init__(self, nin: int, activation: Activation = "relu", *, nonlin: bool | None = None):
        if nin < 1:
            raise ValueError(f"Neuron: nin must be at least 1, got {nin}")
        if nonlin is not None:
            activation = "relu" if nonlin else None
        self.w = [Value(random.uniform(-1.0, 1.0)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = _activation(activation)

    @property
    def nin(self) -> int:
        return len(self.w)

    @property
    def weight(self) -> list[Value]:
        return self.w

    @weight.setter
    def weight(self, values: Sequence[Value | float]) -> None:
        _check_len("Neuron.weight", "weights", values, len(self.w))
        self.w = [v if isinstance(v, Value) else Value(v) for v in values]

    @property
    def bias(self) -> Value:
        return self.b

    @bias.setter
    def bias(self, value: Value | float) -> None:
        self.b = value if isinstance(value, Value) else Value(value)

    def forward(self, x: Sequence[Value | float]) -> Value:
        _check_len("Neuron", "inputs", x, len(self.w))
        out = Value.dot(self.w, x, self.b)
        return self.activation(out) if self.activation is not None else out

    def __repr__(self) -> str:
        name = getattr(self.activation, "__name__", "linear") if self.activation else "linear"
        return f"Neuron({len(self.w)}, activation={name})"


class Layer(Module):
    """``nout`` Neurons over the same inputs (micrograd). Returns a list, or the Value itself when ``nout == 1``."""

    def __init__(self, nin: int, nout: int, **neuron_kwargs: Any):
        self.neurons = [Neuron(nin, **neuron_kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer([{', '.join(map(repr, self.neurons))}])"


class MLP(Module):
    """micrograd's multilayer perceptron: relu on every layer but the last, which is linear.

    >>> model = MLP(2, [16, 16, 1]); len(model.parameters())
    337
    """

    def __init__(self, nin: int, nouts: Sequence[int]):
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation="relu" if i < len(nouts) - 1 else None) for i in range(len(nouts))
        ]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def __repr__(self) -> str:
        return f"MLP([{', '.join(map(repr, self.layers))}])"


class Linear(Module):
    """Fully connected layer, ``out_features`` neurons (seeds 001 and 004). Always returns a list.

    Args:
        in_features: inputs per sample.
        out_features: outputs.
        activation: applied to each output (seed 001); ``None`` (default) is linear, as in torch.

    Weights and biases start uniform in +-1/sqrt(in_features), torch's ``nn.Linear`` default. ``parameters()`` runs
    neuron by neuron (its weights, then its bias), the order of seed 001's checkpoints; torch stores all weights first.
    """

    def __init__(self, in_features: int, out_features: int, activation: Activation = None):
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear: sizes must be positive, got in={in_features}, out={out_features}")
        self.in_features, self.out_features = in_features, out_features
        self.neurons = [Neuron(in_features, activation) for _ in range(out_features)]
        bound = 1.0 / math.sqrt(in_features)
        for p in self.parameters():
            p.data = random.uniform(-bound, bound)

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        _check_len("Linear", "input features", x, self.in_features)
        return [n(x) for n in self.neurons]

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"


class Conv2D(Module):
    """2-D convolution (no padding) on one ``[in_channels][height][width]`` nested list (seed 001).

    Args:
        width, height: input size.
        kernel_size: square kernel side.
        stride: step in both directions.
        in_channels, out_channels: channel counts.
        activation: applied to every output, ``None`` (default) for none.

    Returns from ``forward``: ``[out_channels][out_height][out_width]`` with ``out = (size - kernel) // stride + 1``.
    Matches ``torch.nn.functional.conv2d(x[None], weight, bias, stride)[0]`` where ``weight[o]`` is
    ``filters.neurons[o].w`` viewed as ``(in_channels, kernel, kernel)``. Like torch (and unlike seed 001), a stride
    that leaves trailing rows or columns unused is allowed; they are dropped. Init is torch's: +-1/sqrt(fan_in).

    Raises:
        ValueError: impossible geometry (a kernel larger than the image, non-positive sizes), named in the message.
    """

    def __init__(
        self,
        width: int,
        height: int,
        kernel_size: int,
        stride: int,
        in_channels: int,
        out_channels: int,
        activation: Activation = None,
    ):
        for name, val in [("width", width), ("height", height), ("kernel_size", kernel_size), ("stride", stride),
                          ("in_channels", in_channels), ("out_channels", out_channels)]:  # fmt: skip
            if not isinstance(val, int) or isinstance(val, bool) or val < 1:
                raise ValueError(f"Conv2D: {name} must be a positive int, got {val!r}")
        if kernel_size > height or kernel_size > width:
            raise ValueError(
                f"Conv2D: kernel_size {kernel_size} does not fit in a {height}x{width} (height x width) input"
            )
        self.width, self.height, self.kernel_size, self.stride = width, height, kernel_size, stride
        self.in_channels, self.out_channels = in_channels, out_channels
        self.out_height = (height - kernel_size) // stride + 1
        self.out_width = (width - kernel_size) // stride + 1
        self.filters = Linear(in_channels * kernel_size * kernel_size, out_channels, activation)

    def forward(self, x: Sequence[Sequence[Sequence[Value | float]]]) -> list[list[list[Value]]]:
        _check_len("Conv2D", "input channels", x, self.in_channels)
        for c, channel in enumerate(x):
            _check_len(f"Conv2D channel {c}", "rows (height)", channel, self.height)
            for row in channel:
                _check_len(f"Conv2D channel {c}", "columns (width)", row, self.width)
        k, s = self.kernel_size, self.stride
        out: list[list[list[Value]]] = [[[] for _ in range(self.out_height)] for _ in range(self.out_channels)]
        for i in range(self.out_height):
            for j in range(self.out_width):
                # patch flattened as (channel, kernel row, kernel column), torch's weight layout
                patch = [v for channel in x for row in channel[i * s : i * s + k] for v in row[j * s : j * s + k]]
                for o, neuron in enumerate(self.filters.neurons):
                    out[o][i].append(neuron(patch))
        return out

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.width}x{self.height}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"{self.in_channels}->{self.out_channels})"
        )


class Sequential(Module):
    """Runs its modules in order (seed 004)."""

    def __init__(self, *layers: Module):
        for layer in layers:
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential takes Modules, got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(map(repr, self.layers)) + ")"


def _elementwise(fn: Callable[[Value], Value], x: Any) -> Any:
    if isinstance(x, Value):
        return fn(x)
    if isinstance(x, (int, float)):
        return fn(Value(x))
    return [_elementwise(fn, item) for item in x]


class ReLU(Module):
    """Elementwise relu over a Value or (nested) list."""

    def forward(self, x: Any) -> Any:
        return _elementwise(Value.relu, x)


class Sigmoid(Module):
    """Elementwise sigmoid over a Value or (nested) list."""

    def forward(self, x: Any) -> Any:
        return _elementwise(Value.sigmoid, x)


class Tanh(Module):
    """Elementwise tanh over a Value or (nested) list."""

    def forward(self, x: Any) -> Any:
        return _elementwise(Value.tanh, x)


class Softmax(Module):
    """Softmax over one list, as ``torch.softmax(x, dim=0)``."""

    def forward(self, x: Sequence[Value | float]) -> list[Value]:
        return softmax(x)


def _reduce(losses: list[Value], reduction: str) -> Value | list[Value]:
    if reduction == "none":
        return losses
    total = sum(losses[1:], losses[0])
    return total if reduction == "sum" else total / len(losses)


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def _pairs(self, prediction: Any, target: Any) -> list[tuple[Value, float]]:
        prediction = [prediction] if isinstance(prediction, (Value, int, float)) else flatten(prediction)
        target = [target] if isinstance(target, (Value, int, float)) else flatten(target)
        if len(prediction) != len(target) or not prediction:
            raise ValueError(
                f"{type(self).__name__}: prediction has {len(prediction)} values but target has {len(target)}"
            )
        return [(p if isinstance(p, Value) else Value(p), t) for p, t in zip(prediction, target)]


class MSELoss(_Loss):
    """Mean squared error, ``torch.nn.MSELoss`` over flat (or nested) lists of equal length."""

    def forward(self, prediction: Any, target: Any) -> Value | list[Value]:
        return _reduce([(p - t) ** 2 for p, t in self._pairs(prediction, target)], self.reduction)


_BCE_EPS = 9.999999960041972e-13  # torch's EPSILON is the float32 literal 1e-12f, even for float64


class BCELoss(_Loss):
    """Binary cross entropy on probabilities, ``torch.nn.BCELoss``: each log clamped at -100 as torch does.

    The gradient is torch's too: ``(p - t) / max(p (1 - p), 1e-12)``, finite even at p = 0 or 1. Targets are constants.
    """

    def forward(self, prediction: Any, target: Any) -> Value | list[Value]:
        losses = []
        for p, t in self._pairs(prediction, target):
            t = t.data if isinstance(t, Value) else float(t)
            x = p.data
            for what, val in (("input", x), ("target", t)):
                if not 0.0 <= val <= 1.0:  # torch's checks (nan fails them too)
                    raise ValueError(f"BCELoss: all elements of {what} should be between 0 and 1, got {val}")
            log_x = max(math.log(x), -100.0) if x > 0 else -100.0
            log_1mx = max(math.log1p(-x), -100.0) if x < 1 else -100.0  # log1p, as torch: exact for tiny x
            loss = (t - 1.0) * log_1mx - t * log_x  # torch's expression, so even the sign of a zero loss agrees
            # fused like torch's binary_cross_entropy, whose backward is not that of the clamped logs
            grad = (x - t) / max((1.0 - x) * x, _BCE_EPS)
            losses.append(Value(loss, (p,), (grad,), "BinaryCrossEntropyBackward"))
        return _reduce(losses, self.reduction)


def log_softmax(logits: Sequence[Value | float]) -> list[Value]:
    """``x - max - log(sum(exp(x - max)))``: torch's stable log-softmax, finite at |x| = 1000."""
    logits = [x if isinstance(x, Value) else Value(x) for x in logits]
    if not logits:
        raise ValueError("log_softmax: expected at least one logit, got an empty list")
    m = max(x.data for x in logits)
    shifted = [x - m for x in logits]
    exps = [s.exp() for s in shifted]
    lse = sum(exps[1:], exps[0]).log()
    return [s - lse for s in shifted]


class CrossEntropyLoss(_Loss):
    """``torch.nn.CrossEntropyLoss`` on raw logits, through a stable log-softmax.

    ``prediction`` is one sample's logits (a list) or a batch (a list of lists). ``target`` per sample is a class index
    (int) or a list of class probabilities (seed 004's one-hot rows). ``reduction`` averages or sums over samples.
    """

    def forward(self, prediction: Any, target: Any) -> Value | list[Value]:
        batched = bool(prediction) and isinstance(prediction[0], (list, tuple))
        if not batched:
            prediction, target = [prediction], [target]
        if len(prediction) != len(target):
            raise ValueError(f"CrossEntropyLoss: {len(prediction)} samples but {len(target)} targets")
        losses = []
        for logits, t in zip(prediction, target):
            logp = log_softmax(logits)
            if isinstance(t, int) and not isinstance(t, bool):
                if not 0 <= t < len(logp):
                    raise ValueError(f"CrossEntropyLoss: class index {t} out of range for {len(logp)} classes")
                losses.append(-logp[t])
            else:
                t = [float(x.data if isinstance(x, Value) else x) for x in t]
                _check_len("CrossEntropyLoss", "target probabilities", t, len(logp))
                losses.append(-Value.dot(logp, t))
        if not batched:  # one sample gives one loss, also for reduction="none" (torch: a 0-d tensor)
            return losses[0]
        return _reduce(losses, self.reduction)
