"""Scalar-model checkpoints in seed 001's format: one flat JSON list of floats, in ``parameters()`` order."""

from __future__ import annotations

import json
import os
from typing import Union

from .nn import Module
from .value import Value

Params = Union[Module, list]


def _params(model: Params) -> list[Value]:
    params = model.parameters() if isinstance(model, Module) else list(model)
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"expected a Module or a list of Values, found a {type(p).__name__}")
    return params


def save_parameters(model: Params, path: str | os.PathLike) -> None:
    """Writes ``[p.data for p in model.parameters()]`` as JSON (written to a temporary file, then renamed)."""
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "w") as f:
        json.dump([p.data for p in _params(model)], f)
    os.replace(tmp, path)


def load_parameters(model: Params, path: str | os.PathLike) -> None:
    """Loads a checkpoint written by ``save_parameters`` (or seed 001) into ``model``'s parameters.

    Everything is checked before the first parameter is touched, so a failed load leaves the model as it was.

    Raises:
        ValueError: the file is not JSON, not a flat list of numbers, or holds a different number of values than
            the model has parameters; the message names the file and what is wrong.
    """
    params = _params(model)
    try:
        with open(path) as f:
            values = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not a scalar checkpoint (expected a JSON list of numbers): {e}") from None
    # whatever is wrong with the file, it is a ValueError, so that callers catch one class
    if not isinstance(values, list):
        found = type(values).__name__
        raise ValueError(f"{path}: not a scalar checkpoint: expected a JSON list, found {found}")  # noqa: TRY004
    for i, v in enumerate(values):
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ValueError(f"{path}: entry {i} is {v!r} ({type(v).__name__}), expected a number")  # noqa: TRY004
    if len(values) != len(params):
        raise ValueError(f"{path}: holds {len(values)} values but the model has {len(params)} parameters")
    for p, v in zip(params, values):
        p.data = float(v)


save = save_parameters
load = load_parameters
