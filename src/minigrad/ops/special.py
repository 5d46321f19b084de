"""Elementwise math beyond the core set (trigonometric and hyperbolic functions, log2/exp2, hypot, logaddexp,
xlogy, lerp, addcmul, isclose, special functions, ...), each with its gradient. Matches torch."""

# Tensor methods and top-level functions this module adds (bound in tensor.py, exported in minigrad/__init__.py)
METHODS = {}
FUNCTIONS = {}
