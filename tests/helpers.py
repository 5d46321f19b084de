"""check_op: run one op in minigrad and in torch on the same arrays and compare forward, gradients and hygiene.

Tolerances are stated once, per dtype, and not loosened per op: float32 rtol 1e-4 / atol 1e-5 (a float32 sum of a
few hundred terms may differ in its last digits between libraries), float64 rtol 1e-9 / atol 1e-11.
"""
import numpy as np
import torch

import minigrad

TOLERANCE = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-9, 1e-11)}


def tolerance(dtype):
    return TOLERANCE.get(np.dtype(dtype), (0, 0))


def _torch_dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def _flat(out):
    """An op's outputs as a list: a tensor, or the items of a tuple (split, max's (values, indices))."""
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def assert_close(name, what, got, want, dtype, shapes, dtypes):
    """Compare arrays (NaN equals NaN, infinities must match); the message names the worst element."""
    got, want = np.asarray(got), np.asarray(want)
    ctx = f"{name} {what} (input shapes {shapes}, dtypes {dtypes})"
    assert got.shape == want.shape, f"{ctx}: shape {got.shape} != torch's {want.shape}"
    if got.size == 0:
        return
    if want.dtype.kind not in "fc":
        bad = got != want
        if bad.any():
            i = np.unravel_index(np.argmax(bad), bad.shape)
            raise AssertionError(f"{ctx}: {bad.sum()} element(s) differ, first at {i}: {got[i]} != torch's {want[i]}")
        return
    rtol, atol = tolerance(dtype)
    g64, w64 = got.astype(np.float64), want.astype(np.float64)
    both_nan = np.isnan(g64) & np.isnan(w64)
    same_inf = np.isinf(w64) & (g64 == w64)
    with np.errstate(invalid="ignore"):
        err = np.abs(g64 - w64) - (atol + rtol * np.abs(w64))
    err = np.where(both_nan | same_inf, -1.0, err)
    err = np.where(np.isnan(err), np.inf, err)
    if (err > 0).any():
        i = np.unravel_index(np.argmax(err), err.shape)
        raise AssertionError(f"{ctx}: {int((err > 0).sum())}/{err.size} element(s) outside rtol={rtol} atol={atol};"
                             f" worst at {i}: {got[i]!r} vs torch {want[i]!r}")


def check_op(name, fn, arrays, torch_fn=None, grad=True, seed=0):
    """Check `fn` (a callable on minigrad tensors, and on torch tensors unless `torch_fn` is given) against torch.

    Floating arrays become tensors that require grad (when `grad`); others are passed as constant tensors. Checks
    (1) each output's shape, dtype and values; (2) each input's .grad after backward with a random upstream
    gradient per floating output; (3) hygiene: inputs unmutated and no .grad sharing memory with another array.
    """
    torch_fn = torch_fn or fn
    arrays = [np.asarray(a) if not isinstance(a, np.ndarray) else a for a in arrays]
    copies = [a.copy() for a in arrays]
    shapes = [a.shape for a in arrays]
    dtypes = [str(a.dtype) for a in arrays]
    floating = [grad and a.dtype.kind == "f" for a in arrays]
    # minigrad gets the arrays themselves (non-contiguous ones stay so), or copies on the default device when the
    # suite runs on a GPU (MINIGRAD_TEST_DEVICE=cuda, conftest.py); torch gets copies
    on_cpu = minigrad.backend.get_device().type == "cpu"
    mins = [(minigrad.from_numpy(a) if on_cpu else minigrad.tensor(a)).requires_grad_(f)
            for a, f in zip(arrays, floating)]
    tins = [torch.tensor(a.copy(), requires_grad=f) for a, f in zip(arrays, floating)]
    mouts, touts = _flat(fn(*mins)), _flat(torch_fn(*tins))
    assert len(mouts) == len(touts), f"{name}: {len(mouts)} outputs, torch gives {len(touts)}"
    for k, (m, t) in enumerate(zip(mouts, touts)):
        assert isinstance(m, minigrad.Tensor), f"{name}: output {k} is {type(m).__name__}, not a Tensor"
        assert str(m.dtype) == _torch_dtype_name(t), \
            f"{name} output {k}: dtype {m.dtype} != torch's {t.dtype} (inputs {shapes}, {dtypes})"
        assert_close(name, f"output {k}", m.numpy(), t.detach().numpy(), m.dtype, shapes, dtypes)
        assert m.requires_grad == t.requires_grad, \
            f"{name} output {k}: requires_grad {m.requires_grad} != torch's {t.requires_grad}"
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c, err_msg=f"{name}: the forward mutated an input (shapes {shapes})")
    if not grad or not any(floating):
        return mouts
    rng = np.random.default_rng(seed)
    pairs = [(m, t) for m, t in zip(mouts, touts) if t.requires_grad]
    if not pairs:
        return mouts
    seeds = [rng.standard_normal(t.shape).astype(str(m.dtype)) for m, t in pairs]
    torch.autograd.backward([t for _, t in pairs], [torch.tensor(g) for g in seeds])
    if len(pairs) == 1:
        pairs[0][0].backward(minigrad.tensor(seeds[0]))
    else:
        total = None
        for (m, _), g in zip(pairs, seeds):
            term = (m * minigrad.tensor(g)).sum()
            total = term if total is None else total + term
        total.backward()
    grads = []
    for i, (m, t) in enumerate(zip(mins, tins)):
        if not floating[i]:
            continue
        if t.grad is None:
            assert m.grad is None or not np.any(m.grad.numpy()), \
                f"{name}: input {i} gets a gradient but torch gives none (shapes {shapes})"
            continue
        assert m.grad is not None, f"{name}: input {i} (shape {shapes[i]}) got no gradient; torch gives one"
        assert m.grad.shape == m.shape, f"{name}: grad of input {i} has shape {m.grad.shape}, input {m.shape}"
        assert m.grad.dtype == m.dtype, f"{name}: grad of input {i} has dtype {m.grad.dtype}, input {m.dtype}"
        assert_close(name, f"grad of input {i}", m.grad.numpy(), t.grad.numpy(), m.dtype, shapes, dtypes)
        grads.append(m.grad.numpy())
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c, err_msg=f"{name}: backward mutated an input (shapes {shapes})")
    others = grads + list(arrays) + seeds
    for i, g in enumerate(grads):
        for j, o in enumerate(others):
            if o is not g and g.size and o.size and np.shares_memory(g, o):
                raise AssertionError(f"{name}: the grad of input {i} shares memory with another array ({j})")
    return mouts
