"""DistributedSampler: each rank of a data-parallel job reads its own share of a data set."""
import math

from .sampler import Sampler


class DistributedSampler(Sampler):
    """Yields the indices of rank `rank`'s share of `dataset`: every num_replicas-th index of a (shuffled) order.

    Every rank gets the same number of indices, `ceil(len / num_replicas)`: the order is padded by repeating its
    first indices (or, with drop_last=True, cut to `floor(len / num_replicas)` per rank). With shuffle=True the
    order is a permutation seeded by `seed + epoch`, the same on every rank; call `set_epoch(epoch)` before each
    epoch to get a new one.

    Args:
        dataset: anything with `len()`.
        num_replicas: number of ranks (default: the world size of the default process group).
        rank: this rank (default: the rank in the default process group).
        shuffle, seed, drop_last: as described above.

    Raises:
        ValueError: rank outside [0, num_replicas - 1], or num_replicas < 1.
        RuntimeError: num_replicas/rank omitted while no process group is initialised.

    Matches torch.utils.data.distributed.DistributedSampler (the permutation comes from minigrad's generator, so
    the shuffled order differs from torch's; the split and padding are the same).

    >>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
    [1, 3, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from .. import distributed as dist  # noqa: PLC0415 - only when the group is asked for

            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler: num_replicas and rank default to the process group's, but "
                                   "init_process_group() has not been called; call it or pass both")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if int(num_replicas) < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be at least 1, got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, int(seed), drop_last, 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            from ..creation import randperm  # noqa: PLC0415
            from ..random import Generator  # noqa: PLC0415

            indices = randperm(n, generator=Generator(self.seed + self.epoch)).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - n
            if pad <= n:
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / n))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use `epoch` in the shuffle seed, so each epoch has a new order (the same on every rank)."""
        self.epoch = int(epoch)
