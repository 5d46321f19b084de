"""Functional forms of the attention layers: scaled_dot_product_attention and multi_head_attention_forward.

Matches torch.nn.functional. Composed from Tensor ops (their backward comes from the engine); a softmax that keeps
fully masked rows finite (_SafeSoftmax) is the one Function of their own. Re-exported by functional_layers.
"""
import math

import numpy as np

from ..functions import cat, where
from ..ops import reduce as R
from ..ops.linear import Linear
from ..tensor import Tensor

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


def _neg_inf_where(scores, blocked):
    """scores with -inf where the bool tensor `blocked` is True (broadcast). Added, not written, as torch turns a
    bool mask into a float one: a NaN score stays NaN, and a NaN gradient of a fully masked row (need_weights=True
    attention) reaches the inputs as in torch. measured: no slower than a where (the bias has the mask's size).
    The bias goes through where(), so a mask computed from a lazy graph's placeholder is replayed with new feeds."""
    dt, dev = scores.dtype, scores._device
    return scores + where(blocked, Tensor._wrap(dev.xp.asarray(-math.inf, dtype=dt), dev),
                          Tensor._wrap(dev.xp.asarray(0, dtype=dt), dev))


def _softmax(x, axis):
    return R.Softmax.apply(x, axis=axis % x.ndim)


class _SafeSoftmax(R.Softmax):
    """softmax over the last axis in which a row of all -inf (a query whose keys are all masked out) gives zeros,
    not NaN: torch's _safe_softmax, which its scaled_dot_product_attention uses. Softmax's backward then sends
    such a row a zero gradient, as torch's does."""

    @staticmethod
    def forward(ctx, a, axis):
        with np.errstate(invalid="ignore"):  # -inf - -inf in the max shift of those rows: they are replaced below
            out = R.Softmax.forward(ctx, a, axis)
        xp = ctx.xp
        # such a row is NaN throughout, so one column of the output finds the candidates without a pass over a
        nan = xp.isnan(out[..., :1])
        if nan.any():
            dead = nan & xp.all(a == -xp.inf, axis=-1, keepdims=True)  # NaN from a NaN score stays NaN, as torch
            if dead.any():
                out = xp.where(dead, xp.zeros((), dtype=out.dtype), out)
                ctx.save_for_backward(out)
        return out


def _masked_softmax(scores):
    """Softmax of attention scores after a mask was applied, where a fully masked row can occur."""
    return _SafeSoftmax.apply(scores, axis=scores.ndim - 1)


def _check_mask(name, what, mask):
    if mask is not None and mask.dtype != bool and not mask.is_floating_point():
        raise RuntimeError(f"{name}: only bool and floating {what} are supported, got dtype {mask.dtype}")


def _repeat_heads(name, t, hq):
    """enable_gqa: key or value t (*, h, S, E) with each of its h heads serving hq // h consecutive query heads, as
    torch's repeat_interleave."""
    s, h = tuple(t.shape), t.shape[-3]
    if hq % h:
        raise RuntimeError(f"{name}: the number of heads in key and value ({h}) must divide the number of heads in "
                           f"query ({hq})")
    return t.unsqueeze(-3).expand(s[:-3] + (h, hq // h) + s[-2:]).reshape(s[:-3] + (hq,) + s[-2:])


def _dropout(x, p, training):
    if p == 0.0 or not training:
        return x
    from .functional import dropout

    return dropout(x, p, training)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value over the last two axes. query: (*, L, E), key: (*, S, E),
    value: (*, S, Ev). A bool attn_mask marks the positions that take part (True); a float one is added. A query
    that the mask lets see no key gets zeros (and a zero gradient), as torch. With enable_gqa, key and value
    may have fewer heads (axis -3) than query, each shared by a group of query heads. Matches
    torch.nn.functional.scaled_dot_product_attention."""
    name = "scaled_dot_product_attention"
    if min(query.ndim, key.ndim, value.ndim) < 2 or query.shape[-1] != key.shape[-1] or \
            key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{name}: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                           f"{tuple(value.shape)} do not fit (each needs at least 2 dimensions; query and key must "
                           "share the last dimension, key and value the sequence dimension)")
    _check_mask(name, "attn_mask", attn_mask)
    if enable_gqa and query.ndim >= 3:
        key, value = _repeat_heads(name, key, query.shape[-3]), _repeat_heads(name, value, query.shape[-3])
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{name}: pass either attn_mask or is_causal, not both")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query.matmul(key.transpose(-2, -1)) * scale
    xp = query._device.xp
    L, S = query.shape[-2], key.shape[-2]
    if is_causal:
        scores = _neg_inf_where(scores, Tensor._wrap(xp.triu(xp.ones((L, S), dtype=bool), 1), query._device))
    elif attn_mask is not None:
        if attn_mask.dtype == bool:
            scores = _neg_inf_where(scores, attn_mask.logical_not())
        else:
            scores = scores + attn_mask
    # only a mask can block a whole row (a causal one never does): the unmasked path keeps the plain softmax
    attn = _masked_softmax(scores) if attn_mask is not None else _softmax(scores, -1)
    attn = _dropout(attn, dropout_p, True)
    return attn.matmul(value)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention over sequence-first inputs query (L, N, E), key and value (S, N, E) (or unbatched
    (L, E)). Returns (output (L, N, E), attention weights (N, L, S) averaged over heads, or (N, H, L, S), or None).
    A bool key_padding_mask (N, S) or attn_mask ((L, S) or (N*H, L, S)) marks the positions to ignore (True);
    float masks are added. A query whose keys are all masked out gets zero attention with need_weights=False and
    NaN with need_weights=True, as torch (which runs scaled_dot_product_attention only in the first case).
    bias_k and bias_v (1, 1, E) append one learned key and value to every sequence, add_zero_attn a zero one (the
    masks get a column that lets them be attended). Matches torch.nn.functional.multi_head_attention_forward
    (static_k/static_v are not supported)."""
    name = "multi_head_attention_forward"
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{name}: static_k/static_v are not supported")
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(f"{name}: give both bias_k and bias_v, or neither")
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim or \
            key.shape[:-1] != value.shape[:-1] or key.shape[1:-1] != query.shape[1:-1]:
        raise RuntimeError(f"{name}: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                           f"{tuple(value.shape)} do not fit: expected (L, N, E), (S, N, kdim) and (S, N, vdim), or "
                           "unbatched (L, E), (S, kdim) and (S, vdim)")
    _check_mask(name, "key_padding_mask", key_padding_mask)
    _check_mask(name, "attn_mask", attn_mask)
    if is_causal and attn_mask is None:  # torch: is_causal is only a hint about attn_mask
        raise RuntimeError(f"{name}: is_causal needs the causal attn_mask too (is_causal is a hint)")
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = (t.reshape((t.shape[0], 1, t.shape[1])) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.reshape((1, -1))
    L, N, E_ = query.shape
    S = key.shape[0]
    if E_ != embed_dim_to_check:
        raise RuntimeError(f"{name}: query of shape {tuple(query.shape)} has embedding dimension {E_}, expected "
                           f"{embed_dim_to_check}")
    if E_ % num_heads:
        raise RuntimeError(f"{name}: embed_dim {E_} is not divisible by num_heads {num_heads}")
    hd = E_ // num_heads
    if use_separate_proj_weight:
        wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        wq, wk, wv = in_proj_weight[:E_], in_proj_weight[E_:2 * E_], in_proj_weight[2 * E_:]
    if wk.shape[1] != key.shape[-1] or wv.shape[1] != value.shape[-1]:
        raise RuntimeError(f"{name}: key {tuple(key.shape)} and value {tuple(value.shape)} should have feature sizes "
                           f"kdim={wk.shape[1]} and vdim={wv.shape[1]}")
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = in_proj_bias[:E_], in_proj_bias[E_:2 * E_], in_proj_bias[2 * E_:]
    if query is key and key is value and not use_separate_proj_weight:
        qkv = _linear(query, in_proj_weight, in_proj_bias)
        q, k, v = qkv[..., :E_], qkv[..., E_:2 * E_], qkv[..., 2 * E_:]
    else:
        q, k, v = _linear(query, wq, bq), _linear(key, wk, bk), _linear(value, wv, bv)
    extra = (bias_k is not None) + bool(add_zero_attn)  # keys appended to every sequence, as torch
    if bias_k is not None:
        k, v = cat([k, bias_k.expand((1, N, E_))]), cat([v, bias_v.expand((1, N, E_))])
    if add_zero_attn:
        k, v = cat([k, _zeros_along(k, 1, axis=0)]), cat([v, _zeros_along(v, 1, axis=0)])
    # (L, N, E) -> (N, H, L, hd)
    q = q.reshape((L, N, num_heads, hd)).permute(1, 2, 0, 3)
    k = k.reshape((S + extra, N, num_heads, hd)).permute(1, 2, 0, 3)
    v = v.reshape((S + extra, N, num_heads, hd)).permute(1, 2, 0, 3)
    scores = q.matmul(k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))  # (N, H, L, S + extra)
    if attn_mask is not None:
        if attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (N * num_heads, L, S):
                raise RuntimeError(f"{name}: a 3-d attn_mask should have shape {(N * num_heads, L, S)}, got "
                                   f"{tuple(attn_mask.shape)}")
            attn_mask = attn_mask.reshape((N, num_heads, L, S))
        elif tuple(attn_mask.shape) != (L, S):
            raise RuntimeError(f"{name}: a 2-d attn_mask should have shape {(L, S)}, got {tuple(attn_mask.shape)}")
        attn_mask = cat([attn_mask, _zeros_along(attn_mask, extra)], -1) if extra else attn_mask
        scores = _neg_inf_where(scores, attn_mask) if attn_mask.dtype == bool else scores + attn_mask
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (N, S):
            raise RuntimeError(f"{name}: key_padding_mask should have shape {(N, S)}, got "
                               f"{tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape((N, 1, 1, S))
        kpm = cat([kpm, _zeros_along(kpm, extra)], -1) if extra else kpm
        scores = _neg_inf_where(scores, kpm) if kpm.dtype == bool else scores + kpm
    # as torch: without the weights it runs scaled_dot_product_attention, whose fully masked rows give 0; with
    # them, a plain softmax, whose fully masked rows are NaN
    masked = attn_mask is not None or key_padding_mask is not None
    attn = _masked_softmax(scores) if masked and not need_weights else _softmax(scores, -1)
    attn = _dropout(attn, dropout_p, training)  # matches torch: the returned weights are the dropped ones
    out = attn.matmul(v)  # (N, H, L, hd)
    out = out.permute(2, 0, 1, 3).reshape((L, N, E_))
    out = _linear(out, out_proj_weight, out_proj_bias)
    weights = None
    if need_weights:
        weights = attn.mean(1) if average_attn_weights else attn
    if unbatched:
        out = out.reshape((L, E_))
        if weights is not None:
            weights = weights.reshape(tuple(weights.shape[1:]))
    return out, weights


def _zeros_along(t, n, axis=-1):
    """Zeros (False for a bool mask) of t's shape and dtype but `n` long along `axis`: appended keys and the mask
    columns that let them be attended."""
    shape = list(t.shape)
    shape[axis] = n
    return Tensor._wrap(t._device.xp.zeros(tuple(shape), dtype=t.dtype), t._device)


def _linear(x, w, b):
    return Linear.apply(x, w) if b is None else Linear.apply(x, w, b)
