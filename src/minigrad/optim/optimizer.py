"""Optimizer base: param_groups, per-parameter state, zero_grad and state_dict. Matches torch.optim.Optimizer.

Subclasses implement `step()` by updating each `p.data` in place (the array keeps its identity, so a NumPy or
torch view of it, e.g. `torch.from_numpy(p.data)`, sees every update) and bumping `p._version`.
"""
import copy
import functools
from collections import OrderedDict, defaultdict

from ..autograd.grad_mode import no_grad
from ..hooks import RemovableHandle, add_hook
from ..tensor import Tensor

# hooks every optimizer's step() runs: globals before (pre) and after (post) the optimizer's own, as torch
_global_step_pre_hooks, _global_step_post_hooks = OrderedDict(), OrderedDict()
_HOOKS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
          "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
          "_optimizer_load_state_dict_post_hooks")


def register_optimizer_step_pre_hook(hook):
    """`hook(optimizer, args, kwargs)` runs before every optimizer's step(); it may return new (args, kwargs).
    Matches torch.optim.optimizer.register_optimizer_step_pre_hook."""
    return RemovableHandle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """`hook(optimizer, args, kwargs)` runs after every optimizer's step()."""
    return RemovableHandle(_global_step_post_hooks, hook)


def _hooked(step):
    """Wraps a subclass's step() with the step hooks. A step that calls another hooked step (super().step()) runs
    them once: only the outermost call, marked by `_in_step`, fires them."""

    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        pre, post = self.__dict__.get(_HOOKS[0]), self.__dict__.get(_HOOKS[1])
        if self.__dict__.get("_in_step") or not (pre or post or _global_step_pre_hooks or _global_step_post_hooks):
            return step(self, *args, **kwargs)
        args = (self, *args)  # torch's hooks see self as args[0]
        for hook in (*_global_step_pre_hooks.values(), *(pre or {}).values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{type(self).__name__}.step: a step pre-hook must return None or a tuple "
                                       f"(new_args, new_kwargs), but got {result!r}")
                args, kwargs = result
        self._in_step = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._in_step = False
        for hook in (*(post or {}).values(), *_global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__ and not getattr(cls.step, "hooked", False):
            cls.step = _hooked(cls.step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        for name in _HOOKS:
            setattr(self, name, OrderedDict())
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

    # ----------------------------------------------------------------------------------- hooks (as torch's)
    def register_step_pre_hook(self, hook):
        """`hook(optimizer, args, kwargs)` before step(); may return new (args, kwargs), args[0] being self."""
        return add_hook(self._optimizer_step_pre_hooks, hook, False)

    def register_step_post_hook(self, hook):
        """`hook(optimizer, args, kwargs)` after step()."""
        return add_hook(self._optimizer_step_post_hooks, hook, False)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """`hook(optimizer)` before state_dict() builds the dict."""
        return add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """`hook(optimizer, state_dict)` after state_dict(); may return a replacement dict."""
        return add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """`hook(optimizer, state_dict)` before load_state_dict(), on a shallow copy; may return a replacement."""
        return add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """`hook(optimizer)` after load_state_dict()."""
        return add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    def __getstate__(self):
        # hooks are often lambdas or bound methods: torch leaves them out of pickles and copies
        return {k: v for k, v in self.__dict__.items() if k not in _HOOKS}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in _HOOKS:
            self.__dict__.setdefault(name, OrderedDict())

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
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index, groups, n = {}, [], 0
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = list(range(n, n + len(g["params"])))
            for i, p in enumerate(g["params"]):
                index[id(p)] = n + i
            n += len(g["params"])
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self._state_items() if id(p) in index}
        out = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            out = _or(hook(self, out), out)
        return out

    def _state_items(self):
        return self.state.items()

    def load_state_dict(self, state_dict):
        """Restore state and hyperparameters; floating state tensors are cast to their parameter's dtype (except
        'step'), as torch does."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            state_dict = _or(hook(self, state_dict), state_dict)
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
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

    def _state_for(self, p):
        # keyed by the parameter itself, as torch (Tensor hashes by identity)
        return self.state[p]


def _or(result, default):
    return default if result is None else result


def _cast_state(name, value, p):
    if isinstance(value, (list, tuple)):  # LBFGS keeps lists of tensors (its history), cast like torch's
        return type(value)(_cast_state(name, v, p) for v in value)
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


__all__ = ["Optimizer", "required", "no_grad", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]
