"""Op table entries for minigrad.linalg / src/minigrad/ops/linalg.py (see opdb.py: OpSpec, samplers)."""
from opdb import OpSpec, unary, binary, reduction  # noqa: F401

OPS = []
