"""Linear, Bilinear, Identity, Flatten, Unflatten."""
import math

from .. import dtypes
from ..creation import empty
from . import functional as F
from . import init
from .module import Module, Parameter


def _size(value, name, layer):
    # seed 000 passes np.prod(shape), a NumPy integer
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise TypeError(f"{layer}: {name} must be an integer, got {value!r}") from None
    if n != value or n < 0:
        raise ValueError(f"{layer}: {name} must be a non-negative integer, got {value!r}")
    return n


class Linear(Module):
    """y = x @ weight.T + bias. input: (*, in_features) -> (*, out_features). Matches torch.nn.Linear, including
    the default init (weight and bias uniform in +-1/sqrt(in_features)).

    Seed 000's `Linear(input_size=..., output_size=...)` keywords are accepted as aliases. An input of another
    floating dtype than the weight is cast to the weight's dtype (torch raises instead).

    >>> Linear(4, 2).weight.shape
    (2, 4)
    """

    def __init__(self, in_features=None, out_features=None, bias=True, device=None, dtype=None, *,
                 input_size=None, output_size=None):
        super().__init__()
        if in_features is None:
            in_features = input_size
        elif input_size is not None:
            raise TypeError("Linear: give in_features or input_size, not both")
        if out_features is None:
            out_features = output_size
        elif output_size is not None:
            raise TypeError("Linear: give out_features or output_size, not both")
        if in_features is None or out_features is None:
            raise TypeError("Linear: missing in_features (input_size=) or out_features (output_size=)")
        self.in_features = _size(in_features, "in_features", "Linear")
        self.out_features = _size(out_features, "out_features", "Linear")
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(empty(self.out_features, self.in_features, dtype=dt, device=device))
        if bias:
            self.bias = Parameter(empty(self.out_features, dtype=dt, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # torch's default: kaiming_uniform_(a=sqrt(5)) is U(+-1/sqrt(fan_in)); the bias uses the same bound
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        # self.weight reaches Module.__getattr__ after a failed instance lookup (~0.5 us, twice per call, in the
        # hot layer of every MLP); the registry is read directly unless something replaced a registered parameter
        p = self._parameters
        if "weight" in p and "bias" in p:
            return F.linear(input, p["weight"], p["bias"])
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y = x1^T A x2 + b. input1: (*, in1_features), input2: (*, in2_features) -> (*, out_features). Matches
    torch.nn.Bilinear, including its init (uniform in +-1/sqrt(in1_features))."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = _size(in1_features, "in1_features", "Bilinear")
        self.in2_features = _size(in2_features, "in2_features", "Bilinear")
        self.out_features = _size(out_features, "out_features", "Bilinear")
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(empty(self.out_features, self.in1_features, self.in2_features, dtype=dt,
                                      device=device))
        if bias:
            self.bias = Parameter(empty(self.out_features, dtype=dt, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Identity(Module):
    """Returns its input; ignores any constructor arguments. Matches torch.nn.Identity."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """Flattens dims start_dim..end_dim into one: (N, *dims) -> (N, prod(dims)) by default. Matches
    torch.nn.Flatten."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        nd = input.ndim
        if nd == 0:
            return input.reshape(1)
        s, e = self.start_dim, self.end_dim
        if not (-nd <= s < nd and -nd <= e < nd):
            raise IndexError(f"Flatten: dims ({s}, {e}) are out of range for an input of shape {tuple(input.shape)}")
        s, e = s % nd, e % nd
        if s > e:
            raise RuntimeError(f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} for an input "
                               f"of shape {tuple(input.shape)}")
        shape = tuple(input.shape)
        return input.reshape(*shape[:s], -1, *shape[e + 1:]) if 0 not in shape else input.reshape(
            *shape[:s], 0, *shape[e + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim `dim` into `unflattened_size`. Matches torch.nn.Unflatten."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        shape = list(input.shape)
        d = self.dim % input.ndim
        known = 1
        for s in self.unflattened_size:
            known *= s if s != -1 else 1
        if -1 not in self.unflattened_size and known != shape[d]:
            raise RuntimeError(f"Unflatten: unflattened_size {self.unflattened_size} does not multiply to dim "
                               f"{self.dim} of size {shape[d]} (input shape {tuple(input.shape)})")
        return input.reshape(*shape[:d], *self.unflattened_size, *shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
