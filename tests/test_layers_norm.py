"""BatchNorm1d/2d (running statistics, train and eval), LayerNorm, GroupNorm, Embedding and Dropout against torch."""
import numpy as np
import pytest
import torch
from layers_helpers import check_module, close

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

DTYPES = [np.float32, np.float64]
rng = np.random.default_rng(11)

BATCHNORM = [  # class name, kwargs, input shape
    ("BatchNorm1d", {}, (6, 4)),
    ("BatchNorm1d", {"momentum": 0.3}, (4, 3, 5)),
    ("BatchNorm2d", {}, (3, 4, 5, 5)),
    ("BatchNorm2d", {"momentum": None}, (2, 3, 4, 3)),
    ("BatchNorm2d", {"affine": False, "eps": 1e-3}, (2, 3, 4, 4)),
    ("BatchNorm2d", {"track_running_stats": False}, (2, 3, 4, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", BATCHNORM)
def test_batchnorm_train_steps_then_eval_match_torch(cfg, dtype):
    cls, kw, shape = cfg
    c = shape[1]
    tm, mm = getattr(torch.nn, cls)(c, **kw), getattr(nn, cls)(c, **kw)
    if tm.affine:  # non-trivial affine parameters
        with torch.no_grad():
            tm.weight.uniform_(0.5, 1.5)
            tm.bias.uniform_(-0.5, 0.5)
    for step in range(3):  # three training steps: the running statistics accumulate
        x = rng.standard_normal(shape) * 2 + 1
        mm, tm, _, _ = check_module(tm, mm, [x], dtype)
        for name, buf in mm.named_buffers():
            close(f"step {step} {name}", buf, dict(tm.named_buffers())[name], dtype)
        tm.zero_grad()
        mm.zero_grad()
    check_module(tm, mm, [rng.standard_normal(shape)], dtype, train=False)


def test_batchnorm_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4D input, got shape \(2, 3\)"):
        nn.BatchNorm2d(3)(mg.zeros(2, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d: input of shape \(2, 5\) has 5 channels, expected "
                                         r"num_features=3"):
        nn.BatchNorm1d(3)(mg.zeros(2, 5))
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel when training, got "
                                         r"input of shape \(1, 3\)"):
        nn.BatchNorm1d(3)(mg.zeros(1, 3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", [((5,), (3, 5)), ((4, 5), (2, 3, 4, 5)), ((6,), (2, 3, 6))])
def test_layernorm_matches_torch(cfg, dtype):
    ns, shape = cfg
    tm = torch.nn.LayerNorm(ns)
    with torch.no_grad():
        tm.weight.uniform_(0.5, 1.5)
        tm.bias.uniform_(-0.5, 0.5)
    check_module(tm, nn.LayerNorm(ns), [rng.standard_normal(shape)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_layernorm_without_affine_or_bias(dtype):
    check_module(torch.nn.LayerNorm(4, elementwise_affine=False), nn.LayerNorm(4, elementwise_affine=False),
                 [rng.standard_normal((3, 4))], dtype)
    check_module(torch.nn.LayerNorm(4, bias=False), nn.LayerNorm(4, bias=False), [rng.standard_normal((3, 4))], dtype)
    with pytest.raises(RuntimeError, match=r"LayerNorm: input of shape \(3, 5\) does not end with normalized_shape "
                                           r"\(4,\)"):
        nn.LayerNorm(4)(mg.zeros(3, 5))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cfg", [(2, 4, (3, 4, 5)), (3, 6, (2, 6, 3, 3)), (1, 3, (2, 3, 4))])
def test_groupnorm_matches_torch(cfg, dtype):
    g, c, shape = cfg
    tm = torch.nn.GroupNorm(g, c)
    with torch.no_grad():
        tm.weight.uniform_(0.5, 1.5)
        tm.bias.uniform_(-0.5, 0.5)
    check_module(tm, nn.GroupNorm(g, c), [rng.standard_normal(shape)], dtype)
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(5\) must be divisible by num_groups \(2\)"):
        nn.GroupNorm(2, 5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_matches_torch(padding_idx, dtype):
    idx = np.array([[0, 2, 4, 2], [6, 0, 1, 6]])
    check_module(torch.nn.Embedding(7, 3, padding_idx=padding_idx), nn.Embedding(7, 3, padding_idx=padding_idx),
                 [idx], dtype)


def test_embedding_padding_row_starts_zero_and_bad_index_names_shapes():
    e = nn.Embedding(5, 2, padding_idx=3)
    assert not np.any(e.weight.numpy()[3])
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range for a weight of shape \(5, 2\)"):
        e(mg.tensor([1, 5]))
    with pytest.raises(RuntimeError, match="embedding: expected an int32 or int64 index tensor, got dtype float32"):
        e(mg.tensor([1.0]))


def test_dropout_train_and_eval():
    """Dropout masks come from minigrad's generator (torch's differ), so check the contract: eval is the
    identity, train zeroes about p of the elements, scales the rest by 1/(1-p) and routes gradients the same way."""
    mg.manual_seed(0)
    d = nn.Dropout(0.3)
    x = mg.tensor(rng.standard_normal((200, 50)), requires_grad=True)
    y = d(x)
    kept = y.numpy() != 0
    assert abs(1 - kept.mean() - 0.3) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], x.numpy()[kept] / 0.7)
    g = rng.standard_normal((200, 50))
    y.backward(mg.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, g / 0.7, 0))
    d.eval()
    assert np.array_equal(d(x).numpy(), x.numpy())
    tm = torch.nn.Dropout(0.3).eval()
    close("eval dropout", d(x), tm(torch.tensor(x.numpy())), np.float64)


def test_functional_forms_match_modules():
    x = mg.tensor(rng.standard_normal((2, 3, 4, 4)))
    w, b = mg.tensor(rng.standard_normal(3)), mg.tensor(rng.standard_normal(3))
    tx = torch.tensor(x.numpy())
    close("F.group_norm", F.group_norm(x, 3, w, b), torch.nn.functional.group_norm(tx, 3, torch.tensor(w.numpy()),
                                                                                     torch.tensor(b.numpy())), np.float64)
    rm, rv = mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    close("F.batch_norm", F.batch_norm(x, rm, rv, training=True),
          torch.nn.functional.batch_norm(tx, trm, trv, training=True), np.float64)
    close("running_var", rv, trv, np.float64)
