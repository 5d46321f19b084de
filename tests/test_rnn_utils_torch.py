"""nn.utils.rnn (padding and packing variable-length sequences) and the recurrent layers on a PackedSequence,
compared with torch: values, gradients with a random upstream gradient, and the errors torch raises."""
import contextlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.nn.utils import rnn as TR

import minigrad as mg
import minigrad.nn.utils.rnn as R

LENGTHS = [[4, 3, 1], [1, 4, 2], [3, 3, 3], [1], [2, 1, 1, 3]]  # sorted, unsorted, equal, one step, ties


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(got, want, tol=1e-12):
    got, want = _np(got), _np(want)
    assert got.shape == want.shape and str(got.dtype) == str(want.dtype), (got.shape, got.dtype, want.shape, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _same_packed(m, t):
    for a, b in zip(m, t):
        assert (a is None) == (b is None)
        if a is not None:
            _close(a, b)


@pytest.mark.parametrize("lengths", LENGTHS)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pack_and_pad_packed_sequence_match_torch(lengths, batch_first, trailing):
    rng = np.random.default_rng(0)
    T, B = max(lengths), len(lengths)
    x = rng.standard_normal(((B, T) if batch_first else (T, B)) + trailing)
    upstream = rng.standard_normal(((B, T + 1) if batch_first else (T + 1, B)) + trailing)
    sorted_ = lengths == sorted(lengths, reverse=True)
    res = []
    for lib, RR in ((mg, R), (torch, TR)):
        xt = lib.tensor(x, requires_grad=True)
        packed = RR.pack_padded_sequence(xt, lib.tensor(lengths), batch_first=batch_first, enforce_sorted=sorted_)
        padded, lens = RR.pad_packed_sequence(packed, batch_first=batch_first, padding_value=-2.5, total_length=T + 1)
        (padded * lib.tensor(upstream)).sum().backward()
        res.append((packed, padded, lens, xt.grad))
    (mp, *m), (tp, *t) = res
    _same_packed(mp, tp)
    for a, b in zip(m, t):
        _close(a, b)


@pytest.mark.parametrize("dtype", ["int64", "float32"])
def test_pack_padded_sequence_keeps_the_dtype_as_torch(dtype):
    x = np.arange(12).reshape(4, 3).astype(dtype)
    m = R.pad_packed_sequence(R.pack_padded_sequence(mg.tensor(x), [4, 2, 1]), padding_value=1.7)[0]
    t = TR.pad_packed_sequence(TR.pack_padded_sequence(torch.tensor(x), [4, 2, 1]), padding_value=1.7)[0]
    _close(m, t)


@pytest.mark.parametrize("lengths,match", [([2, 4, 3], "sorted in decreasing order"), ([4, 3, 0], "greater than 0"),
                                           ([4, 3], "batch_size=3"), ([[4, 3, 1]], "1-D")])
def test_pack_padded_sequence_refuses_what_torch_refuses(lengths, match):
    x = np.zeros((4, 3, 2))
    with pytest.raises(RuntimeError):
        TR.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths))
    with pytest.raises(RuntimeError, match=f"pack_padded_sequence.*{match}"):
        R.pack_padded_sequence(mg.tensor(x), mg.tensor(lengths))


def test_pack_padded_sequence_refuses_empty_inputs_and_lengths_past_the_input():
    with pytest.raises(RuntimeError, match="Cannot pack empty tensors"):
        TR.pack_padded_sequence(torch.zeros(0, 2, 2), [1, 1])
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: cannot pack empty tensors .* \(0, 2, 2\)"):
        R.pack_padded_sequence(mg.zeros(0, 2, 2), [1, 1])
    # NOTE: torch packs whatever memory lies past the input here; minigrad refuses
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: lengths \[5, 3, 1\] exceed .* 4"):
        R.pack_padded_sequence(mg.zeros(4, 3, 2), [5, 3, 1])


def test_pad_packed_sequence_total_length_too_short_raises_as_torch():
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        R.pad_packed_sequence(R.pack_sequence([mg.zeros(3, 2), mg.zeros(1, 2)]), total_length=2)


@pytest.mark.parametrize("lengths", [[3, 2, 1], [1, 3, 0], [2], [0, 0]])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_pad_sequence_matches_torch(lengths, batch_first, side, dtype):
    rng = np.random.default_rng(1)
    arrays = [(rng.standard_normal((n, 2)) * 5).astype(dtype) for n in lengths]
    grad = dtype == "float64"
    upstream = rng.standard_normal((len(lengths), max(lengths), 2) if batch_first else (max(lengths), len(lengths), 2))
    res = []
    for lib, RR in ((mg, R), (torch, TR)):
        xs = [lib.tensor(a, requires_grad=grad) for a in arrays]
        out = RR.pad_sequence(xs, batch_first=batch_first, padding_value=2.5, padding_side=side)
        if grad and out.numel():
            (out * lib.tensor(upstream)).sum().backward()
        res.append((out, [x.grad if grad and x.numel() else None for x in xs]))
    (m, mg_grads), (t, t_grads) = res
    _close(m, t)
    for a, b in zip(mg_grads, t_grads):
        if b is not None:
            _close(a, b)


def test_pad_sequence_takes_a_tensor_and_the_first_dtype_as_torch():
    x = np.arange(12.0).reshape(3, 2, 2)
    _close(R.pad_sequence(mg.tensor(x)), TR.pad_sequence(torch.tensor(x)))
    seqs = [np.ones((2, 2), np.float32), np.ones((3, 2))]
    _close(R.pad_sequence([mg.tensor(a) for a in seqs]), TR.pad_sequence([torch.tensor(a) for a in seqs]))


@pytest.mark.parametrize("seqs,kw,match", [([], {}, "empty list"), ([np.zeros((3, 2)), np.zeros((2, 3))], {},
                                                                    r"\(3, 2\), \(2, 3\)"),
                                           ([np.zeros((1, 2))], {"padding_side": "middle"}, "left or right")])
def test_pad_sequence_refuses_what_torch_refuses(seqs, kw, match):
    with pytest.raises(RuntimeError):
        TR.pad_sequence([torch.tensor(a) for a in seqs], **kw)
    with pytest.raises(RuntimeError, match=f"pad_sequence.*{match}"):
        R.pad_sequence([mg.tensor(a) for a in seqs], **kw)


@pytest.mark.parametrize("lengths", [[3, 2, 1], [1, 3, 2], [2, 2]])
def test_pack_sequence_unpack_and_unpad_match_torch(lengths):
    arrays = [np.random.default_rng(2).standard_normal((n, 2)) for n in lengths]
    sorted_ = lengths == sorted(lengths, reverse=True)
    with pytest.raises(RuntimeError) if not sorted_ else contextlib.nullcontext():
        R.pack_sequence([mg.tensor(a) for a in arrays])
    pm = R.pack_sequence([mg.tensor(a) for a in arrays], enforce_sorted=False)
    pt = TR.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=False)
    _same_packed(pm, pt)
    for a, b in zip(R.unpack_sequence(pm), TR.unpack_sequence(pt)):
        _close(a, b)
    padded = np.random.default_rng(3).standard_normal((max(lengths), len(lengths), 2))
    for a, b in zip(R.unpad_sequence(mg.tensor(padded), mg.tensor(lengths)),
                    TR.unpad_sequence(torch.tensor(padded), torch.tensor(lengths))):
        _close(a, b)


def test_packed_sequence_is_a_namedtuple_with_to_as_torch():
    p = R.PackedSequence(mg.zeros(3, 2), mg.tensor([2, 1]), mg.tensor([1, 0]))
    data, batch_sizes, _, unsorted_indices = p
    assert unsorted_indices.tolist() == [1, 0] and p._fields == TR.PackedSequence._fields
    assert R.PackedSequence((data, batch_sizes)).sorted_indices is None
    assert p.to(mg.float32) is p and p.to(mg.float64).data.dtype == mg.float64 and p.double().data.dtype == mg.float64
    assert p.to(mg.float64).batch_sizes is batch_sizes and not p.is_cuda
    assert R.invert_permutation(mg.tensor([2, 0, 1])).tolist() == TR.invert_permutation(torch.tensor([2, 0, 1])).tolist()


def _recurrent_both(cls, kw, lengths, use_hx, batch_first, seed=0):
    rng = np.random.default_rng(seed)
    T, B, I, H = max(lengths), len(lengths), 3, 4
    tm = getattr(torch.nn, cls)(I, H, batch_first=batch_first, **kw).double()
    mm = getattr(mg.nn, cls)(I, H, batch_first=batch_first, **kw).double()
    mm.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    D = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    P = kw.get("proj_size") or H
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I))
    states = [rng.standard_normal((D, B, P)), rng.standard_normal((D, B, H))][:2 if cls == "LSTM" else 1]
    up_out = rng.standard_normal((B, T, D // kw.get("num_layers", 1) * P) if batch_first else (T, B, D // kw.get(
        "num_layers", 1) * P))
    up_states = [rng.standard_normal(s.shape) for s in states]
    res = []
    for lib, RR, mod in ((mg, R, mm), (torch, TR, tm)):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(s, requires_grad=True) for s in states]
        hx = None if not use_hx else (tuple(st) if cls == "LSTM" else st[0])
        packed = RR.pack_padded_sequence(xt, lengths, batch_first=batch_first, enforce_sorted=False)
        out, hn = mod(packed, hx)
        assert isinstance(out, RR.PackedSequence)
        padded, _ = RR.pad_packed_sequence(out, batch_first=batch_first)
        hn = list(hn) if cls == "LSTM" else [hn]
        loss = (padded * lib.tensor(up_out)).sum() + sum((h * lib.tensor(u)).sum() for h, u in zip(hn, up_states))
        loss.backward()
        grads = [xt.grad] + [s.grad for s in st if use_hx] + [p.grad for _, p in sorted(mod.named_parameters())]
        res.append([padded, *hn, *grads])
    for a, b in zip(*res):
        _close(a, b, 1e-10)


@pytest.mark.parametrize("cls,kw", [("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}), ("GRU", {}),
                                    ("LSTM", {}), ("LSTM", {"proj_size": 2}),
                                    ("GRU", {"num_layers": 2, "bidirectional": True}),
                                    ("LSTM", {"num_layers": 2, "bidirectional": True})])
@pytest.mark.parametrize("lengths", LENGTHS)
def test_recurrent_layers_on_packed_sequences_match_torch(cls, kw, lengths):
    _recurrent_both(cls, kw, lengths, use_hx=False, batch_first=False)


@pytest.mark.parametrize("cls,kw", [("RNN", {"bidirectional": True}), ("GRU", {"num_layers": 2}),
                                    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 3})])
@pytest.mark.parametrize("lengths", [[4, 3, 1], [1, 4, 2]])
def test_recurrent_layers_on_packed_sequences_with_states_match_torch(cls, kw, lengths):
    _recurrent_both(cls, kw, lengths, use_hx=True, batch_first=True, seed=1)


def test_recurrent_layers_on_packed_sequences_refuse_bad_inputs():
    lstm = mg.nn.LSTM(2, 3)
    packed = R.pack_sequence([mg.zeros(3, 2), mg.zeros(2, 2)])
    with pytest.raises(RuntimeError, match=r"LSTM: expected hidden state of shape \(1, 2, 3\), got \(1, 3, 3\)"):
        lstm(packed, (mg.zeros(1, 3, 3), mg.zeros(1, 3, 3)))
    with pytest.raises(RuntimeError, match=r"LSTM: a PackedSequence's data should be 2D .* \(3, 1, 2\)"):
        lstm(R.PackedSequence(mg.zeros(3, 1, 2), mg.tensor([2, 1])))
    with pytest.raises(RuntimeError, match="LSTM: .* feature size 5, expected input_size=2"):
        lstm(R.pack_sequence([mg.zeros(3, 5)]))
