"""minigrad.nn: modules, layers, losses and initialisers with torch.nn's API. Public re-exports only."""
from . import functional, init, losses, utils
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Softmin, Softplus, Tanh
from .dropout import Dropout
from .linear import Bilinear, Flatten, Identity, Linear, Unflatten
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .module import (Buffer, Module, ModuleDict, ModuleList, Parameter, ParameterDict, ParameterList, Sequential)
from . import parallel  # DistributedDataParallel (issue 10); imports mpi4py only when used
