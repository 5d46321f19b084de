"""minigrad.scalar: a pure-Python scalar autograd engine (no NumPy) and a small neural-network library on it.

See docs/scalar.md. ``Value`` is the engine; ``nn`` holds the modules, ``optim`` the SGD optimizer, ``arrays`` the
nested-list helpers and ``checkpoint`` the JSON save/load of seed 001.
"""

from .arrays import as_value_array, flatten, reshape, transpose, value_array_to_list
from .checkpoint import load, load_parameters, save, save_parameters
from .nn import (
    MLP,
    BCELoss,
    Conv2D,
    CrossEntropyLoss,
    Layer,
    Linear,
    Module,
    MSELoss,
    Neuron,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    log_softmax,
)
from .optim import SGD
from .value import Value, softmax

__all__ = [
    "MLP",
    "SGD",
    "BCELoss",
    "Conv2D",
    "CrossEntropyLoss",
    "Layer",
    "Linear",
    "MSELoss",
    "Module",
    "Neuron",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "Value",
    "as_value_array",
    "flatten",
    "load",
    "load_parameters",
    "log_softmax",
    "reshape",
    "save",
    "save_parameters",
    "softmax",
    "transpose",
    "value_array_to_list",
]  # fmt: skip
