"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, batch_first, dropout between layers), and
the single-step cells RNNCell, LSTMCell, GRUCell.

Parameters carry torch's names and shapes (weight_ih_l0, weight_hh_l0_reverse, ...; gates stacked in torch's
order: LSTM i, f, g, o and GRU r, z, n), so a torch state_dict loads unchanged. Each time step is composed from
Tensor ops (an LSTM step is one fused LSTMCell op, ops/rnn.py): the same weight Tensors are used at every step,
so their gradients sum over time.
"""
import itertools
import math

from .. import dtypes
from ..creation import empty, zeros
from ..ops import movement as M
from ..ops.linear import Linear
from ..ops.rnn import LSTMCell as LSTMStep
from . import init
from .functional import dropout
from .module import Module, Parameter
from .utils.rnn import PackedSequence

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _linear(x, w, b):
    return Linear.apply(x, w) if b is None else Linear.apply(x, w, b)


def _stack(ts):
    return M.Cat.apply(*[t.reshape((1,) + tuple(t.shape)) for t in ts], axis=0)


def _step(mode, x, h, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    """One step from input x (N, I) and state h (N, H), or hc = [h | c] (N, P + H) for an LSTM (P = proj_size or
    H, h projected by w_hr (P, H)); returns the next state. Shared by the full layers and the cells."""
    H = w_hh.shape[1]
    gi = _linear(x, w_ih, b_ih)
    if mode == "LSTM":
        hc = LSTMStep.apply(gi, h, w_hh) if b_hh is None else LSTMStep.apply(gi, h, w_hh, b_hh)
        return hc if w_hr is None else M.Cat.apply(Linear.apply(hc[:, :w_hr.shape[1]], w_hr), hc[:, w_hr.shape[1]:],
                                                   axis=1)
    gh = _linear(h, w_hh, b_hh)
    if mode == "GRU":
        r = (gi[:, :H] + gh[:, :H]).sigmoid()
        z = (gi[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
        n = (gi[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
        return n + z * (h - n)
    pre = gi + gh
    return pre.tanh() if mode == "RNN_TANH" else pre.relu()


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if proj_size and not (mode == "LSTM" and 0 < proj_size < hidden_size):
            raise ValueError(f"{name}: proj_size ({proj_size}) must be positive and smaller than hidden_size "
                             f"({hidden_size}), and is only supported for LSTM")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1], got {dropout}")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{name}: hidden_size ({hidden_size}) and num_layers ({num_layers}) must be positive")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        real = proj_size or hidden_size  # the width of h
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        gates = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else real * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (gates, layer_in)), ("weight_hh", (gates, real))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                for pname, shape in shapes:
                    setattr(self, pname + sfx, Parameter(empty(*shape, dtype=dt, device=device)))
                    self._flat_weights_names.append(pname + sfx)
        self.reset_parameters()

    def reset_parameters(self):
        # torch's default: every weight and bias U(+-1/sqrt(hidden_size))
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def flatten_parameters(self):
        """A no-op: torch packs the weights into one cuDNN buffer here; minigrad keeps no packed copy."""

    @property
    def all_weights(self):
        """The parameters per layer and direction, [[weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0], ...]."""
        names, g = self._flat_weights_names, (4 if self.bias else 2) + (1 if self.proj_size else 0)
        return [[getattr(self, n) for n in names[i:i + g]] for i in range(0, len(names), g)]

    def _weights(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        params = self._parameters  # read directly (Module.__getattr__ costs ~0.5 us each); a parametrized weight
        # (nn.utils.parametrize) has left the registry for a property, so it takes the attribute lookup
        return [params[k] if k in params else getattr(self, k, None)
                for k in (n + sfx for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))]

    def _check(self, input, hx, packed):
        name = type(self).__name__
        if packed and input.ndim != 2:
            raise RuntimeError(f"{name}: a PackedSequence's data should be 2D (sum of lengths, input_size), got "
                               f"shape {tuple(input.shape)}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 2D (unbatched) or 3D input, got shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} has feature size {input.shape[-1]}, "
                               f"expected input_size={self.input_size}")
        if input.shape[1 if self.batch_first and input.ndim == 3 else 0] == 0:
            raise RuntimeError(f"{name}: expected a sequence length larger than 0, got input of shape "
                               f"{tuple(input.shape)}")
        ndim = 3 if packed else input.ndim
        for t in (hx if isinstance(hx, (tuple, list)) else (hx,)):
            if t is not None and t.ndim != ndim:
                kind = "packed" if packed else f"{ndim}-D"
                raise RuntimeError(f"{name}: for a {kind} input of shape {tuple(input.shape)} the states should "
                                   f"also be {ndim}-D, got shape {tuple(t.shape)}")

    def forward(self, input, hx=None):
        """input: a tensor, or a PackedSequence (nn.utils.rnn), for which the output is a PackedSequence too and
        h_n (c_n) hold each sequence's state after its own last step (torch's rule: at step t only the first
        batch_sizes[t] sequences advance)."""
        name = type(self).__name__
        packed = isinstance(input, PackedSequence)
        if packed:
            input, batch_sizes, sorted_indices, unsorted_indices = input
            sizes = batch_sizes.tolist()
        self._check(input, hx, packed)
        unbatched = input.ndim == 2 and not packed
        if unbatched:
            input = input.reshape((input.shape[0], 1, input.shape[1]))
        elif self.batch_first and not packed:
            input = input.transpose(0, 1)
        if packed:
            T, N, starts = len(sizes), sizes[0], [0] + list(itertools.accumulate(sizes))
            xs = [input[starts[t]:starts[t + 1]] for t in range(T)]
        else:
            T, N = input.shape[0], input.shape[1]
            sizes, xs = [N] * T, [input[t] for t in range(T)]
        dirs = 2 if self.bidirectional else 1
        H, P = self.hidden_size, self.proj_size or self.hidden_size
        want = {"hidden": (self.num_layers * dirs, N, P), "cell": (self.num_layers * dirs, N, H)}
        lstm = self.mode == "LSTM"
        if hx is None:
            h0 = c0 = None
        else:
            h0, c0 = (hx if lstm else (hx, None))
            if unbatched:
                h0 = h0.reshape((h0.shape[0], 1, h0.shape[1]))
                c0 = None if c0 is None else c0.reshape((c0.shape[0], 1, c0.shape[1]))
            for what, t in (("hidden", h0), ("cell", c0)):
                if t is not None and tuple(t.shape) != want[what]:
                    raise RuntimeError(f"{name}: expected {what} state of shape {want[what]}, got {tuple(t.shape)}")
            if packed and sorted_indices is not None:
                h0, c0 = h0[:, sorted_indices], (None if c0 is None else c0[:, sorted_indices])
        h_n, c_n = [], []
        width = P + H if lstm else H  # an LSTM's state is the fused cell's hc = [h | c]
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                xs = [dropout(x, self.dropout, True) for x in xs]
            seqs = []
            for d in range(dirs):
                k = layer * dirs + d
                if h0 is None:
                    state = zeros(N, width, dtype=input.dtype, device=input.device)
                else:
                    state = M.Cat.apply(h0[k], c0[k], axis=1) if lstm else h0[k]
                w = self._weights(layer, d)
                seq = [None] * T
                for t in (range(T - 1, -1, -1) if d else range(T)):
                    # a packed batch runs its first sizes[t] rows; the rest keep their state (finished, or in
                    # the reverse direction, not yet started)
                    b = sizes[t]
                    seq[t] = _step(self.mode, xs[t], state if b == N else state[:b], *w)
                    state = seq[t] if b == N else M.Cat.apply(seq[t], state[b:], axis=0)
                seqs.append(seq)
                h_n.append(state[:, :P] if lstm else state)
                if lstm:
                    c_n.append(state[:, P:])
            if layer + 1 < self.num_layers:
                hs = [[s[:, :P] for s in seq] if lstm else seq for seq in seqs]
                xs = hs[0] if dirs == 1 else [M.Cat.apply(a, b, axis=1) for a, b in zip(*hs)]
        outs = [M.Cat.apply(*seq, axis=0) if packed else _stack(seq) for seq in seqs]
        if lstm:
            outs = [o[:, :P] if packed else o[:, :, :P] for o in outs]
        output = outs[0] if dirs == 1 else M.Cat.apply(*outs, axis=outs[0].ndim - 1)
        h_n = _stack(h_n)
        c_n = _stack(c_n) if lstm else None
        if packed:
            output = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                h_n, c_n = h_n[:, unsorted_indices], (None if c_n is None else c_n[:, unsorted_indices])
        if unbatched:
            output = output.reshape((T, output.shape[2]))
            h_n = h_n.reshape((h_n.shape[0], h_n.shape[2]))
            c_n = None if c_n is None else c_n.reshape((c_n.shape[0], H))
        elif self.batch_first and not packed:
            output = output.transpose(0, 1)
        return output, ((h_n, c_n) if lstm else h_n)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}" + (f", proj_size={self.proj_size}" if self.proj_size else "")
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu). input: (T, N, input_size), or
    (N, T, input_size) with batch_first, or (T, input_size); returns (output, h_n). Matches torch.nn.RNN."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; choose 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory. input: (T, N, input_size) (or batch_first, or unbatched); hx: optional (h_0, c_0),
    each (num_layers * directions, N, hidden_size). With proj_size > 0, each h is projected to proj_size by
    weight_hr_l{k} (proj_size, hidden_size), so output and h_n have proj_size features. Returns (output, (h_n,
    c_n)). Matches torch.nn.LSTM.

    >>> import minigrad
    >>> out, (h, c) = LSTM(3, 5, num_layers=2)(minigrad.randn(7, 2, 3))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 2, 5))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (torch's gate order r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). Returns
    (output, h_n). Matches torch.nn.GRU."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class RNNCellBase(Module):
    """One time step of an RNN, LSTM or GRU, with torch's parameters weight_ih (G * hidden, input), weight_hh
    (G * hidden, hidden), bias_ih and bias_hh (G * hidden), all U(+-1/sqrt(hidden)) as torch."""

    def __init__(self, mode, input_size, hidden_size, bias, device=None, dtype=None):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        gates = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(empty(gates, input_size, dtype=dt, device=device))
        self.weight_hh = Parameter(empty(gates, hidden_size, dtype=dt, device=device))
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, Parameter(empty(gates, dtype=dt, device=device)) if bias else None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def _batched(self, input, states):
        """input (N, I) or (I,) and the given states (N, H) or (H,) as batched tensors; zeros for None states."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected input to be 1D or 2D, got {input.ndim}D instead (shape "
                             f"{tuple(input.shape)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} has inconsistent input_size: got "
                               f"{input.shape[-1]}, expected {self.input_size}")
        x = input if input.ndim == 2 else input.reshape((1, input.shape[0]))
        want = (x.shape[0], self.hidden_size) if input.ndim == 2 else (self.hidden_size,)
        out = []
        for k, h in enumerate(states):
            if h is None:
                h = zeros(x.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            elif tuple(h.shape) != want:
                raise RuntimeError(f"{name}: expected hidden{k} of shape {want} for an input of shape "
                                   f"{tuple(input.shape)}, got {tuple(h.shape)}")
            out.append(h if h.ndim == 2 else h.reshape((1, self.hidden_size)))
        return x, out

    def _step(self, x, h):
        return _step(self.mode, x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). input: (N, input_size) or (input_size); hx: the
    same leading shape with hidden_size, zeros if None. Returns h'. Matches torch.nn.RNNCell."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; choose 'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, bias,
                         device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,) = self._batched(input, [hx])
        h = self._step(x, h)
        return h if input.ndim == 2 else h.reshape((self.hidden_size,))


class LSTMCell(RNNCellBase):
    """One LSTM step (torch's gate order i, f, g, o). input: (N, input_size) or (input_size); hx: (h, c), each
    (N, hidden_size) (or (hidden_size)), zeros if None. Returns (h', c'). Matches torch.nn.LSTMCell.

    >>> import minigrad
    >>> h, c = LSTMCell(3, 5)(minigrad.randn(2, 3))
    >>> h.shape, c.shape
    ((2, 5), (2, 5))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        x, (h, c) = self._batched(input, [None, None] if hx is None else list(hx))
        H = self.hidden_size
        hc = self._step(x, M.Cat.apply(h, c, axis=1))  # the fused step's state is [h | c]
        h, c = hc[:, :H], hc[:, H:]
        return (h, c) if input.ndim == 2 else (h.reshape((H,)), c.reshape((H,)))


class GRUCell(RNNCellBase):
    """One GRU step (torch's gate order r, z, n). input: (N, input_size) or (input_size); hx: (N, hidden_size) (or
    (hidden_size)), zeros if None. Returns h'. Matches torch.nn.GRUCell."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        x, (h,) = self._batched(input, [hx])
        h = self._step(x, h)
        return h if input.ndim == 2 else h.reshape((self.hidden_size,))
