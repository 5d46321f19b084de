"""Parametrizations: `module.weight` computed on every access from the tensors it was registered over. Matches
torch.nn.utils.parametrize.

Registering swaps the module's class for a subclass (`ParametrizedLinear`) holding a property under the tensor's
name, and moves the tensor into `module.parametrizations[name]` (a ParametrizationList) as `original`, or as
`original0`, `original1`, ... when right_inverse returns several tensors; state_dict keys are therefore torch's
(`parametrizations.weight.original`).
"""
import copy
from collections.abc import Sequence
from contextlib import contextmanager

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..containers import ModuleDict, ModuleList
from ..module import Parameter

_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Compute each parametrized tensor once inside the block (for a weight used several times in one forward).
    Matches torch.nn.utils.parametrize.cached."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _register(module, name, x):
    if isinstance(x, Parameter):
        module.register_parameter(name, x)
    else:
        module.register_buffer(name, x)


def _set(dest, src, what):
    """dest takes src's array (torch's set_: shape and memory), so the Parameter an optimizer holds stays the same."""
    if not isinstance(src, Tensor):
        raise ValueError(f"`right_inverse` should return a tensor. Got {type(src).__name__}")  # noqa: TRY004
    if what and src.dtype != dest.dtype:
        raise ValueError(f"The tensor returned by `right_inverse` has dtype {src.dtype} while `{what}` has dtype "
                         f"{dest.dtype}")
    dest.data, dest._device = src.data, src._device
    dest._version += 1


def _inverse(mods, value, strict):
    """value through the right_inverse of each parametrization, last registered first (identity where one has none,
    unless strict)."""
    with no_grad():
        for m in reversed(mods):
            if hasattr(m, "right_inverse"):
                try:
                    value = m.right_inverse(value)
                except NotImplementedError:
                    if strict:
                        raise
            elif strict:
                raise RuntimeError(f"parametrization {type(m).__name__} does not implement right_inverse.")
    return value


def _check_same(x, y, what, name):
    for attr in ("dtype", "shape"):
        if getattr(x, attr) != getattr(y, attr):
            raise ValueError(f"Registering a parametrization may not change the {attr} of the tensor, unless the "
                             f"`unsafe` flag is enabled.\n{name} {attr}: {getattr(y, attr)}\n{what} {attr}: "
                             f"{getattr(x, attr)}")


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in registration order, and the original tensor(s) they are applied to.
    Matches torch.nn.utils.parametrize.ParametrizationList (built by register_parametrization, not by users)."""

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        new = _inverse(self, original, strict=False)
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(  # noqa: TRY004 - torch raises ValueError
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new is not original:
                _set(original, new, "original")
            _register(self, "original", original)
        else:
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError(  # noqa: TRY004 - torch raises ValueError
                        "'right_inverse' must return a Tensor or a Sequence of tensors (list, "
                        f"tuple...). Got element {i} of the sequence with type {type(t).__name__}.")
                t = Parameter(t, original.requires_grad) if isinstance(original, Parameter) else t.detach()
                _register(self, f"original{i}", t.requires_grad_(original.requires_grad))
        if not unsafe:
            z = self()
            if not isinstance(z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(z).__name__}.")
            _check_same(z, original, "parametrized", "unparametrized")

    def right_inverse(self, value):
        """Store right_inverse(value) of every parametrization (last first) in original (or original0, ...)."""
        value = _inverse(self, value, strict=True)
        if self.is_tensor:
            return _set(self.original, value, "original")
        if not isinstance(value, Sequence) or len(value) != self.ntensors:
            got = f"a sequence of length {len(value)}" if isinstance(value, Sequence) else type(value).__name__
            raise ValueError(f"'right_inverse' must return a sequence of {self.ntensors} tensors. Got {got}.")
        with no_grad():
            for i, t in enumerate(value):
                _set(getattr(self, f"original{i}"), t, f"original{i}")

    def forward(self):
        mods = list(self)
        x = mods[0](self.original) if self.is_tensor else mods[0](*(getattr(self, f"original{i}")
                                                                     for i in range(self.ntensors)))
        for m in mods[1:]:
            x = m(x)
        return x


def _deepcopy(self, memo):
    # copy's default goes through __reduce_ex__, which __getstate__ refuses
    replica = self.__new__(type(self))
    memo[id(self)] = replica
    replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return replica


def _getstate(self):
    raise RuntimeError("Serialization of parametrized modules is only supported through state_dict().")


def _inject(module, name):
    cls = type(module)
    if not is_parametrized(module):
        dct = {"__getstate__": _getstate}
        if not hasattr(cls, "__deepcopy__"):
            dct["__deepcopy__"] = _deepcopy
        cls = type(f"Parametrized{cls.__name__}", (cls,), dct)
        module.__class__ = cls

    def get(self):
        p = self.parametrizations[name]
        if not _cache_enabled:
            return p()
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = p()
        return _cache[key]

    def set_(self, value):
        self.parametrizations[name].right_inverse(value)

    setattr(cls, name, property(get, set_))


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make `module.<tensor_name>` read as `parametrization(original)`; assigning to it stores
    `parametrization.right_inverse(value)` in the original. A second registration on the same name stacks after the
    first. With unsafe=True the parametrization may change the tensor's shape and dtype. Matches
    torch.nn.utils.parametrize.register_parametrization.

    Raises:
        ValueError: when module has no parameter, buffer or parametrized tensor of that name, or (unless unsafe)
            the parametrization changes the shape or dtype.
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
            _check_same(x, y, f"parametrization(module.{tensor_name})", f"module.{tensor_name}")
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(z, Tensor):
                        raise ValueError(  # noqa: TRY004 - torch raises ValueError
                            f"parametrization.right_inverse must return a tensor. Got: {type(z).__name__}")
                    _check_same(z, y, "parametrization.right_inverse(...)", f"module.{tensor_name}")
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        plist = ParametrizationList([parametrization], getattr(module, tensor_name), unsafe=unsafe)
        delattr(module, tensor_name)
        first = not is_parametrized(module)
        _inject(module, tensor_name)
        if first:
            module.parametrizations = ModuleDict()
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name=None):
    """Whether module has any parametrization (or one on tensor_name)."""
    p = module._modules.get("parametrizations")
    if not isinstance(p, ModuleDict):
        return False
    return len(p) > 0 if tensor_name is None else tensor_name in p


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo register_parametrization on tensor_name: the tensor becomes a plain parameter (or buffer) again, holding
    its current parametrized value (leave_parametrized=True) or the original. The original Parameter object is kept,
    so an optimizer built earlier still updates it. Matches torch.nn.utils.parametrize.remove_parametrizations.

    Raises:
        ValueError: if tensor_name is not parametrized, or leave_parametrized=False where the parametrization holds
            several original tensors.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
            _set(original, t, None)  # torch's set_: takes shape and dtype (unsafe parametrizations change them)
    elif leave_parametrized:
        t = getattr(module, tensor_name)
        original = Parameter(t.detach()) if t.requires_grad else t.detach()
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized in "
                         "terms of a sequence of tensors.")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module):
    """The module's class before register_parametrization replaced it."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)
