"""Scans, order statistics and counting (cummax, logcumsumexp, median, quantile, kthvalue, mode, nan-reductions,
unique, bincount, histc, searchsorted, ...). Matches torch."""

# Tensor methods and top-level functions this module adds (bound in tensor.py, exported in minigrad/__init__.py)
METHODS = {}
FUNCTIONS = {}
