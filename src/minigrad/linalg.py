"""minigrad.linalg: torch.linalg's functions (det, inv, solve, cholesky, qr, eigh, svd, norms, ...), each
differentiable; the ops with their gradients live in ops/linalg.py. Matches torch.linalg."""

# Tensor methods (det, inverse, ...) and top-level functions (minigrad.det, ...) this module adds
METHODS = {}
FUNCTIONS = {}
