"""Recurrent, attention, transformer and embedding layers against torch: argument forms that torch accepts and
minigrad once refused or got wrong, and bad inputs that torch refuses (found by differential testing)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

rng = np.random.default_rng(16)
W = rng.standard_normal((10, 3)) * 2
IDX = np.array([[1, 2, 0], [9, 0, 1]])


def _close(got, want, tol=1e-10):
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else want
    got = got.detach().numpy() if isinstance(got, mg.Tensor) else got
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def _embedding_both(dtype, **kw):
    """output, the weight after the call and its gradient under a fixed upstream gradient, for torch and minigrad"""
    res = []
    g = np.cos(np.arange(IDX.size * 3.0)).reshape(IDX.shape + (3,)).astype(dtype)
    for lib in (torch, mg):
        e = lib.nn.Embedding.from_pretrained(lib.tensor(W.astype(dtype)), freeze=False, **kw)
        out = e(lib.tensor(IDX))
        (out * lib.tensor(g)).sum().backward()
        res.append((out, e.weight, e.weight.grad, repr(e)))
    return res


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [{"max_norm": 1.0}, {"max_norm": 0.5, "norm_type": 1.0},
                                {"max_norm": 1.0, "norm_type": float("inf")}, {"scale_grad_by_freq": True},
                                {"scale_grad_by_freq": True, "padding_idx": 1},
                                {"max_norm": 1.5, "scale_grad_by_freq": True, "padding_idx": 0}])
def test_embedding_max_norm_and_scale_grad_by_freq_match_torch(kw, dtype):
    (t_out, t_w, t_g, t_repr), (m_out, m_w, m_g, m_repr) = _embedding_both(dtype, **kw)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for got, want in ((m_out, t_out), (m_w, t_w), (m_g, t_g)):
        _close(got, want, tol)
    assert m_repr == t_repr


def test_embedding_max_norm_renorms_in_place_and_bumps_the_version():
    for lib in (torch, mg):
        w = lib.tensor(W, requires_grad=True)
        y = (w * w).sum()
        lib.nn.functional.embedding(lib.tensor(IDX), w, max_norm=1.0)
        np.testing.assert_allclose(np.linalg.norm(w.detach().numpy()[[0, 1, 2, 9]], axis=1), 1.0, rtol=1e-6)
        with pytest.raises(RuntimeError, match="in-?place"):
            y.backward()


def test_embedding_refuses_what_torch_refuses():
    w, i = mg.tensor(W, requires_grad=True), mg.tensor(IDX)
    for pad in (10, -11):  # -11 once wrapped to row 9, which then silently got no gradient
        with pytest.raises(AssertionError, match=f"embedding: padding_idx {pad} must be within num_embeddings"):
            F.embedding(i, w, padding_idx=pad)
    with pytest.raises(RuntimeError, match=r"embedding: 'weight' must be 2-D, got shape \(10,\)"):
        F.embedding(i, mg.tensor(W[:, 0].copy()))
    with pytest.raises(RuntimeError, match="embedding: expected an int32 or int64 index tensor, got dtype uint8"):
        F.embedding(mg.tensor(IDX.astype(np.uint8)), w)
    with pytest.raises(AssertionError, match=r"from_pretrained: embeddings must be 2-D, got shape \(10,\)"):
        nn.Embedding.from_pretrained(mg.tensor(W[:, 0].copy()))


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_recurrent_bad_states_and_empty_sequences_raise_clearly(cls):
    m = getattr(nn, cls)(3, 4)
    lstm = cls == "LSTM"

    def states(*shape):
        h = mg.zeros(*shape)
        return (h, h) if lstm else h

    with pytest.raises(RuntimeError, match=rf"{cls}: for a 2-D input of shape \(5, 3\) the states should also be "
                                           r"2-D, got shape \(1, 1, 4\)"):
        m(mg.zeros(5, 3), states(1, 1, 4))
    with pytest.raises(RuntimeError, match=rf"{cls}: for a 3-D input .* should also be 3-D, got shape \(1, 4\)"):
        m(mg.zeros(5, 1, 3), states(1, 4))
    with pytest.raises(RuntimeError, match=rf"{cls}: expected a sequence length larger than 0"):
        m(mg.zeros(0, 2, 3))
    with pytest.raises(RuntimeError, match=rf"{cls}: expected a sequence length larger than 0"):
        getattr(nn, cls)(3, 4, batch_first=True)(mg.zeros(2, 0, 3))


@pytest.mark.parametrize("bias", [True, False])
def test_recurrent_flatten_parameters_and_all_weights_as_torch(bias):
    t, m = torch.nn.LSTM(3, 4, 2, bias=bias, bidirectional=True), nn.LSTM(3, 4, 2, bias=bias, bidirectional=True)
    m.flatten_parameters()  # torch code calls it after .to(device); a no-op here
    assert [[tuple(p.shape) for p in ps] for ps in m.all_weights] == \
        [[tuple(p.shape) for p in ps] for ps in t.all_weights]
    assert m.all_weights[3][1] is m.weight_hh_l1_reverse


def test_multihead_attention_bad_inputs_name_the_shapes():
    m = nn.MultiheadAttention(8, 2)
    q, k = mg.zeros(4, 3, 8), mg.zeros(5, 3, 8)
    bad = [((q, k, mg.zeros(6, 3, 8)), {}, r"query \(4, 3, 8\), key \(5, 3, 8\) and value \(6, 3, 8\) do not fit"),
           ((q, mg.zeros(5, 2, 8), mg.zeros(5, 2, 8)), {}, "do not fit"),
           ((q, mg.zeros(5, 8), mg.zeros(5, 8)), {}, "do not fit"),
           ((q, mg.zeros(5, 3, 9), mg.zeros(5, 3, 9)), {}, "should have feature sizes kdim=8 and vdim=8"),
           ((q, k, k), {"attn_mask": mg.zeros(4, 5, dtype=mg.int64)}, "only bool and floating attn_mask"),
           ((q, k, k), {"key_padding_mask": mg.zeros(3, 5, dtype=mg.int64)}, "only bool and floating key_padding"),
           ((q, q, q), {"is_causal": True}, "is_causal needs the causal attn_mask")]
    for args, kw, msg in bad:
        with pytest.raises(RuntimeError, match=f"multi_head_attention_forward: .*{msg}"):
            m(*args, **kw)


@pytest.mark.parametrize("shapes", [((2, 4, 5, 8), (2, 2, 6, 8), (2, 2, 6, 3)), ((2, 6, 5, 8), (2, 3, 6, 8),
                                                                                    (2, 1, 6, 3)),
                                    ((4, 5, 8), (2, 6, 8), (2, 6, 3))])
def test_sdpa_enable_gqa_matches_torch(shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    g = rng.standard_normal(shapes[0][:-1] + (3,))
    res = []
    for lib in (torch, mg):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.nn.functional.scaled_dot_product_attention(*ts, is_causal=True, enable_gqa=True)
        (out * lib.tensor(g)).sum().backward()
        res.append([out] + [t.grad for t in ts])
    for got, want in zip(*res[::-1]):
        _close(got, want)


def test_sdpa_refuses_what_torch_refuses():
    q = mg.zeros(2, 4, 8)
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention: only bool and floating attn_mask"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mg.zeros(4, 4, dtype=mg.int64))
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: query \(8,\), .* at least 2 dim"):
        F.scaled_dot_product_attention(mg.zeros(8), mg.zeros(8), mg.zeros(8))
    with pytest.raises(RuntimeError, match=r"number of heads in key and value \(2\) must divide .* query \(3\)"):
        F.scaled_dot_product_attention(mg.zeros(1, 3, 4, 8), mg.zeros(1, 2, 4, 8), mg.zeros(1, 2, 4, 8),
                                       enable_gqa=True)


def _run_both(tm, mm, arrays, call, train=True):
    """outputs and gradients (inputs and parameters) of torch module tm and minigrad module mm with tm's weights"""
    tm, mm = tm.double(), mm.double()
    mm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    tm.train(train)
    mm.train(train)
    res = []
    for lib, mod in ((torch, tm), (mg, mm)):
        ts = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
        out = call(lib, mod, *ts)
        (out * lib.tensor(np.sin(np.arange(out.numel())).reshape(tuple(out.shape)))).sum().backward()
        res.append([out] + [t.grad for t in ts if t.requires_grad] + [p.grad for _, p in mod.named_parameters()])
    assert list(tm.state_dict()) == list(mm.state_dict())
    for got, want in zip(res[1], res[0]):
        _close(got, want, 1e-9)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_decoder_layer_and_stack_match_torch(norm_first, batch_first):
    from minigrad.nn.transformer import TransformerDecoder, TransformerDecoderLayer

    kw = {"dim_feedforward": 16, "dropout": 0.0, "norm_first": norm_first, "batch_first": batch_first,
          "activation": "gelu"}
    tgt, mem = rng.standard_normal((3, 4, 8)), rng.standard_normal((3, 6, 8))
    if not batch_first:
        tgt, mem = tgt.transpose(1, 0, 2).copy(), mem.transpose(1, 0, 2).copy()
    tgt_mask, mem_pad = np.triu(np.ones((4, 4), bool), 1), np.array([[False] * 5 + [True]] * 3)

    def call(lib, mod, t, m):
        return mod(t, m, tgt_mask=lib.tensor(tgt_mask), memory_key_padding_mask=lib.tensor(mem_pad))

    _run_both(torch.nn.TransformerDecoderLayer(8, 2, **kw), TransformerDecoderLayer(8, 2, **kw), [tgt, mem], call)
    _run_both(torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, **kw), 2, torch.nn.LayerNorm(8)),
              TransformerDecoder(TransformerDecoderLayer(8, 2, **kw), 2, nn.LayerNorm(8)), [tgt, mem], call)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    from minigrad.nn.transformer import Transformer

    src, tgt = rng.standard_normal((2, 6, 8)), rng.standard_normal((2, 4, 8))
    if not batch_first:
        src, tgt = src.transpose(1, 0, 2).copy(), tgt.transpose(1, 0, 2).copy()
    src_pad = np.array([[False] * 6, [False] * 4 + [True] * 2])

    def call(lib, mod, s, t):
        mask = type(mod).generate_square_subsequent_mask(4, dtype=s.dtype)
        return mod(s, t, tgt_mask=mask, src_key_padding_mask=lib.tensor(src_pad),
                   memory_key_padding_mask=lib.tensor(src_pad), tgt_is_causal=True)

    kw = {"dim_feedforward": 16, "dropout": 0.0, "batch_first": batch_first}
    _run_both(torch.nn.Transformer(8, 2, 2, 2, **kw), Transformer(8, 2, 2, 2, **kw), [src, tgt], call)
    _close(Transformer.generate_square_subsequent_mask(3), torch.nn.Transformer.generate_square_subsequent_mask(3))
    with pytest.raises(RuntimeError, match=r"Transformer: the batch sizes of src \(6, 2, 8\) and tgt \(4, 3, 8\)"):
        Transformer(8, 2, 1, 1, 16)(mg.zeros(6, 2, 8), mg.zeros(4, 3, 8))


@pytest.mark.parametrize("kw", [{}, {"num_layers": 2, "bidirectional": True}, {"batch_first": True, "bias": False}])
def test_lstm_proj_size_matches_torch(kw):
    x = rng.standard_normal((2, 4, 3) if kw.get("batch_first") else (4, 2, 3))
    h0, c0 = rng.standard_normal((1, 2, 2)), rng.standard_normal((1, 2, 5))
    if kw.get("num_layers"):
        h0, c0 = rng.standard_normal((4, 2, 2)), rng.standard_normal((4, 2, 5))

    def call(lib, mod, x, h, c):
        out, (h_n, c_n) = mod(x, (h, c))
        return lib.cat([out.reshape(-1), h_n.reshape(-1), c_n.reshape(-1)])

    tm, mm = torch.nn.LSTM(3, 5, proj_size=2, **kw), nn.LSTM(3, 5, proj_size=2, **kw)
    _run_both(tm, mm, [x, h0, c0], call)
    assert repr(mm) == repr(tm)
    with pytest.raises(RuntimeError, match=r"LSTM: expected hidden state of shape \(1, 2, 2\), got \(1, 2, 5\)"):
        nn.LSTM(3, 5, proj_size=2)(mg.zeros(4, 2, 3), (mg.zeros(1, 2, 5), mg.zeros(1, 2, 5)))
    with pytest.raises(ValueError, match=r"proj_size \(5\) must be positive and smaller than hidden_size \(5\)"):
        nn.LSTM(3, 5, proj_size=5)
