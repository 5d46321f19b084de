"""minigrad.data: datasets, samplers and DataLoader with torch.utils.data's API. Public re-exports only."""
from . import datasets
from .dataloader import DataLoader, default_collate, get_worker_info
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler  # data-parallel split across MPI ranks (issue 10)
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler

__all__ = ["DataLoader", "default_collate", "get_worker_info", "Dataset", "IterableDataset", "TensorDataset", "Subset",
           "ConcatDataset", "random_split", "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler", "datasets"]
