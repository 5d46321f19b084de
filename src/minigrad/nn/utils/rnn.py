"""Variable-length sequences for the recurrent layers: padding, packing and back. Match torch.nn.utils.rnn.

A PackedSequence holds the time steps of a batch sorted by decreasing length, one after another: `data` is
(sum(lengths), *), `batch_sizes[t]` how many sequences are still running at step t. Every function here is one
gather (GetItem with an index array built on the host from the lengths), so gradients flow back through it.
"""
from collections import namedtuple

import numpy as np

from ... import functions as _functions
from ...creation import full, tensor
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence", "pad_packed_sequence",
           "pad_sequence", "unpack_sequence", "unpad_sequence"]


class PackedSequence(namedtuple("PackedSequence", "data batch_sizes sorted_indices unsorted_indices")):
    """(data, batch_sizes, sorted_indices, unsorted_indices), as made by pack_padded_sequence or pack_sequence;
    unsorted_indices defaults to the inverse of sorted_indices, and `PackedSequence((data, batch_sizes))` also
    works. Matches torch.nn.utils.rnn.PackedSequence (.to() converts data and moves the indices along with it;
    batch_sizes stays an int64 CPU tensor)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            data, batch_sizes = data
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = [None if t is None else t.to(data.device) for t in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *move)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def _cast(name):
        return lambda self: type(self)(getattr(self.data, name)(), *self[1:])

    float, double, half, long, int = map(_cast, ("float", "double", "half", "long", "int"))
    del _cast

    @property
    def is_cuda(self):
        return self.data.device.type == "cuda"


def invert_permutation(permutation):
    """The inverse of a 1-D index permutation (None stays None)."""
    if permutation is None:
        return None
    inv = np.empty(permutation.shape[0], dtype=np.int64)
    inv[np.asarray(permutation.tolist(), dtype=np.int64)] = np.arange(inv.shape[0])
    return tensor(inv, device=permutation.device)


def _gather(rows, index, shape, padding_value=None):
    """rows (R, *) taken at a host index array (-1 where padding_value goes), reshaped to shape + (*)."""
    if padding_value is not None:
        rows = _functions.cat([rows, full((1,) + tuple(rows.shape[1:]), padding_value, dtype=rows.dtype,
                                          device=rows.device)])
    out = rows[tensor(np.where(index < 0, rows.shape[0] - 1, index).reshape(-1), device=rows.device)]
    return out.reshape(tuple(shape) + tuple(rows.shape[1:]))


def _ints(values, what):
    v = np.asarray(values.tolist() if isinstance(values, Tensor) else values).astype(np.int64)
    if v.ndim != 1:
        raise RuntimeError(f"{what}: 'lengths' argument should be 1-D, got shape {v.shape}")
    return v


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch input (T, B, *) (or (B, T, *) with batch_first) of sequences with the given lengths
    (a list or a tensor). enforce_sorted=True requires decreasing lengths; False sorts them and records
    sorted_indices. Returns a PackedSequence. Matches torch.nn.utils.rnn.pack_padded_sequence, except that a
    length longer than T raises (torch reads past the end of the input).

    >>> import minigrad
    >>> pack_padded_sequence(minigrad.tensor([[1, 4], [2, 5], [3, 0]]), [3, 2]).batch_sizes
    tensor([2, 2, 1])
    """
    lengths = _ints(lengths, "pack_padded_sequence")
    if input.ndim < 2:
        raise IndexError(f"pack_padded_sequence: expected an input with at least 2 dimensions (T, B, *), got shape "
                         f"{tuple(input.shape)}")
    if input.numel() == 0:
        raise RuntimeError(f"pack_padded_sequence: cannot pack empty tensors (input shape {tuple(input.shape)})")
    T, B = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lengths.shape[0] != B:
        raise RuntimeError(f"pack_padded_sequence: expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={B})")
    if lengths.min() <= 0:
        raise RuntimeError("pack_padded_sequence: length of all samples has to be greater than 0, but found an "
                           f"element in 'lengths' that is <= 0: {lengths.tolist()}")
    if lengths.max() > T:
        raise RuntimeError(f"pack_padded_sequence: lengths {lengths.tolist()} exceed the input's sequence length "
                           f"{T} (input shape {tuple(input.shape)})")
    if enforce_sorted and (np.diff(lengths) > 0).any():
        raise RuntimeError(f"pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
                           f"`enforce_sorted` is True, got {lengths.tolist()}. You can pass `enforce_sorted=False` "
                           "to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not "
                           "need ONNX exportability.")
    order = np.arange(B) if enforce_sorted else np.argsort(-lengths, kind="stable")
    t, b = np.nonzero(np.arange(lengths.max())[:, None] < lengths[order][None, :])
    src = order[b]
    data = _gather(input.reshape((T * B,) + tuple(input.shape[2:])), src * T + t if batch_first else t * B + src,
                   (t.shape[0],))
    sorted_indices = None if enforce_sorted else tensor(order, device=input.device)
    return PackedSequence(data, tensor(np.bincount(t).astype(np.int64)), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: returns (padded (T, B, *) or (B, T, *), lengths), with the batch in
    its original order and T = total_length if given. Matches torch.nn.utils.rnn.pad_packed_sequence."""
    data, bs, _, unsorted = sequence
    bs = _ints(bs, "pad_packed_sequence")
    T = bs.shape[0]
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {T}")
        T = total_length
    B = int(bs[0])
    lengths = (bs[:, None] > np.arange(B)).sum(0)
    offsets = np.cumsum(bs) - bs  # where each step starts in data
    steps = np.arange(T)[:, None]
    pos = np.where(steps < lengths, offsets[np.minimum(steps, bs.shape[0] - 1)] + np.arange(B), -1)
    if unsorted is not None:
        perm = np.asarray(unsorted.tolist(), dtype=np.int64)
        pos, lengths = pos[:, perm], lengths[perm]
    if batch_first:
        pos = pos.T
    return _gather(data, pos, pos.shape, padding_value), tensor(lengths.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences (each (L_i, *)) into one (T, B, *) tensor (or (B, T, *) with batch_first), T = max L_i,
    filling with padding_value on the right (or the left). The dtype is the first sequence's, as torch.
    Matches torch.nn.utils.rnn.pad_sequence.

    >>> import minigrad
    >>> pad_sequence([minigrad.tensor([1, 2, 3]), minigrad.tensor([4])], batch_first=True)
    tensor([[1, 2, 3],
            [4, 0, 0]])
    """
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    if not hasattr(sequences, "__iter__"):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"pad_sequence: Expected padding_side to be one of left or right, but got {padding_side}.")
    shapes = [tuple(s.shape) for s in seqs]
    if any(len(s) == 0 or s[1:] != shapes[0][1:] for s in shapes):
        raise RuntimeError(f"pad_sequence: every sequence needs the shape (L, *) with the same trailing dimensions, "
                           f"got shapes {shapes}")
    lengths = np.array([s[0] for s in shapes], dtype=np.int64)
    T, dt = int(lengths.max()), seqs[0].dtype
    start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    shift = (T - lengths) if padding_side == "left" else 0
    steps = np.arange(T)[:, None] - shift
    pos = np.where((steps >= 0) & (steps < lengths), start + steps, -1)
    rows = _functions.cat([s if s.dtype == dt else s.to(dt) for s in seqs])
    pos = pos.T if batch_first else pos
    return _gather(rows, pos, pos.shape, padding_value)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded (T, B, *) (or (B, T, *)) batch back into B tensors of their lengths. Matches
    torch.nn.utils.rnn.unpad_sequence, except that the input is not transposed in place (torch's is when
    batch_first=False)."""
    lengths = _ints(lengths, "unpad_sequence")
    B = padded_sequences.shape[0 if batch_first else 1]
    if lengths.shape[0] != B:
        raise ValueError(f"unpad_sequence: got {lengths.shape[0]} lengths for a batch of {B} (padded shape "
                         f"{tuple(padded_sequences.shape)})")
    return [padded_sequences[i, :n] if batch_first else padded_sequences[:n, i] for i, n in enumerate(lengths.tolist())]


def pack_sequence(sequences, enforce_sorted=True):
    """pad_sequence then pack_padded_sequence. Matches torch.nn.utils.rnn.pack_sequence."""
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences in a PackedSequence, in their original order. Matches
    torch.nn.utils.rnn.unpack_sequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
