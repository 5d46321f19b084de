"""Layers that torch code uses and minigrad lacked (found by differential testing against torch 2.13): pixel
shuffle, RMSNorm, padding modules, max-pool indices and unpooling, local response norm, fold/unfold and
MultiheadAttention's add_bias_kv / add_zero_attn; plus layer_norm's check of its weight's shape. Values and
gradients (under a random upstream gradient) are compared with torch, in float32 and float64."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigrad
from minigrad.nn import fold, normalization, padding, pixelshuffle, pooling
from minigrad.nn import functional_layers as F
from minigrad.nn.attention import MultiheadAttention

DTYPES = [np.float32, np.float64]


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _run(lib, fn, arrays, dtype):
    ts = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *ts)
    weight = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(dtype)
    (out * lib.tensor(weight)).sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _both(fn, arrays, dtype=np.float64, mg_fn=None):
    """fn(lib, *tensors) (or mg_fn for minigrad) in both libraries: outputs and input gradients must agree."""
    (m, mg), (t, tg) = _run(minigrad, mg_fn or fn, arrays, dtype), _run(torch, fn, arrays, dtype)
    tol = 2e-5 if dtype == np.float32 else 1e-10
    assert m.shape == t.shape and m.dtype == t.dtype
    np.testing.assert_allclose(m, t, rtol=tol, atol=tol)
    for a, b in zip(mg, tg):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * 10)


def _F(lib):
    return F if lib is minigrad else torch.nn.functional


# ------------------------------------------------------------------------------------------------ pixel shuffle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 3), 2), ((9, 2, 1), 3), ((2, 3, 18, 2, 2), 3), ((1, 4, 2, 3), 1)])
def test_pixel_shuffle_and_unshuffle_match_torch(shape, r, dtype):
    _both(lambda lib, x: _F(lib).pixel_shuffle(x, r), [_x(*shape)], dtype)
    up = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    _both(lambda lib, x: _F(lib).pixel_unshuffle(x, r), [_x(*up)], dtype)
    mods = (pixelshuffle.PixelShuffle(r), pixelshuffle.PixelUnshuffle(r))
    _both(lambda lib, x: (torch.nn.PixelUnshuffle(r) if lib is torch else mods[1])(
        (torch.nn.PixelShuffle(r) if lib is torch else mods[0])(x)), [_x(*shape)], dtype)
    assert repr(mods[0]) == repr(torch.nn.PixelShuffle(r))


@pytest.mark.parametrize("fn,shape,r,match", [("pixel_shuffle", (4, 2), 2, "at least 3 dimensions"),
                                              ("pixel_shuffle", (1, 6, 2, 2), 2, "divisible by upscale_factor"),
                                              ("pixel_unshuffle", (1, 1, 5, 4), 2, "height and width divisible"),
                                              ("pixel_shuffle", (1, 4, 2, 2), 0, "positive upscale_factor")])
def test_pixel_shuffle_refuses_what_torch_refuses(fn, shape, r, match):
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, fn)(torch.zeros(shape), r)
    with pytest.raises(RuntimeError, match=f"{fn}: .*{match}"):
        getattr(F, fn)(minigrad.zeros(*shape), r)


# ------------------------------------------------------------------------------------------------ RMSNorm, LRN
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,normalized,eps", [((2, 3, 4), (4,), None), ((2, 3, 4), (3, 4), 1e-3),
                                                  ((5,), (5,), None), ((2, 0, 3), (3,), None), ((1, 1), (1,), 0.5)])
def test_rms_norm_matches_torch(shape, normalized, eps, dtype):
    _both(lambda lib, x: _F(lib).rms_norm(x, normalized, eps=eps), [_x(*shape)], dtype)
    _both(lambda lib, x, w: _F(lib).rms_norm(x, normalized, w, eps), [_x(*shape), _x(*normalized, seed=2)], dtype)
    tm = torch.nn.RMSNorm(normalized, eps=eps)
    mm = normalization.RMSNorm(normalized, eps=eps)
    assert list(mm.state_dict()) == ["weight"] and repr(mm) == repr(tm)
    tm.double().weight.data = torch.tensor(_x(*normalized, seed=3))
    mm.double().weight.data[...] = _x(*normalized, seed=3)
    _both(lambda lib, x: (tm if lib is torch else mm)(x), [_x(*shape)])
    assert normalization.RMSNorm(normalized, elementwise_affine=False).weight is None


def test_norm_weight_of_the_wrong_shape_is_refused_as_torch():
    # layer_norm broadcast a (1,) weight silently; torch refuses any weight not of normalized_shape
    for fn, kw in (("layer_norm", {"weight": 1}), ("layer_norm", {"bias": 1}), ("rms_norm", {"weight": 1})):
        args = {k: torch.ones(v) for k, v in kw.items()}
        with pytest.raises(RuntimeError):
            getattr(torch.nn.functional, fn)(torch.ones(2, 3), (3,), **args)
        with pytest.raises(RuntimeError, match=rf"{fn}: {next(iter(kw))} of shape \(1,\) should have normalized_shape"):
            getattr(F, fn)(minigrad.ones(2, 3), (3,), **{k: minigrad.ones(v) for k, v in kw.items()})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 5, 4), (2, 5, 3, 4), (1, 7, 2, 2, 2), (2, 1, 3), (0, 3, 4)])
@pytest.mark.parametrize("size", [1, 2, 5, 8])
def test_local_response_norm_matches_torch(shape, size, dtype):
    _both(lambda lib, x: _F(lib).local_response_norm(x, size, alpha=0.3, beta=0.6, k=2.0), [_x(*shape)], dtype)
    tm, mm = torch.nn.LocalResponseNorm(size), normalization.LocalResponseNorm(size)
    assert repr(tm) == repr(mm)
    _both(lambda lib, x: (tm if lib is torch else mm)(x), [_x(*shape)], dtype)
    with pytest.raises(ValueError, match=r"local_response_norm: expected a 3D .* shape \(2, 3\)"):
        mm(minigrad.zeros(2, 3))


# ------------------------------------------------------------------------------------------------ padding modules
@pytest.mark.parametrize("kind", ["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"])
@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("pad", [1, (1, 2, 0, 2, 2, 1), (-1, 2, 1, 0, 0, 1)])
def test_padding_modules_match_torch(kind, nsp, pad, dtype=np.float64):
    pad = pad if isinstance(pad, int) else pad[:2 * nsp]
    args = (pad, 1.5) if kind == "ConstantPad" else (pad,)
    tm, mm = getattr(torch.nn, f"{kind}{nsp}d")(*args), getattr(padding, f"{kind}{nsp}d")(*args)
    assert repr(tm) == repr(mm) and mm.padding == tm.padding
    for shape in ((2, 3) + (3,) * nsp, (3,) + (4,) * nsp):
        _both(lambda lib, x: (tm if lib is torch else mm)(x), [_x(*shape)], dtype)
    if kind == "CircularPad":
        with pytest.raises(ValueError, match=f"CircularPad{nsp}d: expected {nsp + 1}D or {nsp + 2}D input"):
            mm(minigrad.zeros(*(3,) * nsp))


# ------------------------------------------------------------------------------------------------ pooling indices
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nsp,kw", [(1, {"kernel_size": 3, "stride": 2, "padding": 1}),
                                    (2, {"kernel_size": 2}),
                                    (2, {"kernel_size": (3, 2), "stride": 2, "padding": (1, 0), "dilation": (1, 2),
                                             "ceil_mode": True}),
                                    (3, {"kernel_size": 2, "stride": 1, "padding": 1})])
def test_max_pool_indices_and_unpool_match_torch(nsp, kw, dtype):
    a = np.round(_x(2, 3, *(5,) * nsp), 1)  # ties: the first maximum's index, as torch
    a[0, 0, ..., 0] = -np.inf  # an all -inf window picks its first position inside the input
    name = f"max_pool{nsp}d"
    (tm, ti), (mm, mi) = (getattr(_F(lib), name)(lib.tensor(a.astype(dtype)), **kw, return_indices=True)
                          for lib in (torch, minigrad))
    assert mi.dtype == minigrad.int64
    np.testing.assert_array_equal(mi.numpy(), ti.numpy())
    np.testing.assert_array_equal(mm.numpy(), tm.numpy())
    mod = getattr(pooling, f"MaxPool{nsp}d")(**kw, return_indices=True)
    np.testing.assert_array_equal(mod(minigrad.tensor(a[0].astype(dtype)))[1].numpy(), ti.numpy()[0])  # unbatched
    # unpool: values at the indices, the gradient gathered back from them
    ukw = {k: v for k, v in kw.items() if k in ("kernel_size", "stride", "padding")}
    base = _x(*tm.shape, seed=4)
    _both(lambda lib, y: getattr(_F(lib), f"max_unpool{nsp}d")(y, lib.tensor(ti.numpy()), **ukw,
                                                              output_size=a.shape[2:]), [base], dtype)
    unpool = getattr(pooling, f"MaxUnpool{nsp}d")(**ukw)
    assert repr(unpool) == repr(getattr(torch.nn, f"MaxUnpool{nsp}d")(**ukw))
    want = getattr(torch.nn, f"MaxUnpool{nsp}d")(**ukw)(torch.tensor(base), ti, output_size=a.shape[2:])
    got = unpool(minigrad.tensor(base), minigrad.tensor(ti.numpy()), output_size=a.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nsp,size,out", [(1, (7,), 3), (2, (5, 6), (2, 4)), (2, (3, 3), (5, 1)), (3, (4, 3, 5), 2)])
def test_adaptive_max_pool_indices_match_torch(nsp, size, out, dtype):
    a = np.round(_x(2, 3, *size), 1).astype(dtype)
    name = f"adaptive_max_pool{nsp}d"
    (tm, ti), (mm, mi) = (getattr(_F(lib), name)(lib.tensor(a), out, return_indices=True) for lib in (torch, minigrad))
    np.testing.assert_array_equal(mi.numpy(), ti.numpy())
    np.testing.assert_array_equal(mm.numpy(), tm.numpy())
    _y, i = getattr(pooling, f"AdaptiveMaxPool{nsp}d")(out, return_indices=True)(minigrad.tensor(a[1]))
    np.testing.assert_array_equal(i.numpy(), ti.numpy()[1])


def test_max_unpool_refuses_what_torch_refuses():
    y, i = minigrad.zeros(1, 1, 2, 2), minigrad.tensor([[[[0, 1], [2, 99]]]])
    with pytest.raises(RuntimeError, match=r"max_unpool2d: Found an invalid max index: 99 .* 4x4"):
        F.max_unpool2d(y, i, 2)
    with pytest.raises(RuntimeError, match=r"max_unpool2d: indices of shape \(1, 2, 2\)"):
        F.max_unpool2d(y, i[0], 2)
    with pytest.raises(RuntimeError, match="max_unpool2d: indices .* dtype int32 should be int64"):
        F.max_unpool2d(y, i.to(minigrad.int32), 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: invalid output_size \(7, 7\)"):
        F.max_unpool2d(y, i % 4, 2, output_size=(7, 7))
    with pytest.raises(ValueError, match="max_unpool2d: output_size .* should have 2 or 4 elements"):
        F.max_unpool2d(y, i % 4, 2, output_size=(1, 5, 5))


# ------------------------------------------------------------------------------------------------ fold / unfold
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size,kw", [((5, 6), {"kernel_size": 2}),
                                     ((7, 5), {"kernel_size": (3, 2), "dilation": (1, 2), "padding": (1, 2),
                                               "stride": (2, 1)}),
                                     ((4, 4), {"kernel_size": 3, "padding": 1, "stride": 3}),
                                     ((1, 6), {"kernel_size": (1, 3), "stride": 2})])
def test_fold_and_unfold_match_torch(size, kw, dtype):
    for shape in ((2, 3) + size, (3,) + size):
        _both(lambda lib, x: _F(lib).unfold(x, **kw), [_x(*shape)], dtype)
    cols = torch.nn.functional.unfold(torch.zeros((2, 3) + size), **kw).shape
    for shape in (cols, cols[1:]):
        _both(lambda lib, x: _F(lib).fold(x, size, **kw), [_x(*shape)], dtype)
    tm, mm = torch.nn.Fold(size, **kw), fold.Fold(size, **kw)
    assert repr(tm) == repr(mm) and repr(torch.nn.Unfold(**kw)) == repr(fold.Unfold(**kw))
    _both(lambda lib, x: (tm if lib is torch else mm)((torch.nn.Unfold if lib is torch else fold.Unfold)(**kw)(x)),
          [_x(2, 3, *size)], dtype)


def test_unfold_keeps_infinities_in_their_own_columns():
    a = np.zeros((1, 1, 3, 3))
    a[0, 0, 1, 1] = np.inf
    np.testing.assert_array_equal(F.unfold(minigrad.tensor(a), 2).numpy(),
                                  torch.nn.functional.unfold(torch.tensor(a), 2).numpy())


@pytest.mark.parametrize("fn,shape,args,match", [
    ("unfold", (2, 3, 4, 4, 4), (2,), "expected a 3D or 4D"), ("unfold", (1, 3, 0, 4), (2,), "non-zero C, H and W"),
    ("unfold", (1, 3, 4, 4), (5,), "leaves no sliding block"), ("unfold", (1, 3, 4, 4), (0,), "must be positive"),
    ("fold", (2, 1, 12, 9), ((4, 4), 2), "expected a 2D or 3D"), ("fold", (1, 13, 9), ((4, 4), 2), "should have C"),
    ("fold", (1, 12, 8), ((4, 4), 2), r"3 \* 3 = 9 blocks")])
def test_fold_and_unfold_refuse_what_torch_refuses(fn, shape, args, match):
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, fn)(torch.zeros(shape), *args)
    with pytest.raises(RuntimeError, match=f"{fn}: .*{match}"):
        getattr(F, fn)(minigrad.zeros(*shape), *args)


# ------------------------------------------------------------------------------------------------ attention
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias_kv,zero_attn", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("masks", [None, "bool", "float"])
def test_multihead_attention_bias_kv_and_zero_attn_match_torch(bias_kv, zero_attn, masks, dtype):
    rng = np.random.default_rng(0)
    tm = torch.nn.MultiheadAttention(8, 2, add_bias_kv=bias_kv, add_zero_attn=zero_attn, kdim=6, vdim=6)
    mm = MultiheadAttention(8, 2, add_bias_kv=bias_kv, add_zero_attn=zero_attn, kdim=6, vdim=6,
                            dtype=minigrad.float64 if dtype == np.float64 else minigrad.float32)
    assert list(mm.state_dict()) == list(tm.state_dict())
    assert (mm.bias_k is not None) == bias_kv and mm.add_zero_attn == zero_attn
    tm.to(torch.float64 if dtype == np.float64 else torch.float32)
    mm.load_state_dict({k: v.numpy().astype(dtype) for k, v in tm.state_dict().items()})
    q, kv = rng.standard_normal((4, 3, 8)).astype(dtype), rng.standard_normal((5, 3, 6)).astype(dtype)
    kpm = rng.random((3, 5)) < 0.3
    kpm[0] = True  # every key masked: the appended keys keep the row finite, as in torch
    am = {None: None, "bool": rng.random((4, 5)) < 0.3, "float": rng.standard_normal((4, 5)).astype(dtype)}[masks]
    g = rng.standard_normal((4, 3, 8)).astype(dtype)
    outs = []
    for lib, m in ((torch, tm), (minigrad, mm)):
        ts = [lib.tensor(a, requires_grad=True) for a in (q, kv, kv * 2)]
        o, w = m(*ts, key_padding_mask=lib.tensor(kpm) if masks else None,
                 attn_mask=None if am is None else lib.tensor(am))
        (o * lib.tensor(g)).sum().backward()
        outs.append([o.detach().numpy(), w.detach().numpy()] + [t.grad.numpy() for t in ts]
                    + [p.grad.numpy() for _, p in m.named_parameters()])
    tol = 1e-4 if dtype == np.float32 else 1e-9
    for a, b in zip(outs[1], outs[0]):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
