"""scaled_dot_product_attention, MultiheadAttention (masks, batch_first, kdim/vdim) and the Transformer encoder
against torch."""
import numpy as np
import pytest
import torch
from layers_helpers import check_module, close

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

DTYPES = [np.float32, np.float64]
rng = np.random.default_rng(3)
L, S, N, E, H = 4, 5, 2, 8, 2


def _kpm():
    m = np.zeros((N, S), dtype=bool)
    m[0, -2:] = True
    m[1, 0] = True
    return m


def _attn_mask_bool():
    m = np.zeros((L, S), dtype=bool)
    m[1, 2] = m[3, 0] = True
    return m


MHA = [  # kwargs, forward kwargs (numpy arrays), self-attention
    ({}, {}, True),
    ({"batch_first": True}, {"key_padding_mask": _kpm()}, False),
    ({}, {"attn_mask": _attn_mask_bool(), "key_padding_mask": _kpm()}, False),
    ({"bias": False}, {"attn_mask": rng.standard_normal((L, S)), "need_weights": False}, False),
    ({}, {"attn_mask": rng.standard_normal((N * H, L, S)), "average_attn_weights": False}, False),
    ({"kdim": 3, "vdim": 6, "batch_first": True}, {"key_padding_mask": _kpm()}, False),
    ({"batch_first": True}, {"attn_mask": np.triu(np.ones((L, L), dtype=bool), 1)}, True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", MHA)
def test_multihead_attention_matches_torch(cfg, dtype):
    kw, fkw, self_attn = cfg
    bf = kw.get("batch_first", False)
    kdim, vdim = kw.get("kdim", E), kw.get("vdim", E)

    def shape(n, d):
        return (N, n, d) if bf else (n, N, d)

    keys = list(fkw)
    opts = {k: v for k, v in fkw.items() if not isinstance(v, np.ndarray)}
    masks = [k for k in keys if isinstance(fkw[k], np.ndarray)]
    if self_attn:
        x = rng.standard_normal(shape(L, E))

        def call(m, x, *ms):
            return m(x, x, x, **dict(zip(masks, ms)), **opts)

        inputs = [x] + [fkw[k] for k in masks]
    else:
        def call(m, q, k, v, *ms):
            return m(q, k, v, **dict(zip(masks, ms)), **opts)

        inputs = [rng.standard_normal(shape(L, E)), rng.standard_normal(shape(S, kdim)),
                  rng.standard_normal(shape(S, vdim))] + [fkw[k] for k in masks]
    check_module(torch.nn.MultiheadAttention(E, H, **kw), nn.MultiheadAttention(E, H, **kw), inputs, dtype,
                 call=call, grad_inputs=True)


def test_multihead_attention_unbatched():
    x = rng.standard_normal((L, E))
    check_module(torch.nn.MultiheadAttention(E, H), nn.MultiheadAttention(E, H), [x], np.float64,
                 call=lambda m, x: m(x, x, x))


def test_multihead_attention_errors():
    with pytest.raises(AssertionError, match=r"MultiheadAttention: embed_dim \(10\) must be divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(8, 2)
    x = mg.zeros(4, 2, 8)
    with pytest.raises(RuntimeError, match=r"key_padding_mask should have shape \(2, 4\), got \(4, 2\)"):
        m(x, x, x, key_padding_mask=mg.zeros(4, 2, dtype=mg.bool))
    with pytest.raises(RuntimeError, match=r"a 2-d attn_mask should have shape \(4, 4\), got \(3, 4\)"):
        m(x, x, x, attn_mask=mg.zeros(3, 4))
    with pytest.raises(RuntimeError, match=r"query of shape \(4, 2, 6\) has embedding dimension 6, expected 8"):
        m(mg.zeros(4, 2, 6), x, x)


SDPA = [  # q, k, v shapes, kwargs
    ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {}),
    ((2, 5, 8), (2, 5, 8), (2, 5, 8), {"is_causal": True}),
    ((2, 4, 8), (2, 6, 8), (2, 6, 3), {"attn_mask": "bool"}),
    ((2, 4, 8), (2, 6, 8), (2, 6, 3), {"attn_mask": "float", "scale": 0.3}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", SDPA)
def test_scaled_dot_product_attention_matches_torch(cfg, dtype):
    qs, ks, vs, kw = cfg
    arrays = [rng.standard_normal(s).astype(dtype) for s in (qs, ks, vs)]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    mt = [mg.tensor(a, requires_grad=True) for a in arrays]
    tkw, mkw = dict(kw), dict(kw)
    if kw.get("attn_mask") == "bool":
        m = rng.random((qs[-2], ks[-2])) > 0.3
        m[:, 0] = True  # every query sees a key
        tkw["attn_mask"], mkw["attn_mask"] = torch.tensor(m), mg.tensor(m)
    elif kw.get("attn_mask") == "float":
        m = rng.standard_normal((qs[-2], ks[-2])).astype(dtype)
        tkw["attn_mask"], mkw["attn_mask"] = torch.tensor(m), mg.tensor(m)
    tout = torch.nn.functional.scaled_dot_product_attention(*tt, **tkw)
    mout = F.scaled_dot_product_attention(*mt, **mkw)
    close("sdpa", mout, tout, dtype)
    g = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    tout.backward(torch.tensor(g))
    mout.backward(mg.tensor(g))
    for name, m, t in zip("qkv", mt, tt):
        close(f"{name} grad", m.grad, t.grad, dtype, scale=float(t.grad.abs().max()))


ENCODER = [
    {},
    {"norm_first": True, "activation": "gelu"},
    {"batch_first": True, "activation": "gelu"},
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", ENCODER)
def test_transformer_encoder_layer_matches_torch(kw, dtype):
    bf = kw.get("batch_first", False)
    x = rng.standard_normal((N, S, E) if bf else (S, N, E))
    check_module(torch.nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, **kw),
                 nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, **kw), [x, _kpm()], dtype,
                 call=lambda m, x, kpm: m(x, src_key_padding_mask=kpm))


@pytest.mark.parametrize("dtype", DTYPES)
def test_transformer_encoder_with_norm_and_causal_mask_matches_torch(dtype):
    def build(lib):
        layer = lib.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True, norm_first=True,
                                            activation="gelu")
        return lib.TransformerEncoder(layer, 2, norm=lib.LayerNorm(E), enable_nested_tensor=False)

    mask = np.triu(np.full((S, S), -np.inf), 1)
    check_module(build(torch.nn), build(nn), [rng.standard_normal((N, S, E)), mask], dtype,
                 call=lambda m, x, mask: m(x, mask=mask), const=(1,))
