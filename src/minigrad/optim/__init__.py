"""minigrad.optim: optimizers and learning-rate schedulers with torch.optim's API. Public re-exports only."""
from . import lr_scheduler
from .adadelta import ASGD, Adadelta, Rprop
from .adagrad import Adagrad
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "RMSprop", "Adagrad", "NAdam", "RAdam", "Adadelta", "Rprop",
           "ASGD", "lr_scheduler"]
