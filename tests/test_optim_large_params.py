"""The optimizers' large-parameter paths (SGD's scratch buffer, Adam's blocked update over > 32768 elements) follow
torch's trajectories, float32 and float64, with odd sizes that leave a partial last block."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import optim

SHAPES = [(300, 229), (70001,), (5, 3)]  # 68700 and 70001 elements: several blocks plus a remainder; one small


def _run(make_mg, make_torch, dtype, steps=15):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    mp = [mg.tensor(a.copy(), requires_grad=True) for a in init]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    mo, to = make_mg(mp), make_torch(tp)
    for gs in grads:
        for p, q, g in zip(mp, tp, gs):
            p.grad = mg.tensor(g.copy())
            q.grad = torch.tensor(g.copy())
        mo.step()
        to.step()
    for p, q, g in zip(mp, tp, grads[-1]):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10 if dtype == np.float64 else 1e-5,
                                   atol=1e-12 if dtype == np.float64 else 1e-6)
        np.testing.assert_array_equal(p.grad.data, g)  # the step never writes into the gradient


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(), dict(amsgrad=True), dict(weight_decay=0.1), dict(maximize=True),
                                dict(betas=(0.3, 0.99))])
def test_adam_blocked_matches_torch(dtype, kw):
    _run(lambda ps: optim.Adam(ps, lr=1e-2, **kw), lambda ps: torch.optim.Adam(ps, lr=1e-2, **kw), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adamw_blocked_matches_torch(dtype):
    _run(lambda ps: optim.AdamW(ps, lr=1e-2), lambda ps: torch.optim.AdamW(ps, lr=1e-2), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_scratch_matches_torch(dtype):
    _run(lambda ps: optim.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1), dtype)
