"""Convolution, pooling, normalization and resizing layers that torch code uses and that minigrad refused or got
wrong (found by differential testing against torch): conv padding modes, 3-d transposed convolution and pooling,
adaptive max pooling, instance and 3-d batch norm, linear/bicubic/area interpolation, normalize with p <= 0,
circular padding with negative amounts. Values and gradients are compared with torch."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigrad
from minigrad.nn import conv, normalization, pooling, upsampling
from minigrad.nn import functional as F


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _both(fn, arrays, dtype=np.float64, mg_fn=None):
    """Run fn(lib, *tensors) (or mg_fn for minigrad) in both libraries; compare outputs and input gradients taken
    with a random upstream gradient."""
    outs = []
    for lib, f in ((minigrad, mg_fn or fn), (torch, fn)):
        ts = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
        out = f(lib, *ts)
        weight = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(dtype)
        (out * lib.tensor(weight)).sum().backward()
        outs.append((out.detach().numpy(), [t.grad.numpy() for t in ts]))
    (m, mg), (t, tg) = outs
    tol = 1e-5 if dtype == np.float32 else 1e-10
    assert m.shape == t.shape and m.dtype == t.dtype
    np.testing.assert_allclose(m, t, rtol=tol, atol=tol)
    for a, b in zip(mg, tg):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _pair(tm, mm):
    """tm in float64, and mm with tm's parameters and buffers."""
    tm.double()
    mm.double()
    state = dict(mm.named_parameters(), **dict(mm.named_buffers()))
    for k, v in tm.state_dict().items():
        state[k].data[...] = v.numpy()
    return tm, mm


def _module(tm, mm, arrays, dtype=np.float64):
    tm, mm = _pair(tm, mm)
    _both(lambda lib, *ts: tm(*ts), arrays, dtype, mg_fn=lambda lib, *ts: mm(*ts))
    for (k, a), (k2, b) in zip(tm.named_parameters(), mm.named_parameters()):
        assert k == k2
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-9, atol=1e-10)


# ------------------------------------------------------------------------------------------------ convolution
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("nsp,padding", [(1, 2), (2, 1), (2, (1, 2)), (2, "same"), (2, "valid"), (3, 1)])
def test_conv_padding_mode_matches_torch(mode, nsp, padding):
    name = f"Conv{nsp}d"
    kw = dict(padding=padding, padding_mode=mode, dilation=2 if padding == "same" else 1)
    tm, mm = getattr(torch.nn, name)(2, 3, 3, **kw), getattr(conv, name)(2, 3, 3, **kw)
    assert repr(mm) == repr(tm)
    _module(tm, mm, [_x(2, 2, *(6, 7, 5)[:nsp])])


def test_conv_padding_mode_unbatched_and_refusals():
    _module(torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
            conv.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), [_x(2, 5, 6)])
    with pytest.raises(ValueError, match="ConvTranspose2d: padding_mode must be"):
        conv.ConvTranspose2d(2, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be"):
        conv.Conv2d(2, 3, 3, padding_mode="mirror")


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation", [(1, 0, 0, 1, 1), (2, 1, 1, 2, 1),
                                                                          ((2, 1, 3), (0, 1, 1), (1, 0, 2), 1, 1),
                                                                          (1, 1, 0, 1, 2)])
def test_conv_transpose3d_matches_torch(stride, padding, output_padding, groups, dilation):
    kw = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation)
    _both(lambda lib, x, w, b: lib.nn.functional.conv_transpose3d(x, w, b, **kw),
          [_x(2, 4, 3, 4, 3), _x(4, 6 // groups, 3, 2, 3, seed=1), _x(6, seed=2)])
    _module(torch.nn.ConvTranspose3d(4, 6, 3, **kw), conv.ConvTranspose3d(4, 6, 3, **kw), [_x(2, 4, 3, 4, 3)])


def test_conv_transpose_output_size_range_and_repr():
    tm, mm = _pair(torch.nn.ConvTranspose2d(3, 2, 3, stride=2, dilation=3),
                   conv.ConvTranspose2d(3, 2, 3, stride=2, dilation=3))
    x = _x(1, 3, 3, 3)
    np.testing.assert_allclose(mm(minigrad.tensor(x), output_size=[1, 2, 12, 11]).numpy(),
                               tm(torch.tensor(x), output_size=[1, 2, 12, 11]).detach().numpy(), rtol=1e-10)
    for size in ([13, 11], [1, 12, 11]):  # output_padding 2 >= stride; 3 entries for a 4-d input
        with pytest.raises(ValueError):
            tm(torch.tensor(x), output_size=size)
        with pytest.raises(ValueError, match="ConvTranspose2d: .*output_size|ConvTranspose2d: requested"):
            mm(minigrad.tensor(x), output_size=size)
    kw = dict(stride=2, output_padding=1)
    assert repr(conv.ConvTranspose2d(3, 6, 3, **kw)) == repr(torch.nn.ConvTranspose2d(3, 6, 3, **kw))


# ------------------------------------------------------------------------------------------------ pooling
@pytest.mark.parametrize("kernel,stride,padding,ceil_mode",
                         [(2, None, 0, False), (3, 2, 1, True), ((2, 3, 2), 1, 1, False)])
def test_pool3d_matches_torch(kernel, stride, padding, ceil_mode):
    x = [_x(2, 3, 5, 6, 5)]
    _both(lambda lib, t: lib.nn.functional.max_pool3d(t, kernel, stride, padding, 1, ceil_mode), x)
    for cip, div in ((True, None), (False, None), (True, 3)):
        _both(lambda lib, t, c=cip, d=div: lib.nn.functional.avg_pool3d(t, kernel, stride, padding, ceil_mode, c, d),
              x)
    _module(torch.nn.MaxPool3d(kernel, stride, padding, ceil_mode=ceil_mode),
            pooling.MaxPool3d(kernel, stride, padding, ceil_mode=ceil_mode), [_x(3, 5, 6, 5)])
    _module(torch.nn.AvgPool3d(kernel, stride, padding, ceil_mode=ceil_mode),
            pooling.AvgPool3d(kernel, stride, padding, ceil_mode=ceil_mode), x)


@pytest.mark.parametrize("nsp", [1, 2, 3])
@pytest.mark.parametrize("out", [1, 2, 3, 4, 7])
def test_adaptive_pools_match_torch(nsp, out):
    x = [_x(2, 3, *(7, 5, 6)[:nsp])]
    _both(lambda lib, t: getattr(lib.nn.functional, f"adaptive_max_pool{nsp}d")(t, out), x)
    _both(lambda lib, t: getattr(lib.nn.functional, f"adaptive_avg_pool{nsp}d")(t, out), x)
    for kind in ("Max", "Avg"):
        name = f"Adaptive{kind}Pool{nsp}d"
        tm, mm = getattr(torch.nn, name)(out), getattr(pooling, name)(out)
        assert repr(mm) == repr(tm)
        _module(tm, mm, [_x(3, *(7, 5, 6)[:nsp])])


def test_adaptive_max_pool_ties_and_float32():
    # equal values: the gradient goes to the first maximum of each bin in row-major order, as torch
    _both(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, (2, 3)), [np.ones((1, 2, 5, 7))])
    _both(lambda lib, t: lib.nn.functional.adaptive_max_pool2d(t, (None, 3)), [_x(2, 3, 5, 7)], np.float32)


def test_avg_pool_divisor_zero_and_avgpool1d_attributes():
    with pytest.raises(RuntimeError, match="avg_pool2d: divisor_override must not be zero"):
        F.avg_pool2d(minigrad.randn(1, 1, 4, 4), 2, divisor_override=0)
    tm, mm = torch.nn.AvgPool1d(3, padding=1), pooling.AvgPool1d(3, padding=1)
    assert (mm.kernel_size, mm.stride, mm.padding) == (tm.kernel_size, tm.stride, tm.padding) == ((3,), (3,), (1,))
    assert repr(mm) == repr(tm)


# ------------------------------------------------------------------------------------------------ normalization
def _norm_steps(tm, mm, shape, steps=3):
    """Train steps, then eval: outputs, input and parameter gradients, and every buffer compared with torch."""
    tm, mm = _pair(tm, mm)
    assert list(mm.state_dict()) == list(tm.state_dict())
    for i in range(steps + 1):
        if i == steps:
            tm.eval()
            mm.eval()
        _module(tm, mm, [_x(*shape, seed=i)])
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(mm.state_dict()[k].numpy(), v.numpy(), rtol=1e-10, atol=1e-12)
        tm.zero_grad()
        mm.zero_grad()


@pytest.mark.parametrize("kw", [{}, dict(momentum=None), dict(track_running_stats=False), dict(affine=False)])
def test_batchnorm3d_matches_torch(kw):
    _norm_steps(torch.nn.BatchNorm3d(3, **kw), normalization.BatchNorm3d(3, **kw), (2, 3, 2, 3, 2))


@pytest.mark.parametrize("nsp,shape", [(1, (4, 3, 5)), (1, (3, 5)), (2, (2, 3, 4, 3)), (2, (3, 4, 3)),
                                       (3, (2, 3, 2, 3, 2))])
@pytest.mark.parametrize("kw", [{}, dict(affine=True), dict(track_running_stats=True, momentum=0.3),
                                dict(affine=True, track_running_stats=True, momentum=None)])
def test_instance_norm_matches_torch(nsp, shape, kw):
    name = f"InstanceNorm{nsp}d"
    tm, mm = getattr(torch.nn, name)(3, **kw), getattr(normalization, name)(3, **kw)
    assert repr(mm) == repr(tm)
    _norm_steps(tm, mm, shape)


def test_instance_norm_functional_and_errors():
    _both(lambda lib, x, w, b: lib.nn.functional.instance_norm(x, weight=w, bias=b), [_x(2, 3, 5), _x(3), _x(3)])
    with pytest.raises(ValueError, match=r"instance_norm: expected more than 1 spatial element.*\(2, 3, 1\)"):
        F.instance_norm(minigrad.randn(2, 3, 1))
    with pytest.raises(ValueError, match="InstanceNorm1d: input of shape"):
        normalization.InstanceNorm1d(4, affine=True)(minigrad.randn(2, 3, 5))


def test_norm_layers_reset_parameters_matches_torch():
    for name, args in (("BatchNorm2d", (3,)), ("InstanceNorm1d", (3, 1e-5, 0.1, True, True)), ("LayerNorm", ((2, 3),)),
                       ("GroupNorm", (1, 3))):
        tm, mm = getattr(torch.nn, name)(*args), getattr(normalization, name)(*args)
        for k, v in tm.state_dict().items():
            v.copy_(torch.full_like(v, 7))
        tm, mm = _pair(tm, mm)
        tm.reset_parameters()
        mm.reset_parameters()
        for k, v in tm.state_dict().items():
            np.testing.assert_array_equal(mm.state_dict()[k].numpy(), v.numpy())


def test_normalize_nonpositive_p_matches_torch():
    for p in (0, -1, -2.5):
        _both(lambda lib, t, p=p: lib.nn.functional.normalize(t, p, 1), [_x(3, 4)])


# ------------------------------------------------------------------------------------------------ pad, resizing
def test_pad_circular_negative_matches_torch():
    # torch crops the negative sides first and wraps the cropped tensor
    for shape, pad in (((2, 3, 4), (-1, 2)), ((2, 3, 4), (2, -1)), ((2, 3, 4, 5), (1, -1, -1, 1))):
        _both(lambda lib, t, pad=pad: lib.nn.functional.pad(t, pad, mode="circular"), [_x(*shape)])


@pytest.mark.parametrize("mode,nsp", [("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3), ("area", 1),
                                      ("area", 2), ("area", 3)])
@pytest.mark.parametrize("kw", [dict(size=7), dict(size=1), dict(scale_factor=0.4), dict(scale_factor=2.3),
                                dict(scale_factor=2.3, recompute_scale_factor=True)])
def test_interpolate_modes_match_torch(mode, nsp, kw):
    x = [_x(2, 3, *(5, 4, 3)[:nsp])]
    for align_corners in (None,) if mode == "area" else (None, True, False):
        for dtype in (np.float64, np.float32):
            _both(lambda lib, t, ac=align_corners: lib.nn.functional.interpolate(t, mode=mode, align_corners=ac, **kw), x,
                  dtype)


def test_upsample_modules_and_mode_checks():
    x = [_x(2, 3, 4, 5)]
    for kw in (dict(scale_factor=2, mode="bilinear"), dict(size=(3, 7), mode="bicubic", align_corners=True)):
        tm, mm = torch.nn.Upsample(**kw), upsampling.Upsample(**kw)
        assert repr(mm) == repr(tm)
        _module(tm, mm, x)
    for name in ("UpsamplingNearest2d", "UpsamplingBilinear2d"):
        for kw in (dict(scale_factor=2), dict(size=(3, 7))):
            _module(getattr(torch.nn, name)(**kw), getattr(upsampling, name)(**kw), x)
    with pytest.raises(NotImplementedError, match=r"interpolate: got 3D input .* bilinear mode needs 4D input"):
        F.interpolate(minigrad.randn(1, 2, 5), size=4, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(minigrad.randn(1, 2, 5), size=4, mode="area", align_corners=True)
