"""Every op in tests/opdb.py against torch: hypothesis draws shapes (0-d, size-1 and empty dims, broadcasting
pairs, non-contiguous layouts) and values; check_op compares forward, gradients under a random upstream gradient,
and hygiene. Tolerances: tests/helpers.py."""
import numpy as np
import pytest
from helpers import check_op
from hypothesis import given
from hypothesis import strategies as st
from opdb import OPS, call_args


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("spec", OPS, ids=[s.name for s in OPS])
@given(data=st.data())
def test_op_matches_torch(spec, dtype, data):
    if np.dtype(dtype) not in spec.dtypes:
        return
    arrays, extra = call_args(spec.sample(data.draw, np.dtype(dtype)))
    check_op(spec.name, lambda *t: spec.mg(*t, *extra), arrays, torch_fn=lambda *t: spec.th(*t, *extra),
             grad=spec.grad)
