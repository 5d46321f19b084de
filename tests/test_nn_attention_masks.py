"""Attention rows whose keys are all masked out, against torch: scaled_dot_product_attention (and so
MultiheadAttention with need_weights=False and the Transformer encoder) gives them 0 and a zero gradient, where
MultiheadAttention with need_weights=True gives NaN, in both libraries."""
import warnings

import numpy as np
import pytest
import torch
from layers_helpers import check_module, close

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

DTYPES = [np.float32, np.float64]
rng = np.random.default_rng(11)
L, S, N, E, H = 3, 4, 2, 8, 2


def _dead_row_masks():
    """A bool mask (True = may attend) and the equivalent float mask with row 1 fully masked."""
    keep = rng.random((L, S)) > 0.3
    keep[:, 0] = True
    keep[1] = False
    return keep, np.where(keep, 0.0, -np.inf)


def _padding_mask():
    """Every key of sequence 1 is padding; sequence 0 pads its last key."""
    m = np.zeros((N, S), dtype=bool)
    m[0, -1] = True
    m[1] = True
    return m


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_row_is_zero_with_zero_gradient_as_torch(kind, dtype):
    keep, additive = _dead_row_masks()
    mask = keep if kind == "bool" else additive.astype(dtype)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((N, H, L, E), (N, H, S, E), (N, H, S, E))]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    mt = [mg.tensor(a, requires_grad=True) for a in arrays]
    tout = torch.nn.functional.scaled_dot_product_attention(*tt, attn_mask=torch.tensor(mask))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch does not warn about the masked rows, and neither should minigrad
        mout = F.scaled_dot_product_attention(*mt, attn_mask=mg.tensor(mask))
    assert np.all(mout.numpy()[:, :, 1] == 0)
    close("sdpa", mout, tout, dtype)
    g = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    tout.backward(torch.tensor(g))
    mout.backward(mg.tensor(g))
    for name, m, t in zip("qkv", mt, tt):
        assert np.isfinite(m.grad.numpy()).all(), f"{name} grad"
        close(f"{name} grad", m.grad, t.grad, dtype, scale=float(t.grad.abs().max()))


def test_sdpa_nan_scores_stay_nan_as_torch():
    # only rows that are all -inf become 0; a NaN score is NaN in torch too
    q, k = np.ones((1, 3, 3)), np.ones((1, 2, 3))
    q[0, 0, 0] = np.nan
    keep = np.array([[True, True], [False, False], [True, False]])
    want = torch.nn.functional.scaled_dot_product_attention(torch.tensor(q), *(torch.tensor(k),) * 2,
                                                            attn_mask=torch.tensor(keep))
    got = F.scaled_dot_product_attention(mg.tensor(q), *(mg.tensor(k),) * 2, attn_mask=mg.tensor(keep))
    close("sdpa", got, want, np.float64)
    out = got.numpy()[0]
    assert np.isnan(out[0]).all() and (out[1] == 0).all() and np.isfinite(out[2]).all()
    # a NaN key reaches a row even where the mask blocks it (-inf + NaN is NaN): torch adds its masks
    k[0, 1, 0] = np.nan
    want = torch.nn.functional.scaled_dot_product_attention(torch.tensor(q), *(torch.tensor(k),) * 2,
                                                            attn_mask=torch.tensor(keep))
    got = F.scaled_dot_product_attention(mg.tensor(q), *(mg.tensor(k),) * 2, attn_mask=mg.tensor(keep))
    close("sdpa, NaN key", got, want, np.float64)
    assert np.isnan(got.numpy()).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("masks", ["padding", "attn_mask", "both", "float padding"])
def test_multihead_attention_fully_masked_query_matches_torch(masks, need_weights, dtype):
    # need_weights=False runs torch's scaled_dot_product_attention (0 there), need_weights=True a plain softmax
    # (NaN there, and in the gradients): minigrad follows both
    keep, _ = _dead_row_masks()
    kpm = _padding_mask() if masks != "attn_mask" else np.zeros((N, S), dtype=bool)
    kpm[0, 0] = masks == "both"  # with the attn_mask below, query 0 of sequence 0 sees no key
    am = np.zeros((L, S), dtype=bool)
    if masks in ("attn_mask", "both"):
        am = ~keep
        am[0, 1:] = masks == "both"
    if masks == "float padding":
        kpm = np.where(kpm, -np.inf, 0.0)
    x, kv = rng.standard_normal((N, L, E)), rng.standard_normal((N, S, E))
    tm, mm = torch.nn.MultiheadAttention(E, H, batch_first=True), nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():  # nonzero biases: a zero row of attention is then visible in the output
        tm.in_proj_bias.normal_()
        tm.out_proj.bias.normal_()
    check_module(tm, mm, [x, kv, am, kpm], dtype, const=(3,),
                 call=lambda m, x, kv, am, kpm: m(x, kv, kv, key_padding_mask=kpm, attn_mask=am,
                                                  need_weights=need_weights))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_with_a_fully_padded_sequence_matches_torch(norm_first, dtype):
    # torch's training path (the one that computes gradients) stays finite: scaled_dot_product_attention
    x = rng.standard_normal((N, S, E))
    check_module(torch.nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True, norm_first=norm_first),
                 nn.TransformerEncoderLayer(E, H, 16, dropout=0.0, batch_first=True, norm_first=norm_first),
                 [x, _padding_mask()], dtype, call=lambda m, x, kpm: m(x, src_key_padding_mask=kpm))


def test_fully_masked_rows_differentiate_twice():
    # the zeroed output is what backward saves, so create_graph sees the same zero rows
    keep, _ = _dead_row_masks()
    arrays = [rng.standard_normal((L, E)), rng.standard_normal((S, E))]
    mq, mk = (mg.tensor(a, requires_grad=True) for a in arrays)
    tq, tk = (torch.tensor(a, requires_grad=True) for a in arrays)
    got = F.scaled_dot_product_attention(mq, mk, mk * 2, attn_mask=mg.tensor(keep))
    want = torch.nn.functional.scaled_dot_product_attention(tq, tk, tk * 2, attn_mask=torch.tensor(keep))
    (g,) = mg.autograd.grad((got ** 2).sum(), mq, create_graph=True)
    (tg,) = torch.autograd.grad((want ** 2).sum(), tq, create_graph=True)
    close("grad", g, tg, np.float64)
    (g ** 2).sum().backward()
    (tg ** 2).sum().backward()
    close("second-order grad", mk.grad, tk.grad, np.float64, scale=float(tk.grad.abs().max()))


def test_masked_attention_still_exports_to_onnx_and_replays_lazily(tmp_path):
    # the export maps the masked softmax to ONNX's Softmax, as before it existed (no row is fully masked here:
    # onnxruntime gives NaN on such rows, as torch's eval fast path)
    pytest.importorskip("onnx")
    onnxruntime = pytest.importorskip("onnxruntime")
    from minigrad.onnx import export

    keep = np.ones((L, S), dtype=bool)
    keep[1, 2:] = False

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = nn.MultiheadAttention(E, H, batch_first=True)

        def forward(self, q, k):
            out = self.mha(q, k, k, attn_mask=mg.tensor(~keep), need_weights=False)[0]
            return out + F.scaled_dot_product_attention(q, k, k, attn_mask=mg.tensor(keep))

    net = Net().eval()
    q, k = rng.standard_normal((N, L, E)).astype(np.float32), rng.standard_normal((N, S, E)).astype(np.float32)
    export(net, (q, k), str(tmp_path / "m.onnx"))
    sess = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"))
    got = sess.run(None, {i.name: v for i, v in zip(sess.get_inputs(), (q, k))})[0]
    np.testing.assert_allclose(got, net(mg.tensor(q), mg.tensor(k)).numpy(), rtol=1e-5, atol=1e-5)
    # lazily, the fully masked rows are found again on each forward's data
    keep[1] = False
    lq, lk = mg.Tensor(shape=q.shape, name="q", requires_grad=False), mg.Tensor(shape=k.shape, name="k",
                                                                               requires_grad=False)
    out = net(lq, lk)
    for _ in range(2):
        q = rng.standard_normal(q.shape).astype(np.float32)
        out.forward(q=q, k=k)
        want = net(mg.tensor(q), mg.tensor(k))
        np.testing.assert_array_equal(out.numpy(), want.numpy())
        assert np.isfinite(want.numpy()).all()
