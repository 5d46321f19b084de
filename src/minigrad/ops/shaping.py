"""Shape and index helpers beyond the core set (roll, tile, repeat_interleave, tril/triu, diag, trace, diff, take,
index_add/fill/copy, masked_select, tensor_split, kron, cross, cdist, ...). Matches torch."""

# Tensor methods and top-level functions this module adds (bound in tensor.py, exported in minigrad/__init__.py)
METHODS = {}
FUNCTIONS = {}
