"""Conv1d, Conv2d, ConvTranspose1d/2d, pooling and the seed 003 CNN op chains, against torch."""
import numpy as np
import pytest
import torch
from layers_helpers import check_module, close

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

DTYPES = [np.float32, np.float64]
rng = np.random.default_rng(7)

CONV1D = [  # in, out, k, kwargs, input length
    (3, 4, 3, {}, 9),
    (4, 6, 3, {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}, 11),
    (2, 3, 4, {"padding": "same", "bias": False}, 7),
    (2, 2, 1, {"padding": "valid"}, 5),
]
CONV2D = [  # in, out, k, kwargs, (H, W)
    (1, 6, 5, {"padding": 2}, (12, 12)),
    (3, 4, (3, 2), {"stride": (2, 1), "padding": (1, 0)}, (9, 8)),
    (4, 6, 3, {"dilation": 2, "groups": 2, "padding": 1}, (10, 9)),
    (4, 4, 3, {"groups": 4, "bias": False}, (6, 7)),
    (2, 3, (4, 3), {"padding": "same", "dilation": (1, 2)}, (8, 9)),
    (3, 2, 2, {"stride": 3, "padding": "valid"}, (8, 8)),
]
CONVT2D = [  # in, out, k, kwargs, (H, W)
    (3, 4, 3, {}, (5, 4)),
    (4, 6, 3, {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}, (4, 5)),
    (2, 3, (2, 3), {"stride": (2, 3), "dilation": (2, 1), "output_padding": (1, 2), "bias": False}, (3, 4)),
    (4, 2, 4, {"stride": 2, "padding": 2, "dilation": 2, "output_padding": 1}, (5, 5)),
    (2, 2, 3, {"stride": 1, "dilation": 2, "output_padding": 1}, (4, 4)),  # output_padding >= stride, < dilation
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", CONV1D)
def test_conv1d_matches_torch(cfg, dtype):
    cin, cout, k, kw, n = cfg
    check_module(torch.nn.Conv1d(cin, cout, k, **kw), nn.Conv1d(cin, cout, k, **kw),
                 [rng.standard_normal((2, cin, n))], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", CONV2D)
def test_conv2d_matches_torch(cfg, dtype):
    cin, cout, k, kw, hw = cfg
    check_module(torch.nn.Conv2d(cin, cout, k, **kw), nn.Conv2d(cin, cout, k, **kw),
                 [rng.standard_normal((2, cin) + hw)], dtype)


def test_conv2d_unbatched_input():
    check_module(torch.nn.Conv2d(2, 3, 3, padding=1), nn.Conv2d(2, 3, 3, padding=1),
                 [rng.standard_normal((2, 5, 5))], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", CONVT2D)
def test_conv_transpose2d_matches_torch(cfg, dtype):
    cin, cout, k, kw, hw = cfg
    check_module(torch.nn.ConvTranspose2d(cin, cout, k, **kw), nn.ConvTranspose2d(cin, cout, k, **kw),
                 [rng.standard_normal((2, cin) + hw)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv_transpose1d_and_output_size(dtype):
    check_module(torch.nn.ConvTranspose1d(3, 2, 3, stride=2), nn.ConvTranspose1d(3, 2, 3, stride=2),
                 [rng.standard_normal((2, 3, 6))], dtype,
                 call=lambda m, x: m(x, output_size=[14]))


MAXPOOL2D = [  # kernel, kwargs, (H, W)
    (2, {}, (8, 8)),
    (2, {"stride": 2, "padding": 1, "ceil_mode": True}, (9, 7)),
    ((3, 2), {"stride": (2, 1), "padding": 1, "dilation": (2, 1), "ceil_mode": True}, (9, 7)),
    (3, {"stride": 1, "padding": 1}, (6, 5)),
    (3, {"stride": 2}, (7, 7)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", MAXPOOL2D)
def test_maxpool2d_matches_torch(cfg, dtype):
    k, kw, hw = cfg
    check_module(torch.nn.MaxPool2d(k, **kw), nn.MaxPool2d(k, **kw), [rng.standard_normal((2, 3) + hw)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", [(3, {}, 10), (3, {"stride": 2, "padding": 1, "ceil_mode": True}, 10),
                                 (2, {"stride": 1, "dilation": 3}, 9)])
def test_maxpool1d_matches_torch(cfg, dtype):
    k, kw, n = cfg
    check_module(torch.nn.MaxPool1d(k, **kw), nn.MaxPool1d(k, **kw), [rng.standard_normal((2, 3, n))], dtype)


def test_maxpool2d_nan_propagates_like_torch():
    x = rng.standard_normal((1, 2, 4, 4))
    x[0, 1, 2, 3] = np.nan
    check_module(torch.nn.MaxPool2d(2), nn.MaxPool2d(2), [x], np.float64)


def test_maxpool2d_ties_after_relu_route_like_torch():
    x = np.maximum(rng.standard_normal((2, 2, 6, 6)), 0)  # many zeros: ties inside windows
    check_module(torch.nn.MaxPool2d(2), nn.MaxPool2d(2), [x], np.float64)
    check_module(torch.nn.MaxPool2d(3, 1), nn.MaxPool2d(3, 1), [x], np.float64)


AVGPOOL2D = [
    (2, {}, (8, 8)),
    (3, {"stride": 2, "padding": 1}, (7, 8)),
    (3, {"stride": 2, "padding": 1, "count_include_pad": False}, (7, 8)),
    (3, {"stride": 2, "padding": 1, "ceil_mode": True}, (8, 8)),
    (2, {"stride": 2, "ceil_mode": True, "count_include_pad": False}, (5, 7)),
    ((2, 3), {"divisor_override": 4}, (6, 6)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", AVGPOOL2D)
def test_avgpool2d_matches_torch(cfg, dtype):
    k, kw, hw = cfg
    check_module(torch.nn.AvgPool2d(k, **kw), nn.AvgPool2d(k, **kw), [rng.standard_normal((2, 3) + hw)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", [((2, 2), (8, 8)), ((3, 5), (7, 11)), (1, (4, 5)), ((None, 3), (5, 7))])
def test_adaptive_avgpool2d_matches_torch(cfg, dtype):
    out, hw = cfg
    check_module(torch.nn.AdaptiveAvgPool2d(out), nn.AdaptiveAvgPool2d(out), [rng.standard_normal((2, 3) + hw)],
                 dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_seed003_cnn_chain_matches_torch(dtype):
    """Seed 003's CNN checks at the op level: conv -> relu -> max-pool -> conv -> max-pool -> linear ->
    log_softmax, forward and every gradient."""
    x = rng.standard_normal((4, 1, 12, 12)).astype(dtype)
    w1 = rng.standard_normal((4, 1, 3, 3)).astype(dtype) * 0.5
    w2 = rng.standard_normal((8, 4, 3, 3)).astype(dtype) * 0.3
    wl = rng.standard_normal((8 * 2 * 2, 10)).astype(dtype) * 0.2
    tt = [torch.tensor(a, requires_grad=True) for a in (x, w1, w2, wl)]
    mt = [mg.tensor(a, requires_grad=True) for a in (x, w1, w2, wl)]

    def chain(f, x, w1, w2, wl, lsm):
        h = f.max_pool2d(f.relu(f.conv2d(x, w1)), 2)
        h = f.max_pool2d(f.relu(f.conv2d(h, w2, padding=1)), (3, 3), stride=2)
        return lsm(h.reshape(h.shape[0], -1).matmul(wl))

    tout = chain(torch.nn.functional, *tt, lambda z: torch.log_softmax(z, -1))
    mout = chain(F, *mt, lambda z: F.log_softmax(z, -1))
    close("chain output", mout, tout, dtype)
    g = rng.standard_normal(tuple(tout.shape)).astype(dtype)
    tout.backward(torch.tensor(g))
    mout.backward(mg.tensor(g))
    for name, m, t in zip(("x", "w1", "w2", "wl"), mt, tt):
        close(f"{name} grad", m.grad, t.grad, dtype, scale=float(t.grad.abs().max()))


def test_conv_and_pool_second_order_match_torch():
    """The conv backward is written in ctx.xp, so create_graph gives a differentiable gradient."""
    x = rng.standard_normal((2, 2, 6, 6))
    ws = rng.standard_normal((3, 2, 3, 3))
    wt = rng.standard_normal((2, 2, 3, 3))
    tx, tw, tt = (torch.tensor(a, requires_grad=True) for a in (x, ws, wt))
    mx, mw, mt = (mg.tensor(a, requires_grad=True) for a in (x, ws, wt))

    ty = torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(tx, tw, stride=(2, 1), padding=1, dilation=(1, 2)),
                                        2, stride=1)
    my = F.max_pool2d(F.conv2d(mx, mw, stride=(2, 1), padding=1, dilation=(1, 2)), 2, stride=1)
    tz = torch.nn.functional.conv_transpose2d(ty, tt[:1].expand(3, 2, 3, 3).contiguous(), stride=2, padding=1)
    mz = F.conv_transpose2d(my, mt[:1].expand(3, 2, 3, 3), stride=2, padding=1)
    tgx, tgw = torch.autograd.grad((tz * tz).sum(), [tx, tw], create_graph=True)
    mgx, mgw = mg.autograd.grad((mz * mz).sum(), [mx, mw], create_graph=True)
    close("first-order x", mgx, tgx, np.float64)
    ((tgx * tgx).sum() + (tgw * tgw).sum()).backward()
    ((mgx * mgx).sum() + (mgw * mgw).sum()).backward()
    for name, m, t in (("x", mx, tx), ("w", mw, tw), ("wt", mt, tt)):
        close(f"second-order {name}", m.grad, t.grad, np.float64, scale=float(t.grad.abs().max()))


# ------------------------------------------------------------------------------------------------ errors
def test_conv_kernel_larger_than_padded_input_names_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"Conv2d: the padded input size \(4, 4\) \(input shape \(1, 1, 2, 2\)\) "
                                           r"is smaller than the dilated kernel size \(5, 5\)"):
        nn.Conv2d(1, 2, 5, padding=1)(mg.zeros(1, 1, 2, 2))
    with pytest.raises(RuntimeError, match=r"conv1d: the padded input size \(3,\)"):
        F.conv1d(mg.zeros(1, 1, 3), mg.zeros(1, 1, 2), dilation=3)


def test_conv_groups_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d: in_channels \(3\) must be divisible by groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: out_channels \(3\) must be divisible by groups \(2\)"):
        nn.ConvTranspose2d(4, 3, 3, groups=2)
    with pytest.raises(RuntimeError, match=r"conv2d: input of shape \(1, 3, 5, 5\) has 3 channels, but weight of "
                                           r"shape \(4, 1, 3, 3\) with groups=2 expects 2"):
        F.conv2d(mg.zeros(1, 3, 5, 5), mg.zeros(4, 1, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"conv2d: weight of shape \(3, 2, 3, 3\) has 3 output channels, which is "
                                           r"not divisible by groups=2"):
        F.conv2d(mg.zeros(1, 4, 5, 5), mg.zeros(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"Conv2d: input of shape \(2, 2, 5, 5\) has 2 channels, but weight of "
                                           r"shape \(4, 3, 3, 3\)"):
        nn.Conv2d(3, 4, 3)(mg.zeros(2, 2, 5, 5))


def test_conv_padding_and_pool_errors():
    with pytest.raises(ValueError, match="Conv2d: padding='same' is not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(RuntimeError, match=r"MaxPool2d: padding \(2, 2\) should be at most half of the effective "
                                           r"kernel size \(3, 3\)"):
        nn.MaxPool2d(3, padding=2)(mg.zeros(1, 1, 8, 8))
    with pytest.raises(RuntimeError, match=r"max_pool2d: the padded input size \(2, 2\) \(input shape "
                                           r"\(1, 1, 2, 2\)\) is smaller than the kernel size \(3, 3\)"):
        F.max_pool2d(mg.zeros(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output padding \(2, 2\) must be smaller than either "
                                         r"stride \(2, 2\)"):
        nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)(mg.zeros(1, 1, 4, 4))
    with pytest.raises(RuntimeError, match=r"conv2d: expected a 3-d \(unbatched\) or 4-d \(batched\) input, got "
                                           r"shape \(5, 5\)"):
        F.conv2d(mg.zeros(5, 5), mg.zeros(1, 1, 3, 3))


def test_tiled_maxpool_and_avgpool_second_order_match_torch():
    x = rng.standard_normal((2, 3, 6, 6))
    tx, mx = torch.tensor(x, requires_grad=True), mg.tensor(x, requires_grad=True)

    def f(lib, x):
        return (lib.max_pool2d(x * x, 2) ** 2).sum() + (lib.avg_pool2d(x * x * x, 3, stride=2, padding=1) ** 2).sum()

    (tg,) = torch.autograd.grad(f(torch.nn.functional, tx), [tx], create_graph=True)
    (mgx,) = mg.autograd.grad(f(F, mx), [mx], create_graph=True)
    close("first-order", mgx, tg, np.float64)
    (tg * tg).sum().backward()
    (mgx * mgx).sum().backward()
    close("second-order", mx.grad, tx.grad, np.float64, scale=float(tx.grad.abs().max()))


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv3d_and_1d_pools_match_torch(dtype):
    check_module(torch.nn.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1, groups=2),
                 nn.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1, groups=2),
                 [rng.standard_normal((2, 2, 4, 5, 4))], dtype)
    check_module(torch.nn.AvgPool1d(3, 2, padding=1, count_include_pad=False),
                 nn.AvgPool1d(3, 2, padding=1, count_include_pad=False), [rng.standard_normal((2, 3, 9))], dtype)
    check_module(torch.nn.AdaptiveAvgPool1d(4), nn.AdaptiveAvgPool1d(4), [rng.standard_normal((2, 3, 9))], dtype)
