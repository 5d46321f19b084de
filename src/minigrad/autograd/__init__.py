"""minigrad.autograd: Function for custom ops, grad modes, and the backward engine."""
from .custom import Function, FunctionCtx, once_differentiable
from .functional_api import grad
from .gradcheck import gradcheck
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Function", "FunctionCtx", "enable_grad", "grad", "gradcheck", "is_grad_enabled", "no_grad",
           "once_differentiable", "set_grad_enabled"]
