"""Python pickling of tensors (multiprocessing, joblib, copying through pickle). minigrad.save does not use it: its
checkpoint format cannot run code on load, which a pickle can."""
import warnings

from .backend import get_device


def reduce_tensor(self, protocol):
    """Tensor.__reduce_ex__: the array, brought to the host, with requires_grad, name and the device's name,
    unpickled onto the device of that name as the same type (a Parameter stays a Parameter). As torch: a tensor with
    a grad_fn comes back as a leaf that requires grad, .grad is not pickled, and backward hooks are dropped with a
    warning."""
    if self._hooks:
        warnings.warn(f"pickle: backward hook(s) {list(self._hooks.values())} on a tensor of shape "
                      f"{tuple(self.shape)} will not be serialized", UserWarning, stacklevel=2)
    args = (type(self), self._device.xp.to_host(self.data), self.requires_grad, str(self._device), self.name)
    state = getattr(self, "__dict__", None)  # a subclass without __slots__ keeps its attributes, as in torch
    return (rebuild_tensor, args, state) if state else (rebuild_tensor, args)


def rebuild_tensor(cls, array, requires_grad, device, name):
    """reduce_tensor's inverse: `array` (on the host) as a `cls` on the device named `device`."""
    dev = get_device(device)
    t = cls._wrap(array if dev.type == "cpu" else dev.xp.asarray(array), dev, requires_grad)
    t.name = name
    return t
