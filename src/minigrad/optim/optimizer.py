"""Optimizer base: param_groups, per-parameter state, zero_grad and state_dict. Matches torch.optim.Optimizer.

Subclasses implement `step()` by updating each `p.data` in place (the array keeps its identity, so a NumPy or
torch view of it, e.g. `torch.from_numpy(p.data)`, sees every update) and bumping `p._version`.
"""
import copy
from collections import defaultdict

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _lr_alias(name, lr, learning_rate, default):
    """Seed 000/003 write `learning_rate=`; torch writes `lr=`. Either one, not both."""
    if learning_rate is not None:
        if lr is not None:
            raise TypeError(f"{name}: pass lr or its alias learning_rate, not both")
        return learning_rate
    return default if lr is None else lr


def _check(name, ok, what, value):
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


class Optimizer:
    """Base class. `params` is an iterable of Tensors, or of dicts (param groups) each holding "params" and
    optional per-group hyperparameters that override `defaults`."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        # a defaultdict(dict), as torch's: torch-style optimizers read `state = self.state[p]` and initialise it
        # when empty, for parameters of groups added after construction too
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = [params] if isinstance(params, Tensor) else list(params)
        named = [p for p in params if isinstance(p, tuple)]  # model.named_parameters(): torch keeps the names
        if named:
            if len(named) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group = dict(param_group, param_names=[n for n, _ in named])
            params = [p for _, p in named]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (shape {tuple(p.shape)})")
        group = dict(param_group, params=params)
        for k, v in self.defaults.items():
            if v is required and k not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {k}")
            group.setdefault(k, v)
        if "learning_rate" in group:
            group["lr"] = group.pop("learning_rate")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's .grad: to None (default, as torch 2), or to zeros in place."""
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    def step(self, closure=None):
        raise NotImplementedError

    def _closure(self, closure):
        if closure is None:
            return None
        from ..autograd.grad_mode import enable_grad  # noqa: PLC0415

        with enable_grad():
            return closure()

    def _params_with_grad(self, group):
        for p in group["params"]:
            if p.grad is not None:
                yield p, p.grad.data

    # ----------------------------------------------------------------------------------- state dict
    def state_dict(self):
        """{"state": {index: {name: value}}, "param_groups": [{..., "params": [indices]}]}, parameters numbered
        in group order, as torch's. Tensor values are the live state (copy before mutating)."""
        index, groups, n = {}, [], 0
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = list(range(n, n + len(g["params"])))
            for i, p in enumerate(g["params"]):
                index[id(p)] = n + i
            n += len(g["params"])
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self._state_items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def _state_items(self):
        return self.state.items()

    def load_state_dict(self, state_dict):
        """Restore state and hyperparameters; floating state tensors are cast to their parameter's dtype (except
        'step'), as torch does."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups ({len(groups)}) than "
                             f"the optimizer ({len(self.param_groups)})")
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError(f"loaded state dict contains a parameter group of {len(saved['params'])} parameters "
                                 f"that doesn't match the size of optimizer's group ({len(own['params'])})")
        id_map = {}
        for saved, own in zip(groups, self.param_groups):
            for i, p in zip(saved["params"], own["params"]):
                id_map[i] = p
        new_state = defaultdict(dict)
        for key, s in state_dict["state"].items():
            k = int(key)
            if k not in id_map:
                raise ValueError(f"loaded optimizer state refers to parameter {k}, which the optimizer does not have")
            p = id_map[k]
            new_state[p] = {name: _cast_state(name, v, p) for name, v in s.items()}
        self.state = new_state
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = tuple(v) if isinstance(v, list) and k == "betas" else copy.deepcopy(v)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

    def _state_for(self, p):
        # keyed by the parameter itself, as torch (Tensor hashes by identity)
        return self.state[p]


def _cast_state(name, value, p):
    if isinstance(value, Tensor):
        arr = value.data
    elif hasattr(value, "dtype") and hasattr(value, "shape"):
        arr = p._device.xp.asarray(value)
    else:
        return value
    if name != "step" and arr.dtype.kind == "f":
        arr = arr.astype(p.dtype, copy=True)
    else:
        arr = arr.copy()
    return Tensor._wrap(p._device.xp.asarray(arr), p._device)


__all__ = ["Optimizer", "required", "no_grad"]
