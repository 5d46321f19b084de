"""minigrad.optim: optimizers and learning-rate schedulers with torch.optim's API. Public re-exports only."""
from . import lr_scheduler
from .adadelta import ASGD, Adadelta, Rprop
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adamax", "RMSprop", "Adagrad", "NAdam", "RAdam", "Adadelta", "Rprop",
           "ASGD", "Adafactor", "LBFGS", "lr_scheduler"]
