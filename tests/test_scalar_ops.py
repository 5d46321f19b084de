"""A floating tensor with a Python number (x + 2, 0.5 * x, x / 3.0, x - 1) runs as one op that keeps the number as
an attribute (elementwise.ScalarArith). Checked against torch in value, dtype, gradient and
grad_fn name, by finite differences and second derivatives; integer tensors keep the general promotion path."""
import numpy as np
import pytest
import torch
from helpers import check_op

import minigrad
from minigrad.autograd import gradcheck, gradgradcheck

FORMS = {
    "add": lambda x: x + 2.5,
    "radd": lambda x: 2 + x,
    "sub": lambda x: x - 1.25,
    "mul": lambda x: x * -3.0,
    "rmul": lambda x: 7 * x,
    "div": lambda x: x / 3.0,
    "div_int": lambda x: x / 3,
    "chain": lambda x: ((x * 0.1 + 1) / 7.0 - 3) * 2,
}
TORCH_NAMES = {"add": "AddBackward0", "radd": "AddBackward0", "sub": "SubBackward0", "mul": "MulBackward0",
               "rmul": "MulBackward0", "div": "DivBackward0", "div_int": "DivBackward0"}


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (3,), (2, 0), (4, 5)], ids=str)
@pytest.mark.parametrize("form", sorted(FORMS))
def test_scalar_forms_match_torch(form, shape, dtype):
    x = (np.random.default_rng(0).standard_normal(shape) * 3).astype(dtype)
    check_op(form, FORMS[form], [x])


@pytest.mark.parametrize("form", sorted(TORCH_NAMES))
def test_grad_fn_names_are_torchs(form):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert FORMS[form](x).grad_fn.name() == FORMS[form](t).grad_fn.name() == TORCH_NAMES[form]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_finite_differences_and_second_derivatives(form):
    x = minigrad.tensor(np.random.default_rng(1).standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda t: FORMS[form](t) ** 2, (x,))
    assert gradgradcheck(lambda t: FORMS[form](t) ** 2, (x,))


@pytest.mark.parametrize("value", [2.5, 3, -1])
def test_integer_tensors_promote_as_torch(value):
    x = np.arange(4, dtype=np.int64)
    for op in (lambda a: a * value, lambda a: a + value, lambda a: a - value, lambda a: a / value):
        m, t = op(minigrad.tensor(x)), op(torch.tensor(x))
        assert str(m.dtype) == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)


def test_bool_is_not_a_plain_scalar():
    x = minigrad.tensor([1.5, 2.5])
    assert (x * True).tolist() == [1.5, 2.5] and (x + False).dtype == minigrad.float32
