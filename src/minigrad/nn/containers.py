"""The containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict."""
from collections import OrderedDict

from .module import Module, Parameter


def _index(idx, n, what):
    if not -n <= idx < n:
        raise IndexError(f"index {idx} is out of range for a {what} of length {n}")
    return idx % n


class _ModuleSequence:
    """What Sequential and ModuleList share: submodules registered under "0", "1", ... in order."""

    def _renumber(self, mods):
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)
        return self

    def pop(self, key):
        """Remove and return the module at `key` (an index or a slice); the rest are renumbered, as torch."""
        v = self[key]
        del self[key]
        return v


class Sequential(_ModuleSequence, Module):
    """Modules called in order, each on the previous one's output. Matches torch.nn.Sequential: positional modules
    get keys "0", "1", ...; an OrderedDict gives names.

    >>> from minigrad.nn import Linear, ReLU
    >>> list(Sequential(Linear(2, 3), ReLU(), Linear(3, 1)).state_dict())
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(idx, len(self._modules), "Sequential")]

    def __setitem__(self, idx, module):
        key = list(self._modules)[_index(idx, len(self._modules), "Sequential")]
        setattr(self, key, module)

    def __delitem__(self, idx):
        # torch renumbers what is left "0", "1", ... (named entries too), so that append() cannot reuse a key
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[_index(idx, len(mods), "Sequential")]
        self._renumber(mods)

    def __add__(self, other):
        """A new Sequential of self's modules then other's (the same objects), keys "0", "1", ... as torch."""
        return Sequential(*self, *_sequential_operand(other))

    def __iadd__(self, other):
        return self.extend(list(_sequential_operand(other)))

    def __mul__(self, other):
        """self's modules repeated `other` times (the same objects, so their parameters are shared), as torch."""
        return Sequential(*(list(self) * _factor(self, other)))

    __rmul__ = __mul__

    def __imul__(self, other):
        return self.extend(list(self) * (_factor(self, other) - 1))


def _sequential_operand(other):
    if not isinstance(other, Sequential):
        raise ValueError(f"Sequential: the add operator supports only objects of Sequential class, but {type(other)} "
                         "is given")
    return other


def _factor(seq, other):
    if not isinstance(other, int):
        raise TypeError(f"unsupported operand type(s) for *: {type(seq)} and {type(other)}")
    if other <= 0:
        raise ValueError(f"Sequential: non-positive multiplication factor {other}")
    return other


class ModuleList(_ModuleSequence, Module):
    """A list of registered modules (parameters visible to parameters() and state_dict()). Matches
    torch.nn.ModuleList."""

    _takes_module_collections = True

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx, module):
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[_index(idx, len(mods), "ModuleList")]
        self._renumber(mods)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it and call each module")


class _RegistryDict:
    """The dict interface of ModuleDict and ParameterDict over one of the module's registries (`_registry`)."""

    _registry = ""

    def _store(self):
        return self.__dict__[self._registry]

    def __getitem__(self, key):
        return self._store()[key]

    def __delitem__(self, key):
        del self._store()[key]

    def __len__(self):
        return len(self._store())

    def __iter__(self):
        return iter(self._store())

    def __contains__(self, key):
        return key in self._store()

    def keys(self):
        return self._store().keys()

    def items(self):
        return self._store().items()

    def values(self):
        return self._store().values()

    def pop(self, key):
        return self._store().pop(key)

    def clear(self):
        self._store().clear()

    def update(self, entries):
        for k, v in (entries.items() if hasattr(entries, "items") else entries):
            self[k] = v


class ModuleDict(_RegistryDict, Module):
    """A dict of registered modules, in insertion order. Matches torch.nn.ModuleDict."""

    _takes_module_collections = True

    _registry = "_modules"

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(); index it and call the module")


class ParameterList(Module):
    """A list of registered Parameters (plain tensors are wrapped). Matches torch.nn.ParameterList."""

    def __init__(self, values=None):
        super().__init__()
        for v in values or ():
            self.append(v)

    def _wrap(self, v):
        return v if isinstance(v, Parameter) or v is None else Parameter(v)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self._parameters.values())[idx])
        return self._parameters[str(_index(idx, len(self), "ParameterList"))]

    def __setitem__(self, idx, value):
        self.register_parameter(str(_index(idx, len(self), "ParameterList")), self._wrap(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        self.register_parameter(str(len(self)), self._wrap(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
                         for i, p in enumerate(self))


class ParameterDict(_RegistryDict, Module):
    """A dict of registered Parameters. Matches torch.nn.ParameterDict."""

    _registry = "_parameters"

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key, value):
        self.register_parameter(key, value if isinstance(value, Parameter) or value is None else Parameter(value))

    def get(self, key, default=None):
        return self._parameters.get(key, default)

