"""Op table entries for src/minigrad/ops/tensor_misc.py (see opdb.py: OpSpec, samplers)."""
from opdb import OpSpec, unary, binary, reduction  # noqa: F401

OPS = []
