"""RNN, LSTM and GRU against torch over num_layers, batch_first, bidirectional, initial states, bias and dropout."""
import numpy as np
import pytest
import torch
from layers_helpers import check_module, close

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.ops import movement as M

DTYPES = [np.float32, np.float64]
rng = np.random.default_rng(5)

CONFIGS = [  # kwargs, give initial states, batched
    ({}, False, True),
    ({"num_layers": 2}, True, True),
    ({"batch_first": True, "bidirectional": True}, True, True),
    ({"num_layers": 2, "bidirectional": True, "bias": False}, False, True),
    ({"num_layers": 2, "dropout": 0.5}, True, True),  # dropout is inactive in eval mode: compared there
    ({}, True, False),
]


def _inputs(kw, with_h, batched, lstm, I=3, H=4, T=5, N=2):
    dirs = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1)
    x = rng.standard_normal(((N, T, I) if kw.get("batch_first") else (T, N, I)) if batched else (T, I))
    if not with_h:
        return [x]
    hs = (L * dirs, N, H) if batched else (L * dirs, H)
    return [x, rng.standard_normal(hs), rng.standard_normal(hs)] if lstm else [x, rng.standard_normal(hs)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_recurrent_matches_torch(cfg, cls, dtype):
    kw, with_h, batched = cfg
    lstm = cls == "LSTM"
    inputs = _inputs(kw, with_h, batched, lstm)
    call = None
    if lstm and with_h:
        def call(m, x, h, c):
            return m(x, (h, c))
    train = not kw.get("dropout")
    check_module(getattr(torch.nn, cls)(3, 4, **kw), getattr(nn, cls)(3, 4, **kw), inputs, dtype, call=call,
                 train=train)


@pytest.mark.parametrize("dtype", DTYPES)
def test_rnn_relu_nonlinearity(dtype):
    check_module(torch.nn.RNN(3, 4, nonlinearity="relu", num_layers=2), nn.RNN(3, 4, nonlinearity="relu",
                                                                               num_layers=2),
                 [rng.standard_normal((6, 2, 3))], dtype)


def test_lstm_weights_shared_over_a_long_sequence_match_torch():
    """Seed 003's sine-window setting (20 steps): the gradient sums over time exactly as torch's LSTM."""
    x = np.sin(np.linspace(0, 6, 20 * 4)).reshape(4, 20, 1)
    check_module(torch.nn.LSTM(1, 8, batch_first=True), nn.LSTM(1, 8, batch_first=True), [x], np.float64)


def test_dropout_between_layers_in_training():
    mg.manual_seed(3)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = mg.tensor(rng.standard_normal((5, 2, 3)))
    a = m(x)[0].numpy()
    m.eval()
    b = m(x)[0].numpy()
    assert not np.allclose(a, b)  # dropout changed the second layer's input
    m1 = nn.LSTM(3, 4, num_layers=1, dropout=0.5)  # no layer to drop between (torch warns; same output)
    m1.train()
    assert np.array_equal(m1(x)[0].numpy(), m1.eval()(x)[0].numpy())


def test_state_dict_keys_match_torch():
    t = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True)
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    assert list(m.state_dict()) == list(t.state_dict())
    for k, v in m.state_dict().items():
        assert tuple(v.shape) == tuple(t.state_dict()[k].shape)


def test_recurrent_errors_name_layer_and_shapes():
    with pytest.raises(RuntimeError, match=r"LSTM: input of shape \(5, 2, 7\) has feature size 7, expected "
                                           r"input_size=3"):
        nn.LSTM(3, 4)(mg.zeros(5, 2, 3 + 4))
    with pytest.raises(RuntimeError, match=r"GRU: expected hidden state of shape \(2, 2, 4\), got \(1, 2, 4\)"):
        nn.GRU(3, 4, num_layers=2)(mg.zeros(5, 2, 3), mg.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"RNN: expected a 2D \(unbatched\) or 3D input, got shape \(3,\)"):
        nn.RNN(3, 4)(mg.zeros(3))


def test_hidden_outputs_are_last_steps():
    m = nn.LSTM(2, 3, bidirectional=True)
    out, (h, _c) = m(mg.tensor(rng.standard_normal((4, 1, 2))))
    close("forward h_n", h[0], out[-1, :, :3].numpy(), np.float32)
    close("reverse h_n", h[1], out[0, :, 3:].numpy(), np.float32)


def test_lstm_second_order_matches_torch():
    """The fused LSTM step's backward is written in ctx.xp, so create_graph differentiates through it."""
    x = rng.standard_normal((4, 2, 3))
    t, m = torch.nn.LSTM(3, 4).double(), nn.LSTM(3, 4).double()
    m.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    tx, mx = torch.tensor(x, requires_grad=True), mg.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad((t(tx)[0] ** 2).sum(), [tx], create_graph=True)
    (mgx,) = mg.autograd.grad((m(mx)[0] ** 2).sum(), [mx], create_graph=True)
    close("first order", mgx, tg, np.float64)
    (tg ** 2).sum().backward()
    (mgx ** 2).sum().backward()
    close("second order x", mx.grad, tx.grad, np.float64)
    tp = dict(t.named_parameters())
    for name, p in m.named_parameters():
        close(f"second order {name}", p.grad, tp[name].grad, np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_cell_op_matches_torch_lstmcell(dtype):
    """ops.rnn.LSTMCell, the fused step behind nn.LSTM, against torch.nn.LSTMCell."""
    from minigrad.ops.rnn import LSTMCell

    t = torch.nn.LSTMCell(3, 4).to(torch.float64 if dtype == np.float64 else torch.float32)
    x, h, c = (rng.standard_normal(s).astype(dtype) for s in ((2, 3), (2, 4), (2, 4)))
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    th1, tc1 = t(tx, (th, tc))
    w = {k: mg.tensor(v.detach().numpy(), requires_grad=True) for k, v in t.named_parameters()}
    mx, mh, mc = (mg.tensor(a, requires_grad=True) for a in (x, h, c))
    gi = F.linear(mx, w["weight_ih"], w["bias_ih"])
    hc = LSTMCell.apply(gi, M.Cat.apply(mh, mc, axis=1), w["weight_hh"], w["bias_hh"])
    close("h'", hc[:, :4], th1, dtype)
    close("c'", hc[:, 4:], tc1, dtype)
    g = rng.standard_normal((2, 8)).astype(dtype)
    torch.autograd.backward([th1, tc1], [torch.tensor(g[:, :4]), torch.tensor(g[:, 4:])])
    hc.backward(mg.tensor(g))
    for name, m_, t_ in (("x", mx, tx), ("h", mh, th), ("c", mc, tc)):
        close(f"{name} grad", m_.grad, t_.grad, dtype)
    for k, v in t.named_parameters():
        close(f"{k} grad", w[k].grad, v.grad, dtype)
