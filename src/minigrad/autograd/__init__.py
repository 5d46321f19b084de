"""minigrad.autograd: Function for custom ops, grad modes, and the backward engine."""
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .custom import Function, FunctionCtx, once_differentiable
from .functional_api import grad
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck
from .gradgradcheck import gradgradcheck


def __getattr__(name):
    # torch.autograd.functional loads on first use: training never needs it, and it costs ms of `import minigrad`
    if name == "functional":
        import importlib  # noqa: PLC0415

        return importlib.import_module(".functional", __name__)
    raise AttributeError(f"module 'minigrad.autograd' has no attribute '{name}'")


__all__ = ["Function", "FunctionCtx", "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck",
           "inference_mode", "is_anomaly_enabled", "is_grad_enabled", "no_grad", "once_differentiable",
           "set_detect_anomaly", "set_grad_enabled"]
