"""Linear, Bilinear, Flatten/Unflatten/Identity, activations, Dropout, nn.init and nn.utils vs torch."""
import math
import warnings

import numpy as np
import pytest
import torch
from helpers import check_op

import minigrad
from minigrad import nn
from minigrad.nn import functional as F

DT = [np.float32, np.float64]
rng = np.random.default_rng(0)


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((3, 4)).astype(dtype)
    b = rng.standard_normal(3).astype(dtype)
    arrays = [x, w, b] if bias else [x, w]
    check_op("linear", lambda *a: F.linear(*a), arrays, torch_fn=lambda *a: torch.nn.functional.linear(*a))


@pytest.mark.parametrize("dtype", DT)
def test_linear_module_with_torch_weights(dtype):
    lin, tl = nn.Linear(4, 3, dtype=dtype), torch.nn.Linear(4, 3, dtype=getattr(torch, np.dtype(dtype).name))
    lin.load_state_dict(tl.state_dict())
    x = rng.standard_normal((6, 4)).astype(dtype)
    g = rng.standard_normal((6, 3)).astype(dtype)
    out, tout = lin(minigrad.tensor(x)), tl(torch.tensor(x))
    out.backward(minigrad.tensor(g))
    tout.backward(torch.tensor(g))
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **tol)
    np.testing.assert_allclose(lin.weight.grad.numpy(), tl.weight.grad.numpy(), **tol)
    np.testing.assert_allclose(lin.bias.grad.numpy(), tl.bias.grad.numpy(), **tol)
    assert lin.weight.dtype == dtype and repr(lin) == repr(tl).replace(", dtype=torch.float64", "")


def test_linear_seed000_keywords_and_errors():
    lin = nn.Linear(input_size=np.prod((8, 8)), output_size=10)
    assert (lin.in_features, lin.out_features) == (64, 10) and lin.weight.shape == (10, 64)
    assert nn.Linear(3, 2, bias=False).bias is None
    with pytest.raises(TypeError, match="give in_features or input_size, not both"):
        nn.Linear(3, 2, input_size=3)
    with pytest.raises(TypeError, match="missing in_features"):
        nn.Linear(out_features=3)
    with pytest.raises(RuntimeError, match=r"linear: input of shape \(2, 5\) does not match weight of shape \(2, 3\)"):
        nn.Linear(3, 2)(minigrad.randn(2, 5))


@pytest.mark.parametrize("dtype", DT)
def test_bilinear_matches_torch(dtype):
    x1 = rng.standard_normal((5, 3)).astype(dtype)
    x2 = rng.standard_normal((5, 4)).astype(dtype)
    w = rng.standard_normal((2, 3, 4)).astype(dtype)
    b = rng.standard_normal(2).astype(dtype)
    check_op("bilinear", lambda *a: F.bilinear(*a), [x1, x2, w, b],
             torch_fn=lambda *a: torch.nn.functional.bilinear(*a))
    m = nn.Bilinear(3, 4, 2)
    assert [k for k in m.state_dict()] == list(torch.nn.Bilinear(3, 4, 2).state_dict())
    assert m(minigrad.randn(7, 3), minigrad.randn(7, 4)).shape == (7, 2)


def test_flatten_unflatten_identity():
    x = minigrad.randn(2, 3, 4, 5)
    tx = torch.tensor(x.numpy())
    for args in [(), (0,), (1, 2), (2, -1), (0, -2)]:
        assert nn.Flatten(*args)(x).shape == tuple(torch.nn.Flatten(*args)(tx).shape)
    assert nn.Unflatten(1, (3, 1))(minigrad.randn(2, 3, 4)).shape == (2, 3, 1, 4)
    assert nn.Unflatten(-1, (2, -1))(minigrad.randn(2, 6)).shape == (2, 2, 3)
    with pytest.raises(RuntimeError, match=r"Unflatten: unflattened_size \(2, 2\) does not multiply to dim 1 of "
                                           r"size 6"):
        nn.Unflatten(1, (2, 2))(minigrad.randn(2, 6))
    assert nn.Identity(3, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)


ACTS = [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)), (nn.ELU(0.7), torch.nn.ELU(0.7)),
        (nn.GELU(), torch.nn.GELU()), (nn.GELU("tanh"), torch.nn.GELU("tanh")), (nn.SiLU(), torch.nn.SiLU()),
        (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()), (nn.Softplus(2.0, 5.0),
                                                                          torch.nn.Softplus(2.0, 5.0)),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
        (nn.Softmin(dim=1), torch.nn.Softmin(dim=1))]


@pytest.mark.parametrize("dtype", DT)
@pytest.mark.parametrize("mine,theirs", ACTS, ids=[type(a).__name__ + str(i) for i, (a, _) in enumerate(ACTS)])
def test_activations_match_torch(mine, theirs, dtype):
    x = (rng.standard_normal((4, 5)) * 3).astype(dtype)
    check_op(type(mine).__name__, mine, [x], torch_fn=theirs)
    assert repr(mine) == repr(theirs)


def test_softmax_without_dim():
    x2 = minigrad.randn(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.Softmax()(x2)  # seed 000: 2-D input, same as torch's implicit dim=1, no warning
    np.testing.assert_allclose(out.numpy(), torch.softmax(torch.tensor(x2.numpy()), 1).numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="softmax: no dim given for a 3-D input; minigrad uses dim=-1"):
        out3 = nn.Softmax()(minigrad.randn(2, 3, 4))
    np.testing.assert_allclose(out3.numpy().sum(-1), 1, rtol=1e-6)


def test_dropout_train_eval_and_seeded():
    x = minigrad.ones(200, 50, requires_grad=True)
    d = nn.Dropout(0.3)
    minigrad.manual_seed(1)
    a = d(x)
    minigrad.manual_seed(1)
    b = d(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    kept = a.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.02 and np.allclose(a.numpy()[kept], 1 / 0.7)
    a.backward(minigrad.ones(200, 50))
    np.testing.assert_array_equal(x.grad.numpy(), a.numpy())
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_init_is_seeded_and_follows_torch_formulas():
    w = minigrad.empty(64, 32)
    t = torch.empty(64, 32)
    assert nn.init._calculate_fan_in_and_fan_out(minigrad.empty(8, 4, 3, 3)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(8, 4, 3, 3))
    for nl, p in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("linear", None), ("selu", None)]:
        assert nn.init.calculate_gain(nl, p) == pytest.approx(torch.nn.init.calculate_gain(nl, p))
    for fn, kw in [("uniform_", dict(a=-2, b=3)), ("normal_", dict(mean=1, std=2)), ("xavier_uniform_", {}),
                   ("xavier_normal_", dict(gain=2.0)), ("kaiming_uniform_", dict(a=math.sqrt(5))),
                   ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu")), ("trunc_normal_", dict(std=0.5)),
                   ("orthogonal_", dict(gain=1.5))]:
        minigrad.manual_seed(3)
        a = getattr(nn.init, fn)(w, **kw).numpy().copy()
        minigrad.manual_seed(3)
        b = getattr(nn.init, fn)(w, **kw).numpy()
        np.testing.assert_array_equal(a, b, err_msg=fn)
        ref = getattr(torch.nn.init, fn)(t, **kw).numpy()
        # same distribution: compare mean, std and range with torch's draw (2048 samples each)
        assert abs(a.mean() - ref.mean()) < 0.15 * max(ref.std(), 1e-3) + 0.05, fn
        assert abs(a.std() - ref.std()) < 0.08 * ref.std(), fn
        if "uniform" in fn:
            assert a.min() >= ref.min() - 0.02 * ref.std() * 4 and a.max() <= ref.max() + 0.02 * ref.std() * 4, fn
    q = nn.init.orthogonal_(minigrad.empty(3, 5)).numpy()
    np.testing.assert_allclose(q @ q.T, np.eye(3), atol=1e-6)
    assert np.all(nn.init.constant_(minigrad.empty(2, 2), 0.5).numpy() == 0.5)
    assert np.all(nn.init.zeros_(minigrad.ones(3)).numpy() == 0)
    assert np.all(nn.init.ones_(minigrad.zeros(3)).numpy() == 1)
    np.testing.assert_array_equal(nn.init.eye_(minigrad.empty(2, 3)).numpy(), np.eye(2, 3))
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 dim"):
        nn.init.xavier_uniform_(minigrad.empty(5))


def test_default_init_distributions_as_torch():
    minigrad.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.numpy(), lin.bias.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound and abs(w.mean()) < 0.01 * bound
    assert np.abs(b).max() <= bound
    minigrad.manual_seed(0)
    again = nn.Linear(400, 300)
    np.testing.assert_array_equal(again.weight.numpy(), w)
    assert not np.array_equal(nn.Linear(400, 300).weight.numpy(), w)
    bil = nn.Bilinear(20, 30, 40)
    assert np.abs(bil.weight.numpy()).max() <= 1 / math.sqrt(20)


def test_clip_grad_and_vectors_match_torch():
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    for norm_type in (2.0, 1.0, math.inf):
        mp = [minigrad.tensor(a, requires_grad=True) for a in arrays]
        tp = [torch.tensor(a, requires_grad=True) for a in arrays]
        for p, a in zip(mp, arrays):
            p.grad = minigrad.tensor(a * 3)
        for p, a in zip(tp, arrays):
            p.grad = torch.tensor(a * 3)
        n1 = nn.utils.clip_grad_norm_(mp, 1.5, norm_type)
        n2 = torch.nn.utils.clip_grad_norm_(tp, 1.5, norm_type)
        assert n1.item() == pytest.approx(n2.item(), rel=1e-12)
        for p, t in zip(mp, tp):
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    nn.utils.clip_grad_value_(mp, 0.1)
    torch.nn.utils.clip_grad_value_(tp, 0.1)
    for p, t in zip(mp, tp):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    vec = nn.utils.parameters_to_vector(mp)
    np.testing.assert_array_equal(vec.numpy(), torch.nn.utils.parameters_to_vector(tp).detach().numpy())
    nn.utils.vector_to_parameters(vec * 2, mp)
    np.testing.assert_allclose(mp[1].numpy(), arrays[1] * 2)
    with pytest.raises(RuntimeError, match="non-finite"):
        mp[0].grad = minigrad.tensor(np.full((3, 4), np.inf))
        nn.utils.clip_grad_norm_(mp, 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_linear_and_cross_entropy_double_backward_match_torch(reduction):
    x = rng.standard_normal((5, 4))
    w = rng.standard_normal((3, 4))
    b = rng.standard_normal(3)
    t = np.array([0, 2, 1, 1, 2])
    v = rng.standard_normal((3, 4))

    def second(lib, tensors):
        xx, ww, bb = tensors
        if lib is torch:
            loss = torch.nn.functional.cross_entropy(torch.nn.functional.linear(xx, ww, bb), torch.tensor(t),
                                                     reduction=reduction)
        else:
            loss = F.cross_entropy(F.linear(xx, ww, bb), minigrad.tensor(t), reduction=reduction)
        gw = lib.autograd.grad(loss.sum(), [ww], create_graph=True)[0]
        return lib.autograd.grad((gw * (torch.tensor(v) if lib is torch else minigrad.tensor(v))).sum(),
                                 [xx, ww, bb])

    mine = second(minigrad, [minigrad.tensor(a, requires_grad=True) for a in (x, w, b)])
    theirs = second(torch, [torch.tensor(a, requires_grad=True) for a in (x, w, b)])
    for m, t_ in zip(mine, theirs):
        np.testing.assert_allclose(m.numpy(), t_.numpy(), rtol=1e-10, atol=1e-12)


def test_error_messages_name_the_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"bilinear: inputs of shapes \(2, 3\) and \(2, 5\) do not match weight of "
                                           r"shape \(4, 3, 4\)"):
        nn.Bilinear(3, 4, 4)(minigrad.randn(2, 3), minigrad.randn(2, 5))
    with pytest.raises(IndexError, match=r"Flatten: dims \(1, 5\) are out of range for an input of shape \(2, 3\)"):
        nn.Flatten(1, 5)(minigrad.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"one_hot: class values must be in \[0, 3\), got values in \[-1, 2\]"):
        F.one_hot(minigrad.tensor([-1, 2]), 3)
    with pytest.raises(RuntimeError, match=r"cross_entropy: weight tensor should be defined either for all 3 classes "
                                           r"or no classes but got weight tensor of shape: \(2,\)"):
        F.cross_entropy(minigrad.randn(4, 3), minigrad.tensor([0, 1, 2, 0]), weight=minigrad.ones(2))
    with pytest.raises(RuntimeError, match="nll_loss: expected target of integer dtype"):
        F.nll_loss(minigrad.randn(4, 3), minigrad.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(minigrad.randn(2), approximate="fast")
    with pytest.raises(ValueError, match=r"Linear: in_features must be a non-negative integer, got 2.5"):
        nn.Linear(2.5, 3)
    w = minigrad.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor \(shape \(1,\)\)"):
        minigrad.optim.SGD([w * 2], lr=0.1)
    opt = minigrad.optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match=r"loaded state dict has a different number of parameter groups \(2\)"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})
