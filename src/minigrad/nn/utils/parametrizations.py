"""weight_norm and spectral_norm as parametrizations (parametrize.py). Matches torch.nn.utils.parametrizations;
orthogonal is not here (it needs QR/Householder products and matrix_exp, which minigrad lacks)."""
from ... import functions as _functions
from ...autograd.grad_mode import no_grad
from ...creation import randn
from ...tensor import Tensor
from .. import functional as F
from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..module import Module
from . import parametrize

_conv_transposes = (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)


def norm_except_dim(v, dim):
    """The 2-norm of v over every dim but `dim` (kept as size-1 dims); dim=-1 means over all of v (a 0-d tensor),
    as torch.norm_except_dim: so weight_norm(dim=-1) normalises the whole tensor, not its last dim."""
    if dim == -1:
        return v.norm()
    dim = _check_dim(dim, v.ndim, "weight_norm")
    return v.norm(2, tuple(d for d in range(v.ndim) if d != dim), keepdim=True)


def _check_dim(dim, ndim, op):
    if not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got "
                         f"{dim})")
    return dim % max(ndim, 1)


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight):
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize module.<name> as g * v / ||v|| (the norm over every dim but `dim`; dim=None: the whole
    tensor): `parametrizations.<name>.original0` holds g, `original1` holds v. Loading a state_dict with the legacy
    `<name>_g` / `<name>_v` keys works too. Matches torch.nn.utils.parametrizations.weight_norm.

    >>> from minigrad.nn import Linear
    >>> sorted(weight_norm(Linear(3, 2)).state_dict())
    ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def legacy_keys(mod, state_dict, prefix, *_):
        g, v = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g in state_dict and v in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v)

    module.register_load_state_dict_pre_hook(legacy_keys)
    return module


def weight_to_matrix(weight, dim):
    """weight with `dim` moved first and the rest flattened: the matrix whose largest singular value is taken."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def power_iteration(mat, u, v, n, eps):
    """n steps of the power method, written into the buffers u and v in place (as torch's out=), without a graph."""
    with no_grad():
        for _ in range(n):
            u.data[...] = F.normalize(mat @ v, dim=0, eps=eps).data
            v.data[...] = F.normalize(mat.mT @ u, dim=0, eps=eps).data


def random_unit(n, like, eps):
    return F.normalize(randn(n, dtype=like.dtype, device=like.device), dim=0, eps=eps)


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        self.dim = _check_dim(dim, weight.ndim, "spectral_norm")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations="
                             f"{n_power_iterations}")
        self.eps = eps
        if weight.ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = weight_to_matrix(weight, self.dim)
            self.register_buffer("_u", random_unit(mat.shape[0], weight, eps))
            self.register_buffer("_v", random_unit(mat.shape[1], weight, eps))
            power_iteration(mat, self._u, self._v, 15, eps)

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        mat = weight_to_matrix(weight, self.dim)
        if self.training:
            power_iteration(mat, self._u, self._v, self.n_power_iterations, self.eps)
        # clones: the next forward's power iteration must not change what this graph saved
        return weight / _functions.dot(self._u.clone(), mat @ self._v.clone())

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrize module.<name> as W / sigma(W), sigma the largest singular value estimated by power iteration:
    in training each access runs n_power_iterations steps and updates the buffers `parametrizations.<name>.0._u`
    and `._v`; in eval it uses them as they are. dim defaults to 1 for ConvTranspose, else 0. Matches
    torch.nn.utils.parametrizations.spectral_norm (u and v start from another random stream than torch's).

    Raises:
        ValueError: if module has no tensor `name`, or n_power_iterations is not positive.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")  # noqa: TRY004
    if dim is None:
        dim = 1 if isinstance(module, _conv_transposes) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
