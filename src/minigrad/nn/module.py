"""Module, Parameter and Buffer (the containers are in containers.py).

`Module.__setattr__` routes a Parameter into `_parameters`, a Module into `_modules` and a Buffer into `_buffers`,
so `named_parameters()` and `state_dict()` walk the tree and produce torch's dotted keys ("features.0.weight").
"""
import warnings
from collections import OrderedDict, namedtuple

import numpy as np

from .. import dtypes
from .. import hooks as _hooks
from ..autograd.grad_mode import no_grad
from ..ops.composite import cast_method
from ..tensor import Tensor, tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as a trainable parameter when assigned as an attribute.

    Matches torch.nn.Parameter: `Parameter(t)` shares `t`'s array (no copy) and requires grad by default.

    >>> Parameter(tensor([1.0, 2.0]))
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = tensor(np.empty((0,), dtype=dtypes.get_default_dtype()))
        elif not isinstance(data, Tensor):
            data = tensor(data)
        if requires_grad and data.dtype.kind != "f":
            raise RuntimeError(f"Parameter: only tensors of floating point dtype can require gradients, got dtype "
                               f"{data.dtype}")
        self.data, self._device, self.requires_grad = data.data, data._device, bool(requires_grad)
        self.grad = self._ctx = self.name = self._hooks = None
        self._version = 0
        self._retains_grad = False

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer (state that is saved but not trained, e.g. running means).

    Matches torch.nn.Buffer: `self.running_mean = Buffer(zeros(3))` is `register_buffer("running_mean", ...)`.
    `persistent=False` keeps it out of `state_dict()`.
    """

    __slots__ = ("persistent",)

    def __init__(self, data, persistent=True):
        data = data if isinstance(data, Tensor) else tensor(data)
        self.data, self._device, self.requires_grad = data.data, data._device, False
        self.grad = self._ctx = self.name = self._hooks = None
        self._version = 0
        self._retains_grad = False
        self.persistent = persistent

    def __reduce_ex__(self, protocol):
        # Tensor's pickling knows Tensor's attributes only; persistent is Buffer's own
        rebuild, args = super().__reduce_ex__(protocol)[:2]
        return rebuild, args, (None, {"persistent": self.persistent})


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict(strict=False) returns, as torch does."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _array_of(value, name):
    """The array behind a state-dict value: a minigrad Tensor, a NumPy array or anything with __array__ (a torch
    CPU tensor)."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor; numpy() refuses ones needing grad
        value = value.detach().cpu()
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001 - report which key could not be read
        raise TypeError(f"load_state_dict: value for '{name}' is a {type(value).__name__}, not a tensor or "
                        "array") from e


# registries that modules pickled before they existed lack (__setstate__ adds them empty)
_LATER_HOOK_REGISTRIES = ("_state_dict_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks",
                          "_load_state_dict_post_hooks", "_backward_pre_hooks")


def _own_state(module, prefix):
    """(key, tensor) for each parameter and persistent buffer that load_state_dict fills: state_dict's entries
    without its hooks, walking _modules as torch's load does."""
    for name, v in [*module._parameters.items(), *module._buffers.items()]:
        if v is not None and name not in module._non_persistent_buffers_set:
            yield prefix + name, v
    for name, m in module._modules.items():
        if m is not None:
            yield from _own_state(m, prefix + name + ".")


def _module_holders(value):
    """How many Modules sit directly in a plain list/tuple/dict (for the 'not registered' warning)."""
    items = value.values() if isinstance(value, dict) else value
    return sum(isinstance(v, Module) for v in items)


class Module:
    """Base class of every layer and model. Matches torch.nn.Module.

    Subclasses call `super().__init__()` first, assign layers and Parameters as attributes, and define
    `forward(*inputs)`; calling the module runs forward (and any forward hooks).

    >>> class Net(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = Parameter(tensor([1.0, 2.0]))
    ...     def forward(self, x):
    ...         return x * self.w
    >>> [name for name, _ in Net().named_parameters()]
    ['w']
    """

    # ModuleList and ModuleDict build themselves from plain lists and dicts of modules: no warning for those
    _takes_module_collections = False

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args or ''}{kwargs or ''}")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = {}
        # hooks: the higher-order/hooks work (issue 9) adds the register_* methods; __call__ already runs these
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_backward_hooks"] = OrderedDict()
        for kind in _LATER_HOOK_REGISTRIES:
            d[kind] = OrderedDict()

    def __setstate__(self, state):
        # a module pickled before these hook registries existed gets empty ones
        self.__dict__.update({kind: OrderedDict() for kind in _LATER_HOOK_REGISTRIES}, **state)

    # ----------------------------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"] or d["_backward_pre_hooks"]:
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args, kwargs):
        """forward with pre-hooks (may replace the inputs), hooks (may replace the output) and full backward hooks,
        as torch runs them; the machinery lives in minigrad.hooks."""
        return _hooks.call_module(self, args, kwargs)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call `hook(module, args)` before forward; a non-None return (a tuple, or one value) replaces args. With
        with_kwargs, `hook(module, args, kwargs)` returns None or (args, kwargs). Returns a RemovableHandle.
        Matches torch.nn.Module.register_forward_pre_hook."""
        return _hooks.add_hook(self._forward_pre_hooks, _hooks.Flagged(hook, True) if with_kwargs else hook, prepend)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Call `hook(module, args, output)` after forward; a non-None return replaces the output. With with_kwargs
        the hook gets `(module, args, kwargs, output)`; with always_call it also runs when forward raises.
        Returns a RemovableHandle. Matches torch.nn.Module.register_forward_hook."""
        if with_kwargs or always_call:
            hook = _hooks.Flagged(hook, with_kwargs, always_call)
        return _hooks.add_hook(self._forward_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Call `hook(module, grad_input, grad_output)` when the gradients with respect to the module's inputs are
        computed (grad_input has None for inputs that need no grad); a non-None return (a tuple, one per input)
        replaces grad_input. Returns a RemovableHandle. Matches torch.nn.Module.register_full_backward_hook."""
        return _hooks.add_hook(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call `hook(module, grad_output)` when the gradient of the module's output arrives, before it flows
        back through the module; a non-None return (a tuple, one per output) replaces grad_output. Matches
        torch.nn.Module.register_full_backward_pre_hook, for modules with one output that requires grad."""
        return _hooks.add_hook(self._backward_pre_hooks, hook, prepend)

    def register_state_dict_pre_hook(self, hook):
        """Call `hook(module, prefix, keep_vars)` before state_dict() collects this module's entries."""
        return _hooks.add_hook(self._state_dict_pre_hooks, hook, False)

    def register_state_dict_post_hook(self, hook):
        """Call `hook(module, state_dict, prefix, local_metadata)` once state_dict() has collected this module and
        its children; the hook edits state_dict in place (add, rename, drop keys)."""
        return _hooks.add_hook(self._state_dict_hooks, hook, False)

    def register_load_state_dict_pre_hook(self, hook):
        """Call `hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)`
        before load_state_dict() matches keys; it may edit state_dict (a copy of the caller's), e.g. rename old keys.
        NOTE: it sees every key, where torch's sees those under its prefix."""
        return _hooks.add_hook(self._load_state_dict_pre_hooks, hook, False)

    def register_load_state_dict_post_hook(self, hook):
        """Call `hook(module, incompatible_keys)` after load_state_dict() matched keys, before strict raises; the
        hook may edit incompatible_keys.missing_keys and .unexpected_keys in place."""
        return _hooks.add_hook(self._load_state_dict_post_hooks, hook, False)

    # ----------------------------------------------------------------------------------- registration
    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(f"cannot assign parameter '{name}' before Module.__init__() call: call "
                                     f"super().__init__() first in {type(self).__name__}.__init__")
            self._forget(name, "_parameters")
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(minigrad.nn.Parameter or None expected)")
            params[name] = None
            return
        if isinstance(value, Module):
            if params is None:
                raise AttributeError(f"cannot assign module '{name}' before Module.__init__() call: call "
                                     f"super().__init__() first in {type(self).__name__}.__init__")
            self._forget(name, "_modules")
            d["_modules"][name] = value
            return
        modules = d.get("_modules")
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(minigrad.nn.Module or None expected)")
            modules[name] = None
            return
        buffers = d.get("_buffers")
        if isinstance(value, Buffer):
            if buffers is None:
                raise AttributeError(f"cannot assign buffer '{name}' before Module.__init__() call: call "
                                     f"super().__init__() first in {type(self).__name__}.__init__")
            self._forget(name, "_buffers")
            self.register_buffer(name, value, value.persistent)
            return
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(minigrad.Tensor or None expected)")
            buffers[name] = value
            return
        if isinstance(value, (list, tuple, dict)) and not self._takes_module_collections:
            n = _module_holders(value)
            if n:
                kind, fix = ("dict", "nn.ModuleDict") if isinstance(value, dict) else (type(value).__name__,
                                                                                       "nn.ModuleList")
                warnings.warn(f"{type(self).__name__}.{name}: a plain {kind} holding {n} Module(s) is not registered; "
                              f"their parameters will be missing from parameters(), state_dict(), to() and "
                              f"zero_grad(). Wrap it in {fix}.", UserWarning, stacklevel=2)
        object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        """Drop `name` from the instance dict and every registry but `keep`: a reassigned entry keeps its place
        (so `dec.weight = enc.weight` leaves state_dict's key order and parameters()' order as torch's)."""
        d = self.__dict__
        d.pop(name, None)
        for key in ("_parameters", "_buffers", "_modules"):
            if key != keep:
                d[key].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            registry = d.get(key)
            if registry is not None and name in registry:
                return registry[name]
        if "_parameters" not in d and not name.startswith("__"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}' (did "
                                 f"{type(self).__name__}.__init__ call super().__init__()?)")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if name in d.get(key, ()):
                del d[key][name]
                d["_non_persistent_buffers_set"].discard(name)
                return
        object.__delattr__(self, name)

    def _check_name(self, name, kind, registry):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name:
            raise KeyError(f"{kind} name cannot contain a dot, got {name!r}")
        if name == "":
            raise KeyError(f"{kind} name cannot be empty")
        if hasattr(self, name) and name not in self.__dict__[registry]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a Parameter (or None) under `name`. Matches torch.nn.Module.register_parameter."""
        self._check_name(name, "parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(minigrad.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: saved in state_dict (unless persistent=False) and moved by to(), but not trained."""
        self._check_name(name, "buffer", "_buffers")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(minigrad.Tensor or None required)")
        if isinstance(tensor, Buffer):
            tensor = Tensor._wrap(tensor.data, tensor._device)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module under `name`. Matches torch.nn.Module.add_module."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._check_name(name, "module", "_modules")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        mod = self
        if target == "":
            return mod
        for item in target.split("."):
            if item not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no submodule '{item}' (looking up '{target}')")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        return self._get_member(target, "_parameters", "parameter")

    def get_buffer(self, target):
        return self._get_member(target, "_buffers", "buffer")

    def _get_member(self, target, registry, kind):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod.__dict__[registry]:
            raise AttributeError(f"{type(mod).__name__} has no {kind} '{name}' (looking up '{target}')")
        return mod.__dict__[registry][name]

    # ----------------------------------------------------------------------------------- traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, mod in self._modules.items():
            if mod is None:
                continue
            yield from mod.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, mod in self._modules.items():
            if mod is not None and id(mod) not in seen:
                seen.add(id(mod))
                yield name, mod

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, value in mod.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def params(self):
        """Seed 000's spelling: the parameters as a list (torch's `list(module.parameters())`)."""
        return list(self.parameters())

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ----------------------------------------------------------------------------------- modes and grads
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        # through each child's train(), as torch: a child that overrides it (to keep a BatchNorm frozen) is obeyed
        self.__dict__["training"] = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the parameters' gradients: to None (default, as torch), or to zeros with set_to_none=False."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def apply(self, fn):
        """Call fn on every submodule (children first) and then on self, as torch does; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ----------------------------------------------------------------------------------- dtype / device
    def _apply(self, fn):
        """Replace each parameter's, gradient's and buffer's array by fn(Tensor) in place: Parameter objects keep
        their identity (an optimizer built before .to() still holds them), as torch does."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is None:
                    continue
                new = fn(Tensor._wrap(p.data, p._device))
                p.data, p._device = new.data, new._device
                if p.grad is not None:
                    g = fn(Tensor._wrap(p.grad.data, p.grad._device))
                    p.grad = Tensor._wrap(g.data, g._device)
            for b in m._buffers.values():
                if b is not None:
                    new = fn(Tensor._wrap(b.data, b._device))
                    b.data, b._device = new.data, new._device
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """Move (device) and/or cast (floating dtype) the parameters and buffers in place. Matches
        torch.nn.Module.to: integer buffers keep their dtype."""
        from ..backend import Device  # noqa: PLC0415

        for a in args:
            if isinstance(a, (str, Device)):
                device = a
            elif isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            else:
                dtype = a
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")

        def convert(t):
            with no_grad():
                if device is not None:
                    t = t.to(device)
                if dtype is not None and t.dtype.kind == "f":
                    t = t.to(dtype)
            return t

        return self._apply(convert)

    float, double, half = cast_method(dtypes.float32), cast_method(dtypes.float64), cast_method(dtypes.float16)

    def type(self, dst_type):
        return self.to(dst_type)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    # ----------------------------------------------------------------------------------- state dict
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and persistent buffers under torch's dotted keys. Values share memory with the module (as
        torch's detach()); keep_vars=True returns the Parameter objects themselves."""
        if destination is None:
            destination = OrderedDict()
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else Tensor._wrap(p.data, p._device)
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else Tensor._wrap(b.data, b._device)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination, prefix + name + ".", keep_vars)
        for hook in self._state_dict_hooks.values():
            hook(self, destination, prefix, {})
        return destination

    def _optional_state_keys(self, prefix, local_metadata):
        """Keys of this module's state that a checkpoint may lack (the value in the module is kept, neither missing
        nor loaded): torch fills such keys in in its _load_from_state_dict. None here; BatchNorm overrides it."""
        return ()

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values into the parameters and buffers in place (casting to each one's dtype); with assign=True
        each takes the checkpoint's array and dtype instead (the Parameter objects stay, as optimizers hold them).
        Runs the load_state_dict pre-hooks (of each module, in named_modules order) and post-hooks (in reverse).

        Raises:
            RuntimeError: listing every missing key, unexpected key (both only when strict) and shape mismatch
                (always), in one message.
        Returns:
            (missing_keys, unexpected_keys), as torch's load_state_dict.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        metadata = getattr(state_dict, "_metadata", None) or {}  # torch's state_dicts carry per-module versions
        state_dict, modules = OrderedDict(state_dict), list(self.named_modules())
        missing, unexpected, errors, writes = [], [], [], []
        for name, m in modules:
            for hook in m._load_state_dict_pre_hooks.values():
                hook(m, state_dict, name + "." if name else "", metadata.get(name, {}), strict, missing, unexpected,
                     errors)
        own = dict(_own_state(self, ""))
        if any(k not in state_dict for k in own):
            optional = set()
            for name, m in modules:
                optional.update(m._optional_state_keys(name + "." if name else "", metadata.get(name, {})))
            missing += [k for k in own if k not in state_dict and k not in optional]
        unexpected += [k for k in state_dict if k not in own]
        for k, target in own.items():
            if k not in state_dict:
                continue
            arr = _array_of(state_dict[k], k)
            if tuple(arr.shape) != tuple(target.shape):
                errors.append(f"size mismatch for {k}: copying a param with shape {tuple(arr.shape)} from "
                              f"checkpoint, the shape in current model is {tuple(target.shape)}.")
            else:
                writes.append((target, arr))
        keys = _IncompatibleKeys(missing, unexpected)
        for _, m in reversed(modules):
            for hook in m._load_state_dict_post_hooks.values():
                hook(m, keys)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        for target, arr in writes:
            xp = target._device.xp
            if assign:
                target.data = xp.array(arr)
            else:
                xp.copyto(target.data, xp.asarray(arr), casting="unsafe")
                target._version += 1
        return keys

    # ----------------------------------------------------------------------------------- printing
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def summary(self):
        """A table of every submodule with its type and own parameter count, and the totals (trainable and all).
        Returns the text; `print(model.summary())` shows it."""
        rows = []
        for name, m in self.named_modules():
            own = sum(int(p.data.size) for p in m._parameters.values() if p is not None)
            rows.append((name or "(root)", type(m).__name__, own))
        total = sum(int(p.data.size) for p in self.parameters())
        trainable = sum(int(p.data.size) for p in self.parameters() if p.requires_grad)
        w0 = max(len(r[0]) for r in rows + [("name", "", 0)])
        w1 = max(len(r[1]) for r in rows + [("", "type", 0)])
        out = [f"{'name':<{w0}}  {'type':<{w1}}  {'params':>12}", "-" * (w0 + w1 + 16)]
        out += [f"{n:<{w0}}  {t:<{w1}}  {c:>12,}" for n, t, c in rows]
        out += ["-" * (w0 + w1 + 16), f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                f"Non-trainable params: {total - trainable:,}"]
        return "\n".join(out)

    def __dir__(self):
        keys = list(super().__dir__()) + list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())
