"""Grad mode: one flag, and the context managers that set it.

NOTE: the flag is global, not per thread as torch's is: apply() reads it on every op, and a thread-local read
costs more than a class attribute; code that runs no_grad in one thread and training in another needs torch."""
import functools
import inspect


class GradMode:
    enabled = True


def is_grad_enabled():
    """True when ops record a graph. Matches torch.is_grad_enabled."""
    return GradMode.enabled


def _decorate(make_context, fn):
    """fn run inside a fresh context from make_context(). A generator function gets the context around each step
    of its body only, as torch does (a plain wrapper would leave it at the first yield: the body ran with grad on)."""
    if not inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with make_context():
                return fn(*args, **kwargs)

        return wrapper

    @functools.wraps(fn)
    def generator(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            with make_context():
                value = next(gen)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with make_context():
                        gen.close()
                    raise
                except BaseException as exc:  # noqa: BLE001 - handed to the generator, as `throw` means
                    with make_context():
                        value = gen.throw(exc)
                else:
                    with make_context():
                        value = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return generator


class set_grad_enabled:
    """Context manager (and decorator) that sets grad mode. Matches torch.set_grad_enabled: the mode is set when
    it is constructed, so `set_grad_enabled(False)` as a plain call switches grad off."""

    def __init__(self, mode=True):
        self.prev = GradMode.enabled
        GradMode.enabled = bool(mode)
        self.mode = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        GradMode.enabled = self.prev
        return False

    def __call__(self, fn):
        GradMode.enabled = self.prev  # as a decorator, the construction's switch must not last
        return _decorate(lambda: set_grad_enabled(self.mode), fn)


class _GradModeContext:
    mode = True

    def __new__(cls, orig_func=None):
        # bare `@no_grad` (no parentheses) decorates, as torch 2 allows
        self = super().__new__(cls)
        return self if orig_func is None else self(orig_func)

    def __init__(self, orig_func=None):
        pass

    def __enter__(self):
        self.prev = GradMode.enabled
        GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        GradMode.enabled = self.prev
        return False

    def __call__(self, fn):
        return _decorate(type(self), fn)


class no_grad(_GradModeContext):
    """Disable graph recording; nests, and works as a decorator (with or without parentheses, on generator
    functions too). Matches torch.no_grad.

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


class inference_mode(_GradModeContext):
    """torch.inference_mode as no_grad: minigrad has no separate inference tensors, so what it saves torch (version
    counters and views) it would not save here. inference_mode(False) leaves grad mode as it is."""

    def __new__(cls, mode=True):
        if callable(mode):  # bare @inference_mode
            return super().__new__(cls, mode)
        self = super().__new__(cls)
        self.active = bool(mode)
        return self

    def __init__(self, mode=True):
        pass

    def __enter__(self):
        self.prev = GradMode.enabled
        if getattr(self, "active", True):
            GradMode.enabled = False
        return self

    def __call__(self, fn):
        active = getattr(self, "active", True)
        return _decorate(lambda: inference_mode(active), fn)
