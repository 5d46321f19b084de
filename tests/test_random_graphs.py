"""Random expression graphs built from many ops, with shared subexpressions (so gradients accumulate), compared
with torch end to end in float64: the output, and every input's gradient under a random upstream gradient.
Tolerance: rtol 1e-8, atol 1e-10 (float64; values are kept O(1) by bounded ops)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad

SHAPE = (3, 4)


def _ops(lib):
    """(name, arity, fn) triples, each taking and returning tensors of SHAPE (or broadcasting back to it)."""
    if lib is torch:
        gelu, silu, softplus, lrelu = TF.gelu, TF.silu, TF.softplus, (lambda x: TF.leaky_relu(x, 0.1))
        where, cat = torch.where, torch.cat
        einsum = torch.einsum
    else:
        gelu, silu, softplus, lrelu = (lambda x: x.gelu()), (lambda x: x.silu()), (lambda x: x.softplus()), (
            lambda x: x.leaky_relu(0.1))
        where, cat = minigrad.where, minigrad.cat
        einsum = minigrad.einsum
    return [
        ("add", 2, lambda a, b: a + b), ("sub", 2, lambda a, b: a - b), ("mul", 2, lambda a, b: a * b),
        ("div", 2, lambda a, b: a / (b * b + 1.0)), ("maximum", 2, lambda a, b: a.maximum(b)),
        ("where", 2, lambda a, b: where(a > b, a, b * 0.5)), ("tanh", 1, lambda a: a.tanh()),
        ("sigmoid", 1, lambda a: a.sigmoid()), ("exp_tanh", 1, lambda a: a.tanh().exp()),
        ("log", 1, lambda a: (a * a + 1.0).log()), ("sqrt", 1, lambda a: (a * a + 0.5).sqrt()),
        ("sin", 1, lambda a: a.sin()), ("gelu", 1, gelu), ("silu", 1, silu), ("softplus", 1, softplus),
        ("leaky_relu", 1, lrelu), ("erf", 1, lambda a: a.erf()), ("abs", 1, lambda a: (a + 0.1234).abs()),
        ("pow", 1, lambda a: a ** 2 * 0.5), ("clamp", 1, lambda a: a.clamp(-0.8, 0.9)),
        ("softmax", 1, lambda a: a.softmax(-1)), ("log_softmax", 1, lambda a: a.log_softmax(0) * 0.3),
        ("logsumexp", 1, lambda a: a - a.logsumexp(1, keepdim=True)),
        ("mean_std", 1, lambda a: (a - a.mean(0, keepdim=True)) / (a.std(0, keepdim=True) + 1.0)),
        ("amax", 1, lambda a: a - a.amax(1, keepdim=True)), ("prod", 1, lambda a: a * a.tanh().prod(0)),
        ("cumsum", 1, lambda a: a.cumsum(1) * 0.3), ("flip", 1, lambda a: a.flip(0)),
        ("transpose_matmul", 2, lambda a, b: (a @ b.transpose(0, 1)).tanh() @ b * 0.3),
        ("repeat", 1, lambda a: a[:, :2].repeat(1, 2)), ("reshape", 1, lambda a: a.reshape(4, 3).T.reshape(3, 4)),
        ("einsum", 2, lambda a, b: einsum("ij,kj->ik", a, b).tanh() @ b * 0.2),
        ("cat_split", 2, lambda a, b: cat([a, b], 1)[:, 2:6]), ("getitem", 1, lambda a: a[[2, 0, 0]] * 0.5),
        ("roll_index", 1, lambda a: a[:, [3, 0, 1, 2]]), ("unsqueeze_sum", 1, lambda a: a.unsqueeze(0).sum(0)),
        ("bias", 2, lambda a, b: a + b[0]),
    ]


def _build(seed, lib, inputs):
    rng = np.random.default_rng(seed)
    ops = _ops(lib)
    nodes = list(inputs)
    trace = []
    for _ in range(25):
        name, arity, fn = ops[rng.integers(len(ops))]
        args = [nodes[rng.integers(len(nodes))] for _ in range(arity)]
        nodes.append(fn(*args))
        trace.append(name)
    picks = rng.choice(len(nodes), size=3, replace=False)
    return [nodes[i] for i in picks], trace


@pytest.mark.parametrize("seed", range(40))
def test_random_graph_matches_torch(seed):
    rng = np.random.default_rng(1000 + seed)
    arrays = [rng.standard_normal(SHAPE) for _ in range(3)]
    mins = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    tins = [torch.tensor(a, requires_grad=True) for a in arrays]
    mouts, trace = _build(seed, minigrad, mins)
    touts, _ = _build(seed, torch, tins)
    seeds = [rng.standard_normal(tuple(t.shape)) for t in touts]
    for m, t in zip(mouts, touts):
        np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=f"graph {seed}: {' -> '.join(trace)}")
    mtotal = sum((m * minigrad.tensor(s)).sum() for m, s in zip(mouts, seeds) if m.requires_grad)
    ttotal = sum((t * torch.tensor(s)).sum() for t, s in zip(touts, seeds) if t.requires_grad)
    if not isinstance(mtotal, minigrad.Tensor):
        return
    mtotal.backward()
    ttotal.backward()
    for i, (m, t) in enumerate(zip(mins, tins)):
        if t.grad is None:
            assert m.grad is None or not m.grad.numpy().any()
            continue
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=f"graph {seed}, grad of input {i}: {' -> '.join(trace)}")
