"""Handles returned by hook registration, shared by tensors and modules."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Returned by register_*hook; `remove()` (or leaving a `with` block) unregisters the hook."""

    def __init__(self, registry, hook):
        self.registry, self.id = registry, next(_ids)
        registry[self.id] = hook

    def remove(self):
        self.registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
