"""Tensor and torch-level API beyond the core set: in-place random fills (uniform_, normal_, ...), aliases
(multiply, greater, ...), matrix-product forms (mm, bmm, addmm, ...) and small utilities. Matches torch."""

# Tensor methods and top-level functions this module adds (bound in tensor.py, exported in minigrad/__init__.py)
METHODS = {}
FUNCTIONS = {}
