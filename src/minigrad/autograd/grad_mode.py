"""Grad mode: one flag, and the context managers that set it."""
import functools


class GradMode:
    enabled = True


def is_grad_enabled():
    """True when ops record a graph. Matches torch.is_grad_enabled."""
    return GradMode.enabled


class set_grad_enabled:
    """Context manager (and decorator) that sets grad mode. Matches torch.set_grad_enabled."""

    def __init__(self, mode=True):
        self.prev = GradMode.enabled
        GradMode.enabled = bool(mode)
        self.mode = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        GradMode.enabled = self.prev
        return False


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.prev = GradMode.enabled
        GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        GradMode.enabled = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Disable graph recording; nests, and works as a decorator. Matches torch.no_grad.

    >>> import minigrad
    >>> with minigrad.no_grad():
    ...     y = minigrad.Tensor([1.0]) * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Re-enable graph recording inside no_grad. Matches torch.enable_grad."""

    mode = True
