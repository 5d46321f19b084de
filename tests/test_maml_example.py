"""examples/maml_sine.py: the same MAML program on minigrad and PyTorch gives the same meta-losses and weights for
the first meta-steps (second derivatives through the inner step, batched over tasks, then Adam)."""
import importlib.util
import pathlib

import numpy as np
import pytest
import torch  # noqa: F401 - the comparison needs it; never skipped

_PATH = pathlib.Path(__file__).resolve().parents[1] / "examples" / "maml_sine.py"
_spec = importlib.util.spec_from_file_location("maml_sine", _PATH)
maml = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maml)


@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-12, 1e-14), ("float32", 2e-6, 1e-6)])
def test_first_meta_steps_match_torch(dtype, rtol, atol):
    lm, pm, _ = maml.train("minigrad", 4, seed=3, dtype=dtype, meta_batch=8)
    lt, pt, _ = maml.train("torch", 4, seed=3, dtype=dtype, meta_batch=8)
    np.testing.assert_allclose(lm, lt, rtol=rtol)
    for a, b in zip(pm, pt):
        assert a.dtype == b.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def test_meta_gradient_needs_second_order_terms():
    # the first-order approximation (create_graph=False in the inner step) gives a different meta-gradient
    import minigrad

    rng = np.random.default_rng(0)
    params = [minigrad.tensor(p, requires_grad=True) for p in maml.init_params(rng)]
    x, y, _ = maml.sample_tasks(rng, 4, 10)
    x, y = minigrad.tensor(x), minigrad.tensor(y)
    full = minigrad.autograd.grad(maml.meta_loss(minigrad, params, x, y, 10, 0.5, 1), params)
    fast = [p.detach().requires_grad_() for p in params]
    adapted = maml.adapt(minigrad, fast, x[:, :10], y[:, :10], 0.5, 1, create_graph=False)
    adapted = [a.detach().requires_grad_() for a in adapted]
    q = ((maml.forward(adapted, x[:, 10:]) - y[:, 10:]) ** 2).mean()
    first_order = [g.sum(0) for g in minigrad.autograd.grad(q, adapted)]
    assert max(float(np.abs(a.numpy() - b.numpy()).max()) for a, b in zip(full, first_order)) > 1e-3
