"""Seed 001's module name: ``from minigrad.core import Value, as_value_array, ...`` keeps working.

Only re-exports from ``minigrad.scalar``; the relu/tanh/... functions are the Value methods, which seed 001 passed
as ``activation=`` arguments.
"""

from .scalar.arrays import as_value_array, flatten, reshape, transpose, value_array_to_list
from .scalar.value import Value, softmax

relu = Value.relu
tanh = Value.tanh
sigmoid = Value.sigmoid
abs_f = Value.abs

__all__ = [
    "Value",
    "abs_f",
    "as_value_array",
    "flatten",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "tanh",
    "transpose",
    "value_array_to_list",
]  # fmt: skip
