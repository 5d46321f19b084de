"""One seeded generator behind every random function, so that minigrad.manual_seed makes runs repeat.

numpy.random is imported on first use, not by `import minigrad` (it costs about a third of numpy's import time).
"""


class Generator:
    """A source of random numbers (NumPy's PCG64). Matches the role of torch.Generator."""

    def __init__(self, seed=None):
        self.seed_value = seed
        self._rng = None

    def manual_seed(self, seed):
        self.seed_value = int(seed)
        self._rng = None
        return self

    def initial_seed(self):
        return self.seed_value

    @property
    def rng(self):
        if self._rng is None:
            import numpy as np  # noqa: PLC0415

            if self.seed_value is None:
                self.seed_value = int(np.random.SeedSequence().entropy % (2**63))
            self._rng = np.random.Generator(np.random.PCG64(self.seed_value))
        return self._rng

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


default_generator = Generator(0)


def manual_seed(seed):
    """Seed every random function of minigrad (tensors, init, dropout, data shuffling). Matches torch.manual_seed."""
    return default_generator.manual_seed(seed)


def initial_seed():
    return default_generator.initial_seed()


def get_rng(generator=None):
    return (generator or default_generator).rng
