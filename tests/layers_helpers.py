"""Shared checks for the layer tests (tests/test_layers_*.py): run a torch module and a minigrad module with the
same weights on the same inputs, then compare outputs and, under random upstream gradients, the gradients of every
floating input and every parameter."""
import numpy as np
import torch

import minigrad as mg

TOL = {np.float32: {"rtol": 2e-4, "atol": 2e-5}, np.float64: {"rtol": 1e-9, "atol": 1e-10}}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in flat(x)]
    return [] if out is None else [out]


def close(name, got, want, dtype, scale=1.0):
    got = got.numpy() if isinstance(got, mg.Tensor) else np.asarray(got)
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert got.shape == want.shape, f"{name}: shape {got.shape} != torch's {want.shape}"
    if got.dtype.kind == "f":
        assert got.dtype == want.dtype, f"{name}: dtype {got.dtype} != torch's {want.dtype}"
    tol = dict(TOL[dtype])
    tol["atol"] = tol["atol"] * max(1.0, scale)
    bad = ~np.isclose(got, want, equal_nan=True, **tol)
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, np.abs(got - want), -1)), got.shape)
        raise AssertionError(f"{name}: {bad.sum()} of {got.size} elements differ from torch; worst at {i}: "
                             f"{got[i]} vs {want[i]} ({dtype.__name__})")


def load_torch_weights(mm, tm, dtype):
    mm.load_state_dict({k: v.detach().numpy().astype(dtype) if v.is_floating_point() else v.detach().numpy()
                        for k, v in tm.state_dict().items()})


def check_module(tm, mm, inputs, dtype, call=None, rng=None, train=True, grad_inputs=True, const=()):
    """Compare torch module `tm` and minigrad module `mm` (same architecture) on `inputs` (numpy arrays; float
    ones are cast to dtype and get gradients, except those whose index is in `const`). `call(module, *inputs)`
    defaults to module(*inputs)."""
    rng = rng or np.random.default_rng(0)
    call = call or (lambda m, *xs: m(*xs))
    tm = tm.to(TORCH_DTYPE[dtype])
    mm = mm.double() if dtype == np.float64 else mm.float()
    load_torch_weights(mm, tm, dtype)
    tm.train(train)
    mm.train(train)
    tx, mx = [], []
    for i, a in enumerate(inputs):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            a = a.astype(dtype)
            tx.append(torch.tensor(a, requires_grad=grad_inputs and i not in const))
            mx.append(mg.tensor(a, requires_grad=grad_inputs and i not in const))
        elif isinstance(a, np.ndarray):
            tx.append(torch.tensor(a))
            mx.append(mg.tensor(a))
        else:
            tx.append(a)
            mx.append(a)
    touts, mouts = flat(call(tm, *tx)), flat(call(mm, *mx))
    assert len(touts) == len(mouts), f"{len(mouts)} outputs, torch gives {len(touts)}"
    for i, (m, t) in enumerate(zip(mouts, touts)):
        close(f"output {i}", m, t, dtype)
    grads = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in touts]
    torch.autograd.backward([t for t in touts if t.requires_grad],
                            [torch.tensor(g) for g, t in zip(grads, touts) if t.requires_grad])
    loss = None
    for m, g in zip(mouts, grads):
        if m.requires_grad:
            term = (m * mg.tensor(g)).sum()
            loss = term if loss is None else loss + term
    loss.backward()
    for i, (m, t) in enumerate(zip(mx, tx)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            close(f"input {i} grad", m.grad, t.grad, dtype, scale=float(t.grad.abs().max()))
    tparams = dict(tm.named_parameters())
    for name, p in mm.named_parameters():
        tp = tparams[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), f"{name}: minigrad has a gradient, torch has none"
            continue
        assert p.grad is not None, f"{name}: no gradient"
        close(f"{name} grad", p.grad, tp.grad, dtype, scale=float(tp.grad.abs().max()))
    return mm, tm, mouts, touts
