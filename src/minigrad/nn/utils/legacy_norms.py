"""The hook-based weight_norm and spectral_norm that predate parametrizations (still in torch code and checkpoints):
a forward pre-hook recomputes `module.<name>` as a plain attribute from `<name>_g`/`<name>_v` (weight norm) or
`<name>_orig` and the buffers `<name>_u`/`<name>_v` (spectral norm). Match torch.nn.utils.weight_norm,
remove_weight_norm, spectral_norm and remove_spectral_norm."""
import warnings

from ...autograd.grad_mode import no_grad
from ..module import Parameter
from .parametrizations import F, _conv_transposes, _functions, norm_except_dim, random_unit, weight_to_matrix


class WeightNorm:
    """The forward pre-hook of weight_norm."""

    def __init__(self, name, dim):
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module):
        v = getattr(module, self.name + "_v")
        return v * (getattr(module, self.name + "_g") / norm_except_dim(v, self.dim))

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"], module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Split module.<name> into the parameters `<name>_g` (its norm over every dim but `dim`; dim=None: the whole
    tensor) and `<name>_v` (its direction); a forward pre-hook recomputes `<name>` = g * v / ||v||. Deprecated in
    torch (FutureWarning) for parametrizations.weight_norm. Matches torch.nn.utils.weight_norm.

    Raises:
        RuntimeError: if `name` already has a weight_norm hook.
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    if any(isinstance(h, WeightNorm) and h.name == name for h in module._forward_pre_hooks.values()):
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    fn = WeightNorm(name, dim)
    weight = getattr(module, name)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, fn.dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


class SpectralNorm:
    """The forward pre-hook of spectral_norm."""

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations="
                             f"{n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = weight_to_matrix(weight, self.dim)
        if do_power_iteration:
            with no_grad():  # v first, then u: the reverse of parametrizations.spectral_norm's order, as torch
                for _ in range(self.n_power_iterations):
                    v.data[...] = F.normalize(mat.mT @ u, dim=0, eps=self.eps).data
                    u.data[...] = F.normalize(mat @ v, dim=0, eps=self.eps).data
            u, v = u.clone(), v.clone()
        return weight / _functions.dot(u, mat @ v)

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for suffix in ("", "_u", "_v", "_orig"):
            delattr(module, self.name + suffix)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Keep module.<name> as `<name>_orig` and recompute `<name>` = W / sigma(W) before each forward, sigma
    estimated by power iteration over the buffers `<name>_u` and `<name>_v` (updated only in training). dim
    defaults to 1 for ConvTranspose, else 0. Matches torch.nn.utils.spectral_norm (u and v start from another
    random stream than torch's).

    Raises:
        RuntimeError: if `name` already has a spectral_norm hook.
        ValueError: if the parameter is None or n_power_iterations is not positive.
    """
    if dim is None:
        dim = 1 if isinstance(module, _conv_transposes) else 0
    if any(isinstance(h, SpectralNorm) and h.name == name for h in module._forward_pre_hooks.values()):
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    fn = SpectralNorm(name, n_power_iterations, dim, eps)
    weight = module._parameters[name]
    if weight is None:
        raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
    mat = weight_to_matrix(weight.detach(), fn.dim)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", random_unit(mat.shape[0], weight, eps))
    module.register_buffer(name + "_v", random_unit(mat.shape[1], weight, eps))
    module.register_forward_pre_hook(fn)
    return module


def _remove(module, name, kind, what):
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")


def remove_weight_norm(module, name="weight"):
    """Undo weight_norm: `<name>` becomes a Parameter holding the current g * v / ||v||."""
    return _remove(module, name, WeightNorm, "weight_norm")


def remove_spectral_norm(module, name="weight"):
    """Undo spectral_norm: `<name>` becomes a Parameter holding W / sigma with the current u and v."""
    return _remove(module, name, SpectralNorm, "spectral_norm")
