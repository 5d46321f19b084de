"""Reductions, softmax and log_softmax over many short rows take a class-major route on the CPU (backend.short_rows:
a transposed copy, reduced along whole rows). The op table's drawn shapes are mostly too small to reach it, so these
shapes do: against torch forward and backward (check_op's tolerances), by finite differences and second derivatives
in float64, and with the inputs that must fall back (non-contiguous, long rows, few rows)."""
import numpy as np
import pytest
import torch
from helpers import check_op

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck
from minigrad.backend import CPU

SHAPES = [(64, 10), (128, 3), (8, 16, 5), (40, 16), (33, 2)]
OPS = {
    "softmax": lambda x: x.softmax(-1),
    "log_softmax": lambda x: x.log_softmax(-1),
    "sum_last": lambda x: x.sum(-1),
    "sum_last_keepdim": lambda x: x.sum(-1, keepdim=True),
    "mean_last": lambda x: x.mean(-1),
    "amax_last": lambda x: x.amax(-1),
    "max_last_values": lambda x: x.max(-1).values,
    "logsumexp_last": lambda x: x.logsumexp(-1),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_shapes_take_the_short_row_route(shape):
    assert CPU.xp.short_rows(np.zeros(shape, np.float32), -1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("op", sorted(OPS))
def test_short_rows_match_torch(op, shape, dtype):
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype) * 4
    check_op(op, OPS[op], [x])


@pytest.mark.parametrize("op", ["softmax", "log_softmax", "mean_last"])
def test_short_rows_finite_differences_and_second_derivatives(op):
    x = minigrad.tensor(np.random.default_rng(2).standard_normal((40, 3)), requires_grad=True)
    assert gradcheck(OPS[op], (x,))
    assert gradgradcheck(OPS[op], (x,))


@pytest.mark.parametrize("make", [
    lambda: np.random.default_rng(3).standard_normal((10, 64)).astype(np.float32).T,  # not C-contiguous
    lambda: np.random.default_rng(3).standard_normal((64, 40)).astype(np.float32),  # rows too long
    lambda: np.random.default_rng(3).standard_normal((4, 10)).astype(np.float32),  # too few rows
], ids=["transposed", "long_rows", "few_rows"])
def test_other_layouts_take_the_general_route_and_agree(make):
    x = make()
    assert not CPU.xp.short_rows(x, -1)
    check_op("log_softmax", OPS["log_softmax"], [x])
    check_op("softmax", OPS["softmax"], [x])


def test_stable_at_extreme_logits():
    x = np.zeros((64, 10), np.float32)
    x[:, 0] = 1000.0
    x[:, 1] = -1000.0
    out = minigrad.tensor(x).log_softmax(-1).numpy()
    ref = torch.tensor(x).log_softmax(-1).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)
    assert np.isfinite(minigrad.tensor(x).softmax(-1).numpy()).all()


def test_mean_is_one_node_named_like_torchs():
    x = minigrad.tensor(np.ones((64, 10), np.float32), requires_grad=True)
    assert x.mean(-1).grad_fn.name() == "MeanBackward0"
    assert x.mean().grad_fn.name() == "MeanBackward0"
