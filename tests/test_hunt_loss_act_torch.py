"""Differential hunt against torch over activations, losses and dropout: the forms torch code writes that minigrad
refused or got wrong (inplace=True ignored, missing activations, losses and dropout variants, float64 probability
targets cast down). Values and gradients are compared with torch under a random upstream gradient."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF
from helpers import check_op

import minigrad
from minigrad.nn import activation, dropout, loss
from minigrad.nn import functional as F

RED = ["mean", "sum", "none"]
DT = [np.float32, np.float64]
rng = np.random.default_rng(0)
# the modules by name, read from their files (the package's nn namespace may not re-export the new ones yet)
_MG_NN = {**vars(activation), **vars(loss), **vars(dropout)}


def _F(t):
    return TF if isinstance(t, torch.Tensor) else F


def _nn(t, name):
    return getattr(torch.nn, name) if isinstance(t, torch.Tensor) else _MG_NN[name]


def _kinks(dtype):
    """Random values plus the points where these activations bend: 0, +-0.5 (shrink's lambd), +-1, +-20."""
    x = rng.standard_normal(24) * 3
    x[:9] = [0.0, 0.5, -0.5, 1.0, -1.0, 0.2, -0.2, 20.0, -20.0]
    return x.reshape(4, 6).astype(dtype)


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("name,kw", [("celu", {}), ("celu", {"alpha": 0.5}), ("celu", {"alpha": -2.0}), ("selu", {}),
                                     ("threshold", {"threshold": 0.2, "value": -3.0}), ("hardshrink", {}),
                                     ("hardshrink", {"lambd": 0.2}), ("hardshrink", {"lambd": -0.5}),
                                     ("softshrink", {}), ("softshrink", {"lambd": 0.0}), ("softshrink", {"lambd": 1.0}),
                                     ("rrelu", {}), ("rrelu", {"lower": 0.1, "upper": 0.3})])
def test_new_activation_functionals_match_torch(name, kw, dtype):
    check_op(name, lambda x: getattr(_F(x), name)(x, **kw), [_kinks(dtype)])


@pytest.mark.parametrize("make", [lambda nn: nn("CELU")(2.0), lambda nn: nn("SELU")(), lambda nn: nn("Threshold")(0.1, 20),
                                  lambda nn: nn("Hardshrink")(0.3), lambda nn: nn("Softshrink")(), lambda nn: nn("Softmax2d")(),
                                  lambda nn: nn("RReLU")(0.1, 0.4).eval()])
def test_new_activation_modules_match_torch(make):
    # CELU's alpha has an exact float32 inverse: torch's float64 backward uses float32(1 / alpha)
    x = _kinks(np.float64).reshape(2, 3, 4)
    check_op("module", lambda t: make(lambda name: _nn(t, name))(t), [x])


def test_softmax2d_and_shrink_refuse_as_torch():
    with pytest.raises(ValueError, match="Softmax2d.*3D or 4D"):
        _MG_NN["Softmax2d"]()(minigrad.ones(3, 4))
    with pytest.raises(RuntimeError, match="softshrink.*lambda"):
        F.softshrink(minigrad.ones(3), -0.5)
    with pytest.raises(RuntimeError, match="celu.*alpha cannot be 0"):
        F.celu(minigrad.ones(3), 0.0)
    with pytest.raises(RuntimeError, match="rrelu.*lower bound"):
        F.rrelu(minigrad.ones(3), 0.5, 0.1)


def test_rrelu_training_draws_slopes_between_lower_and_upper():
    minigrad.manual_seed(0)
    x = minigrad.tensor(-np.ones((200, 50)), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    slopes = -y.detach().numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01
    np.testing.assert_array_equal(x.grad.numpy(), slopes)  # the gradient is the drawn slope
    np.testing.assert_array_equal(F.rrelu(minigrad.tensor([2.0]), training=True).numpy(), [2.0])


# ------------------------------------------------------------------------------------------------ inplace=True
_INPLACE = [("relu", ()), ("leaky_relu", (0.2,)), ("elu", (0.5,)), ("celu", (0.5,)), ("selu", ()), ("silu", ()),
            ("hardtanh", (-0.5, 0.5)), ("relu6", ()), ("hardswish", ()), ("mish", ()),
            ("threshold", (0.1, -2.0)), ("rrelu", (0.1, 0.3)), ("dropout", (0.0,)), ("dropout", (1.0,))]


@pytest.mark.parametrize("name,args", _INPLACE)
def test_inplace_flag_writes_the_result_into_the_input_as_torch(name, args):
    # torch code that keeps using the tensor it passed with inplace=True (the old code ignored the flag)
    def fn(x):
        h = x * 2.0
        out = getattr(_F(x), name)(h, *args, inplace=True)
        assert out is h
        return h * 1.5 + x

    check_op(name, fn, [_kinks(np.float64)])


@pytest.mark.parametrize("make", [lambda nn: nn("ReLU")(inplace=True), lambda nn: nn("LeakyReLU")(0.1, inplace=True),
                                  lambda nn: nn("ELU")(inplace=True), lambda nn: nn("SiLU")(inplace=True),
                                  lambda nn: nn("Hardtanh")(inplace=True), lambda nn: nn("ReLU6")(inplace=True),
                                  lambda nn: nn("Hardswish")(inplace=True), lambda nn: nn("Mish")(inplace=True),
                                  lambda nn: nn("CELU")(inplace=True), lambda nn: nn("SELU")(inplace=True),
                                  lambda nn: nn("Threshold")(0.1, 2.0, inplace=True)])
def test_inplace_modules_write_into_the_input_as_torch(make):
    def fn(x):
        h = x * 2.0
        assert make(lambda name: _nn(x, name))(h) is h
        return h * 1.5 + x

    check_op("module", fn, [_kinks(np.float64)])


@pytest.mark.parametrize("name,args", [("relu_", ()), ("leaky_relu_", (0.2,)), ("elu_", (0.5,)), ("celu_", (0.5,)),
                                       ("selu_", ()), ("hardtanh_", (-0.5, 0.5)), ("threshold_", (0.1, -2.0)),
                                       ("rrelu_", (0.1, 0.3))])
def test_inplace_functional_forms_match_torch(name, args):
    def fn(x):
        h = x * 2.0
        assert getattr(_F(x), name)(h, *args) is h
        return h * 1.5 + x

    check_op(name, fn, [_kinks(np.float64)])


def test_dropout_inplace_zeroes_the_input_when_training():
    t = minigrad.ones(1000)
    F.dropout(t, 0.5, True, True)
    assert set(np.unique(t.numpy())) == {0.0, 2.0}


# ------------------------------------------------------------------------------------------------ dropout
@pytest.mark.parametrize("name,shape,lead", [("dropout1d", (64, 32, 6), 2), ("dropout1d", (64, 6), 1),
                                             ("dropout2d", (32, 32, 3, 3), 2), ("dropout2d", (32, 32, 9), 2),
                                             ("dropout3d", (16, 32, 2, 2, 2), 2), ("dropout3d", (64, 2, 2, 2), 1)])
def test_channel_dropout_zeroes_whole_channels_and_scales_as_torch(name, shape, lead):
    minigrad.manual_seed(0)
    x = minigrad.ones(*shape, requires_grad=True)
    y = getattr(F, name)(x, 0.3)
    y.sum().backward()
    d = y.detach().numpy().reshape(shape[:lead] + (-1,))
    assert (d == d[..., :1]).all()  # one draw per channel
    assert set(np.unique(d)) == {0.0, np.float32(1 / 0.7)} and abs((d == 0).mean() - 0.3) < 0.06
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


@pytest.mark.parametrize("name,lead", [("alpha_dropout", None), ("feature_alpha_dropout", 2)])
def test_alpha_dropout_keeps_mean_and_variance_with_torchs_affine_map(name, lead):
    minigrad.manual_seed(0)
    x = rng.standard_normal((200, 100, 4))
    t = minigrad.tensor(x, requires_grad=True)
    y = getattr(F, name)(t, 0.2, training=True)
    y.sum().backward()
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)
    g = t.grad.numpy()
    assert set(np.unique(np.round(g, 12))) == {0.0, round(a, 12)}
    kept = g != 0
    # dropped units sit at SELU's negative limit after the same affine map as torch's
    np.testing.assert_allclose(y.detach().numpy()[~kept], -1.7580993408473766 * a * 0.8)
    np.testing.assert_allclose(y.detach().numpy()[kept], x[kept] * a + 1.7580993408473766 * a * 0.2)
    assert abs(y.detach().numpy().mean()) < 0.02 and abs(y.detach().numpy().std() - 1) < 0.02
    if lead:
        assert (g == g[..., :1]).all()


@pytest.mark.parametrize("name,shape", [("Dropout1d", (2, 3, 4)), ("Dropout2d", (2, 3, 4, 2)),
                                        ("Dropout3d", (2, 3, 4, 2, 2)), ("AlphaDropout", (2, 3)),
                                        ("FeatureAlphaDropout", (2, 3, 4))])
def test_dropout_modules_are_identity_in_eval_and_repr_as_torch(name, shape):
    check_op(name, lambda t: _nn(t, name)(0.5).eval()(t), [rng.standard_normal(shape)])
    assert repr(_MG_NN[name](0.2, True)) == repr(getattr(torch.nn, name)(0.2, True))


@pytest.mark.parametrize("call", [lambda f, x: f.dropout1d(x, 1.0), lambda f, x: f.dropout2d(x, 0.0),
                                  lambda f, x: f.alpha_dropout(x, 1.0, True), lambda f, x: f.alpha_dropout(x, 0.5),
                                  lambda f, x: f.feature_alpha_dropout(x, 1.0, True)])
def test_dropout_variants_at_p_0_and_1_and_default_training_match_torch(call):
    check_op("dropout", lambda t: call(_F(t), t), [rng.standard_normal((4, 3, 5))])


@pytest.mark.parametrize("call", [lambda f, x: f.dropout1d(x.reshape(2, 2, 3, 5), 0.5),
                                  lambda f, x: f.dropout2d(x.reshape(-1), 0.5),
                                  lambda f, x: f.feature_alpha_dropout(x.reshape(-1), 0.5, True),
                                  lambda f, x: f.dropout1d(x, 1.5), lambda f, x: f.alpha_dropout(x, -0.1, True)])
def test_dropout_variants_refuse_bad_input_as_torch(call):
    x = np.ones((4, 3, 5))
    with pytest.raises((RuntimeError, ValueError)) as ref:
        call(TF, torch.tensor(x))
    with pytest.raises(ref.type, match="dropout"):
        call(F, minigrad.tensor(x))


# ------------------------------------------------------------------------------------------------ losses
def _pm1(shape):
    return np.where(rng.random(shape) > 0.5, 1.0, -1.0)


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
def test_pair_and_margin_losses_match_torch(reduction, dtype):
    a, b, c = (rng.standard_normal((5, 4)).astype(dtype) for _ in range(3))
    y, y_int, s = _pm1(5).astype(dtype), _pm1(5).astype(np.int64), _pm1((5, 4)).astype(dtype)
    kw = {"reduction": reduction}
    cases = [
        ("cosine_embedding_loss", lambda x1, x2: _F(x1).cosine_embedding_loss(x1, x2, _t(x1, y_int), **kw), [a, b]),
        ("cosine_embedding_loss", lambda x1, x2: _nn(x1, "CosineEmbeddingLoss")(0.3, **kw)(x1, x2, _t(x1, y)),
         [a, b[:1]]),
        ("cosine_embedding_loss", lambda x1, x2: _F(x1).cosine_embedding_loss(x1[0], x2[0], _t(x1, np.float64(-1.0)),
                                                                             margin=-0.5, **kw), [a, b]),
        ("margin_ranking_loss", lambda x1, x2: _F(x1).margin_ranking_loss(x1, x2, _t(x1, s), 0.2, **kw),
         [a, b]),
        ("margin_ranking_loss", lambda x1, x2: _nn(x1, "MarginRankingLoss")(**kw)(x1[:, 0], x2[:, 0], _t(x1, y_int)),
         [a, b]),
        ("hinge_embedding_loss", lambda x: _F(x).hinge_embedding_loss(x, _t(x, s), **kw),
         [a]),
        ("hinge_embedding_loss", lambda x: _nn(x, "HingeEmbeddingLoss")(0.5, **kw)(x, _t(x, -s)), [a]),
        ("soft_margin_loss", lambda x: _nn(x, "SoftMarginLoss")(**kw)(x, _t(x, s)), [a]),
        ("multilabel_soft_margin_loss", lambda x: _F(x).multilabel_soft_margin_loss(
            x, _t(x, (b > 0).astype(dtype)), **kw), [a]),
        ("multilabel_soft_margin_loss", lambda x: _nn(x, "MultiLabelSoftMarginLoss")(
            weight=_t(x, np.array([1.0, 2, 3, 0.5], dtype)), **kw)(x, _t(x, (b > 0).astype(dtype))), [a]),
        ("triplet_margin_loss", lambda x1, x2, x3: _F(x1).triplet_margin_loss(x1, x2, x3, margin=0.5, **kw),
         [a, b, c]),
        ("triplet_margin_loss", lambda x1, x2, x3: _nn(x1, "TripletMarginLoss")(2.0, 1, swap=True, **kw)(x1, x2, x3),
         [a, b, c]),
        ("triplet_margin_loss", lambda x1, x2, x3: _F(x1).triplet_margin_loss(x1, x2, x3, p=float("inf"), **kw),
         [a[0], b[0], c[0]]),
        ("triplet_margin_with_distance_loss", lambda x1, x2, x3: _nn(x1, "TripletMarginWithDistanceLoss")(
            distance_function=lambda u, v: 1 - _F(u).cosine_similarity(u, v), swap=True, **kw)(x1, x2, x3),
         [a, b, c]),
        ("triplet_margin_with_distance_loss", lambda x1, x2, x3: _F(x1).triplet_margin_with_distance_loss(
            x1, x2, x3, **kw), [a, b, c]),
    ]
    for name, fn, arrays in cases:
        check_op(name, fn, arrays)


def _t(like, array):
    return (torch.tensor if isinstance(like, torch.Tensor) else minigrad.tensor)(array)


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("p,margin,weight", [(1, 1.0, False), (2, 1.0, False), (1, 0.3, True), (2, 0.5, True)])
def test_multi_margin_loss_matches_torch(p, margin, weight, reduction, dtype):
    x = rng.standard_normal((5, 4)).astype(dtype)
    x[0, :3] = [1.0, 0.0, 2.0]  # margins met exactly: no gradient there, as torch
    t = np.array([0, 3, 1, 2, 2])
    w = np.array([1.0, 2, 3, 0.5], dtype)
    check_op("multi_margin_loss", lambda a: _nn(a, "MultiMarginLoss")(
        p, margin, weight=_t(a, w) if weight else None, reduction=reduction)(a, _t(a, t)), [x])
    check_op("multi_margin_loss", lambda a: _F(a).multi_margin_loss(a[0], _t(a, np.int64(2)), reduction=reduction), [x])
    check_op("multi_margin_loss", lambda a: _F(a).multi_margin_loss(a[0], _t(a, [2]), reduction=reduction), [x])


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True), (False, True)])
def test_poisson_nll_loss_matches_torch(log_input, full, reduction, dtype):
    x = rng.standard_normal((5, 4)).astype(dtype)
    counts = np.floor(rng.random((5, 4)) * 5).astype(dtype)  # 0 .. 4: Stirling's term only where target > 1
    check_op("poisson_nll_loss", lambda a: _nn(a, "PoissonNLLLoss")(log_input, full, eps=1e-3, reduction=reduction)(
        a if log_input else a.abs(), _t(a, counts)), [x])


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var", [lambda v: v.abs(), lambda v: v[:, 0].abs(), lambda v: v[:, :1].abs(),
                                 lambda v: v.abs() * 1e-8, lambda v: 0.7])
def test_gaussian_nll_loss_matches_torch(var, full, reduction, dtype):
    # var of the input's shape, one dim short, one dim of size 1, below eps (clamped, its gradient kept), a number
    x, t, v = (rng.standard_normal((5, 4)).astype(dtype) for _ in range(3))
    check_op("gaussian_nll_loss", lambda a, b, c: _nn(a, "GaussianNLLLoss")(full=full, reduction=reduction)(
        a, b, var(c)), [x, t, v])


@pytest.mark.parametrize("dtype", DT)
def test_cosine_similarity_and_pairwise_distance_match_torch(dtype):
    a, b = rng.standard_normal((5, 4)).astype(dtype), rng.standard_normal((5, 4)).astype(dtype)
    b1, v = rng.standard_normal((1, 4)).astype(dtype), rng.standard_normal(4).astype(dtype)
    for dim in (1, 0, -1):
        check_op("cosine_similarity", lambda x, y, dim=dim: _F(x).cosine_similarity(x, y, dim=dim), [a, b])
        # the norms are over the broadcast shape: (1, 4) against (5, 4) along dim 0 counts the row 5 times
        check_op("cosine_similarity", lambda x, y, dim=dim: _nn(x, "CosineSimilarity")(dim=dim)(x, y), [a, b1])
    check_op("cosine_similarity", lambda x, y: _F(x).cosine_similarity(x, y, dim=-1), [a, v])
    check_op("cosine_similarity", lambda x, y: _F(x).cosine_similarity(x, y), [np.zeros_like(a), b])
    for p in (2, 1, 3, float("inf"), 0.5):
        check_op("pairwise_distance", lambda x, y, p=p: _F(x).pairwise_distance(x, y, p=p), [a, b])
        check_op("pairwise_distance", lambda x, y, p=p: _nn(x, "PairwiseDistance")(p, 1e-3, True)(x, y), [a, v])
    check_op("pairwise_distance", lambda x, y: _F(x).pairwise_distance(x, y), [v, v * 2])
    check_op("pairwise_distance", lambda x, y: _F(x).pairwise_distance(x, y), [a, a])


@pytest.mark.parametrize("call", [
    lambda f, a: f.cosine_embedding_loss(a, a, a[:, :2]),
    lambda f, a: f.cosine_embedding_loss(a, a, a[0, 0]),
    lambda f, a: f.margin_ranking_loss(a[:, 0], a[:, :1], a[:, 0]),
    lambda f, a: f.multi_margin_loss(a, (a[:, 0] > 9).long() + 4),
    lambda f, a: f.multi_margin_loss(a, (a[:, 0] > 9).long(), p=3),
    lambda f, a: f.multi_margin_loss(a, (a[:, :1] > 9).long()),
    lambda f, a: f.multi_margin_loss(a.reshape(5, 2, 2), (a[:, 0] > 9).long()),
    lambda f, a: f.gaussian_nll_loss(a, a, -a.abs()),
    lambda f, a: f.gaussian_nll_loss(a, a, a[0].abs()),
    lambda f, a: f.gaussian_nll_loss(a, a, a.abs(), reduction="avg"),
    lambda f, a: f.triplet_margin_loss(a, a, a[0]),
    lambda f, a: f.triplet_margin_loss(a, a, a, margin=0.0),
    lambda f, a: f.poisson_nll_loss(a, a, reduction="avg"),
    lambda f, a: f.cosine_similarity(a, a[:, :3]),
    lambda f, a: f.multi_margin_loss(a, (a[:, 0] > 9).long(), weight=a[0, :3]),
])
def test_new_losses_refuse_bad_input_as_torch(call):
    x = rng.standard_normal((5, 4))
    with pytest.raises((RuntimeError, ValueError)) as ref:
        call(TF, torch.tensor(x))
    with pytest.raises(ref.type, match=r"(loss|similarity): "):
        call(F, minigrad.tensor(x))


def test_cross_entropy_float64_probabilities_promote_float32_logits_as_torch():
    # the old code cast the float64 target down to float32 (torch gives a float64 loss)
    x, p = rng.standard_normal((5, 4)).astype(np.float32), rng.random((5, 4))
    got, want = F.cross_entropy(minigrad.tensor(x), minigrad.tensor(p)), TF.cross_entropy(torch.tensor(x), torch.tensor(p))
    assert str(got.dtype) == "float64" and want.dtype == torch.float64
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)  # the log_softmax runs in float32 in both


@pytest.mark.parametrize("name", ["softplus", "silu", "logsigmoid"])
def test_second_derivative_at_zero_matches_torch(name):
    # the shared stable sigmoid used exp(-|x|), and abs's derivative is 0 at 0: softplus''(0) came out 0 (torch 0.25)
    v = [0.0, 1.5, -2.0, -30.0]
    x = minigrad.tensor(v, dtype=minigrad.float64, requires_grad=True)
    (g,) = minigrad.autograd.grad(getattr(F, name)(x).sum(), x, create_graph=True)
    (h,) = minigrad.autograd.grad(g.sum(), x)
    tx = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(getattr(torch.nn.functional, name)(tx).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12, atol=1e-300)
