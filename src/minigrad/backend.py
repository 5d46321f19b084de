"""Devices and their array namespaces.

Every op computes through `ctx.xp`, the namespace of its inputs' device: NumPy's functions on the CPU, CuPy's on
a GPU. The namespace is NumPy's (or CuPy's) module plus the few helpers that the two spell differently, so an op
body never names either library.
"""
import numpy as np


class ArrayNamespace:
    """A module-like view of an array library (numpy or cupy) plus minigrad's helpers.

    Unknown attributes fall through to the library once and are then cached on the instance, so after warm-up a
    lookup is a plain attribute read.
    """

    def __init__(self, module, name):
        self._module = module
        self.name = name

    def __getattr__(self, attr):
        value = getattr(self._module, attr)
        setattr(self, attr, value)
        return value

    def __repr__(self):
        return f"<array namespace {self.name}>"

    def scatter_add(self, shape, index, values, dtype):
        """zeros(shape) with `values` added at `index` (repeated indices accumulate): the gradient of indexing."""
        out = self._module.zeros(shape, dtype=dtype)
        self._module.add.at(out, index, values)
        return out

    def sliding_window_view(self, x, window_shape, axis):
        return self._module.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axis)

    def to_host(self, x):
        return x


class Device:
    """Where a tensor's data lives. `type` is "cpu" or "cuda"; `xp` computes there."""

    __slots__ = ("type", "index", "xp")

    def __init__(self, type, index, xp):
        self.type, self.index, self.xp = type, index, xp

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = get_device(other)
        return isinstance(other, Device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


CPU = Device("cpu", None, ArrayNamespace(np, "numpy"))
_devices = {"cpu": CPU}
_default = [CPU]


def get_device(spec=None):
    """Resolve "cpu", "cuda", "cuda:0", a Device or None (the default device) to a Device."""
    if spec is None:
        return _default[0]
    if isinstance(spec, Device):
        return spec
    key = str(spec)
    dev = _devices.get(key)
    if dev is not None:
        return dev
    kind = key.split(":")[0]
    if kind == "cuda":
        raise RuntimeError(f"device '{key}': CUDA support is not available in this build of minigrad; "
                           "see minigrad.devices() for the devices that are usable here")
    raise ValueError(f"unknown device '{key}': expected 'cpu' or 'cuda[:N]'")


def set_device(spec):
    """Make `spec` the device new tensors are created on (seed 000's minigrad.set_device("cpu"))."""
    _default[0] = get_device(spec)


def devices():
    """The usable devices, and why the others are not usable here."""
    usable = [str(d) for d in _devices.values()]
    reasons = {"cuda": "GPU support through CuPy is not part of this build"}
    return {"usable": usable, "unavailable": reasons}


def device_of(array):
    """The Device an array lives on (CPU for NumPy arrays)."""
    return CPU
