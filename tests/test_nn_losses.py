"""Losses vs torch: forward and input gradients under a random upstream gradient, float32 and float64, every
reduction; cross entropy with indices/probabilities/weight/ignore_index/label_smoothing; extreme logits; shape
errors; seed 000's (targets, predictions) forms."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from helpers import assert_close, check_op

import minigrad
from minigrad import nn
from minigrad.nn import functional as F

RED = ["mean", "sum", "none"]
DT = [np.float32, np.float64]
rng = np.random.default_rng(0)


def _pair(dtype, shape=(6, 4)):
    return rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.7}),
                                     ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.6})])
def test_regression_losses_match_torch(name, kw, reduction, dtype):
    x, t = _pair(dtype)
    check_op(name, lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw), [x, t],
             torch_fn=lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kw))


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weight,ignore,smooth", [(False, -100, 0.0), (True, -100, 0.0), (False, 2, 0.0),
                                                  (True, 1, 0.0), (False, -100, 0.2), (True, 3, 0.1)])
def test_cross_entropy_class_indices_match_torch(weight, ignore, smooth, reduction, dtype):
    x = rng.standard_normal((7, 5)).astype(dtype)
    t = rng.integers(0, 5, 7)
    t[0] = 1
    w = rng.random(5).astype(dtype) + 0.1
    kw = dict(ignore_index=ignore, reduction=reduction, label_smoothing=smooth)
    check_op("cross_entropy", lambda a, b: F.cross_entropy(a, b, weight=minigrad.tensor(w) if weight else None, **kw),
             [x, t], torch_fn=lambda a, b: TF.cross_entropy(a, b, weight=torch.tensor(w) if weight else None, **kw))


@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"label_smoothing": 0.1}, {"nll": True}, {"spatial": True}])
def test_every_target_ignored_gives_nan_and_no_gradient_as_torch(kw):
    # mean over zero targets is 0 / 0: torch returns nan and sends the ignored rows no gradient (not 0 * inf)
    shape = (2, 4, 3) if kw.get("spatial") else (6, 4)
    x = rng.standard_normal(shape).astype(np.float32)
    t = np.full((2, 3) if kw.get("spatial") else 6, -100)
    extra = {"label_smoothing": kw["label_smoothing"]} if "label_smoothing" in kw else {}
    w = np.ones(4, np.float32)
    a, b = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    if kw.get("nll"):
        loss, ref = F.nll_loss(a.log_softmax(1), minigrad.tensor(t)), TF.nll_loss(b.log_softmax(1), torch.tensor(t))
    else:
        loss = F.cross_entropy(a, minigrad.tensor(t), weight=minigrad.tensor(w) if "weight" in kw else None, **extra)
        ref = TF.cross_entropy(b, torch.tensor(t), weight=torch.tensor(w) if "weight" in kw else None, **extra)
    loss.backward()
    ref.backward()
    assert np.isnan(loss.item()) and np.isnan(ref.item())
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    assert not np.isnan(a.grad.numpy()).any()


def test_zero_weight_targets_give_nan_gradients_as_torch():
    x = rng.standard_normal((6, 4)).astype(np.float32)
    t, w = np.zeros(6, np.int64), np.array([0.0, 1.0, 1.0, 1.0], np.float32)
    a, b = minigrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.cross_entropy(a, minigrad.tensor(t), weight=minigrad.tensor(w)).backward()
    TF.cross_entropy(b, torch.tensor(t), weight=torch.tensor(w)).backward()
    assert np.isnan(a.grad.numpy()).all() and torch.isnan(b.grad).all()


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
def test_cross_entropy_spatial_and_unbatched_match_torch(reduction, dtype):
    x = rng.standard_normal((2, 4, 3, 3)).astype(dtype)
    t = rng.integers(0, 4, (2, 3, 3))
    check_op("cross_entropy (N,C,H,W)", lambda a, b: F.cross_entropy(a, b, reduction=reduction, ignore_index=0),
             [x, t], torch_fn=lambda a, b: TF.cross_entropy(a, b, reduction=reduction, ignore_index=0))
    x1 = rng.standard_normal(5).astype(dtype)
    check_op("cross_entropy (C,)", lambda a, b: F.cross_entropy(a, b, reduction=reduction), [x1, np.array(3)],
             torch_fn=lambda a, b: TF.cross_entropy(a, b, reduction=reduction))


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("weight,smooth", [(False, 0.0), (True, 0.15)])
def test_cross_entropy_probabilities_match_torch(weight, smooth, reduction, dtype):
    x = rng.standard_normal((6, 4)).astype(dtype)
    p = rng.random((6, 4)).astype(dtype)
    p /= p.sum(1, keepdims=True)
    w = rng.random(4).astype(dtype) + 0.5
    check_op("cross_entropy probs",
             lambda a, b: F.cross_entropy(a, b, weight=minigrad.tensor(w) if weight else None, reduction=reduction,
                                          label_smoothing=smooth), [x, p],
             torch_fn=lambda a, b: TF.cross_entropy(a, b, weight=torch.tensor(w) if weight else None,
                                                    reduction=reduction, label_smoothing=smooth))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("reduction", RED)
def test_nll_bce_kl_match_torch(reduction, dtype):
    logp = np.log(rng.dirichlet(np.ones(5), 6)).astype(dtype)
    t = rng.integers(0, 5, 6)
    w = (rng.random(5) + 0.2).astype(dtype)
    check_op("nll_loss", lambda a, b: F.nll_loss(a, b, weight=minigrad.tensor(w), reduction=reduction), [logp, t],
             torch_fn=lambda a, b: TF.nll_loss(a, b, weight=torch.tensor(w), reduction=reduction))
    p = rng.uniform(0.02, 0.98, (5, 3)).astype(dtype)
    y = rng.uniform(0, 1, (5, 3)).astype(dtype)
    bw = (rng.random(3) + 0.5).astype(dtype)
    check_op("binary_cross_entropy", lambda a, b: F.binary_cross_entropy(a, b, weight=minigrad.tensor(bw),
                                                                         reduction=reduction), [p, y],
             torch_fn=lambda a, b: TF.binary_cross_entropy(a, b, weight=torch.tensor(bw), reduction=reduction))
    z = (rng.standard_normal((5, 3)) * 3).astype(dtype)
    pw = (rng.random(3) * 2).astype(dtype)
    check_op("bce_with_logits", lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, weight=minigrad.tensor(bw), pos_weight=minigrad.tensor(pw), reduction=reduction), [z, y],
        torch_fn=lambda a, b: TF.binary_cross_entropy_with_logits(a, b, weight=torch.tensor(bw),
                                                                  pos_weight=torch.tensor(pw), reduction=reduction))
    q = np.log(rng.dirichlet(np.ones(4), 3)).astype(dtype)
    r = rng.dirichlet(np.ones(4), 3).astype(dtype)
    for red in (reduction, "batchmean"):
        check_op("kl_div", lambda a, b, red=red: F.kl_div(a, b, reduction=red), [q, r],
                 torch_fn=lambda a, b, red=red: TF.kl_div(a, b, reduction=red))
        check_op("kl_div log_target", lambda a, b, red=red: F.kl_div(a, b, reduction=red, log_target=True),
                 [q, np.log(r + 0.1)], torch_fn=lambda a, b, red=red: TF.kl_div(a, b, reduction=red, log_target=True))


def test_kl_div_zero_target_is_zero_not_nan():
    # torch's forward gives 0 * log 0 = 0 too; its target gradient there is NaN, minigrad's is finite
    q = np.log(np.array([[0.2, 0.3, 0.5]]))
    r = np.array([[0.0, 0.4, 0.6]])
    got = F.kl_div(minigrad.tensor(q), minigrad.tensor(r, requires_grad=True), reduction="sum")
    assert got.item() == pytest.approx(TF.kl_div(torch.tensor(q), torch.tensor(r), reduction="sum").item(), rel=1e-12)
    got.backward()


@pytest.mark.parametrize("dtype", DT)
def test_losses_stable_at_extreme_logits(dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=dtype)
    t = np.array([1, 2])
    check_op("cross_entropy at +-1000", lambda a, b: F.cross_entropy(a, b), [x, t],
             torch_fn=lambda a, b: TF.cross_entropy(a, b))
    check_op("cross_entropy smoothed at +-1000", lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1), [x, t],
             torch_fn=lambda a, b: TF.cross_entropy(a, b, label_smoothing=0.1))
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype=dtype)
    check_op("bce_with_logits at +-1000", lambda a, b: F.binary_cross_entropy_with_logits(a, b), [x, y],
             torch_fn=lambda a, b: TF.binary_cross_entropy_with_logits(a, b))
    p = np.array([[0.0, 1.0, 0.5]], dtype=dtype)
    out = F.binary_cross_entropy(minigrad.tensor(p, requires_grad=True), minigrad.tensor(np.array([[1.0, 0.0, 1.0]],
                                                                                                   dtype=dtype)))
    assert np.isfinite(out.item())
    ce = F.cross_entropy(minigrad.tensor(x, requires_grad=True), minigrad.tensor(t))
    assert np.isfinite(ce.item())


def test_loss_modules_match_functional_and_torch():
    x, t = _pair(np.float64)
    idx = rng.integers(0, 4, 6)
    pairs = [(nn.MSELoss(), torch.nn.MSELoss(), t), (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), t),
             (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5), t),
             (nn.HuberLoss(delta=2.0), torch.nn.HuberLoss(delta=2.0), t),
             (nn.CrossEntropyLoss(label_smoothing=0.1), torch.nn.CrossEntropyLoss(label_smoothing=0.1), idx),
             (nn.CrossEntropyLoss(weight=minigrad.tensor(np.arange(1.0, 5.0)), ignore_index=0),
              torch.nn.CrossEntropyLoss(weight=torch.arange(1.0, 5.0, dtype=torch.float64), ignore_index=0), idx),
             (nn.NLLLoss(), torch.nn.NLLLoss(), idx),
             (nn.BCEWithLogitsLoss(pos_weight=minigrad.tensor(np.full(4, 2.0))),
              torch.nn.BCEWithLogitsLoss(pos_weight=torch.full((4,), 2.0, dtype=torch.float64)), (t > 0) * 1.0),
             (nn.KLDivLoss(reduction="batchmean"), torch.nn.KLDivLoss(reduction="batchmean"), np.abs(t))]
    for mine, theirs, target in pairs:
        got = mine(minigrad.tensor(x), minigrad.tensor(target)).item()
        want = theirs(torch.tensor(x), torch.tensor(target)).item()
        assert abs(got - want) <= 1e-12 * max(1, abs(want)), f"{mine}: {got} vs torch {want}"
    bce = nn.BCELoss()(minigrad.tensor(1 / (1 + np.exp(-x))), minigrad.tensor((t > 0) * 1.0)).item()
    assert abs(bce - torch.nn.BCELoss()(torch.sigmoid(torch.tensor(x)), torch.tensor((t > 0) * 1.0)).item()) < 1e-12


def test_unequal_shapes_raise_instead_of_broadcasting():
    x, y = minigrad.randn(5, 1), minigrad.randn(5)
    for fn in (F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss, F.binary_cross_entropy_with_logits,
               F.kl_div):
        with pytest.raises(ValueError, match=r"input shape \(5, 1\) and target shape \(5,\) differ"):
            fn(x, y)
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(5, 1\) and target shape \(5,\) differ"):
        nn.MSELoss()(x, y)
    with pytest.raises(ValueError, match=r"cross_entropy: input of shape \(4, 3\) needs class-index target of "
                                         r"shape \(4,\), got \(4, 1\)"):
        F.cross_entropy(minigrad.randn(4, 3), minigrad.tensor([[0], [1], [2], [0]]))
    with pytest.raises(IndexError, match="cross_entropy: target 3 is out of bounds for 3 classes"):
        F.cross_entropy(minigrad.randn(2, 3), minigrad.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="binary_cross_entropy: all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(minigrad.tensor([1.5]), minigrad.tensor([1.0]))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_seed000_loss_forms_keep_targets_first():
    probs = minigrad.tensor(rng.dirichlet(np.ones(4), 5), dtype=minigrad.float32, requires_grad=True)
    gt = minigrad.tensor([0, 3, 1, 2, 3])
    onehot = np.eye(4, dtype=np.float32)[gt.numpy()]
    mse = nn.losses.MSE(4)(gt, probs)
    assert_close("losses.MSE", "value", mse.numpy(), TF.mse_loss(torch.tensor(probs.numpy()), torch.tensor(onehot))
                 .numpy(), np.float32, [(5, 4)], ["float32"])
    mse.backward()
    assert probs.grad.shape == (5, 4)
    ce = nn.losses.CrossEntropyLoss(4)(gt, probs).item()
    want = TF.nll_loss(torch.log(torch.tensor(probs.numpy())), torch.tensor(gt.numpy())).item()
    assert abs(ce - want) < 1e-5
    assert nn.losses.MAE(4)(gt, probs).item() == pytest.approx(np.abs(probs.numpy() - onehot).mean(), rel=1e-6)
    # float labels (seed 000 passes NumPy label arrays) are one-hot encoded too
    assert nn.losses.MSE(4)(minigrad.tensor([0.0, 3.0, 1.0, 2.0, 3.0]), probs).item() == pytest.approx(mse.item())


@pytest.mark.parametrize("reduction", RED + ["batchmean"])
def test_kl_div_negative_target_is_nan_as_torch(reduction):
    # torch's xlogy zeroes only target == 0; a negative target takes the log of a negative
    q = np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]))
    r = np.array([[-0.5, 0.0, 1.5], [0.2, 0.3, 0.5]])
    a, b = minigrad.tensor(q, requires_grad=True), torch.tensor(q, requires_grad=True)
    with np.errstate(invalid="ignore"):
        got = F.kl_div(a, minigrad.tensor(r), reduction=reduction)
    want = TF.kl_div(b, torch.tensor(r), reduction=reduction)
    assert_close("kl_div", "forward", got.numpy(), want.detach().numpy(), np.float64, q.shape, "float64")
    assert np.isnan(got.numpy()).any()
    got.sum().backward()
    want.sum().backward()
    assert_close("kl_div", "input grad", a.grad.numpy(), b.grad.numpy(), np.float64, q.shape, "float64")
