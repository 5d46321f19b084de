"""Normalization layers: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm,
LocalResponseNorm."""
from .. import dtypes
from ..creation import ones, zeros
from ..tensor import tensor
from . import functional_layers as FL
from . import init
from .module import Buffer, Module, Parameter


def _affine_parameters(module, affine, bias, shape, dtype, device):
    """weight (ones) and bias (zeros) of `shape`, registered as None where affine (or bias, torch 2.x's keyword) is
    False, as torch."""
    module.register_parameter("weight", Parameter(ones(*shape, dtype=dtype, device=device)) if affine else None)
    module.register_parameter("bias", Parameter(zeros(*shape, dtype=dtype, device=device)) if affine and bias
                              else None)


def _reset_affine(module):
    """torch's reset_parameters of the normalization layers: weight ones, bias zeros."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _BatchNorm(Module):
    _dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        _affine_parameters(self, affine, bias, (num_features,), dt, device)
        if track_running_stats:
            self.running_mean = Buffer(zeros(num_features, dtype=dt, device=device))
            self.running_var = Buffer(ones(num_features, dtype=dt, device=device))
            self.num_batches_tracked = Buffer(tensor(0, dtype=dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        _reset_affine(self)

    def _optional_state_keys(self, prefix, local_metadata):
        # num_batches_tracked arrived in torch's BatchNorm version 2: torch keeps the current count when an older
        # checkpoint (or one without version metadata, as every minigrad and plain-dict one) lacks it
        version = local_metadata.get("version")
        if (version is None or version < 2) and self.track_running_stats:
            return (prefix + "num_batches_tracked",)
        return ()

    def forward(self, input):
        name = type(self).__name__
        if input.ndim not in self._dims:
            raise ValueError(f"{name}: expected a {' or '.join(f'{d}D' for d in self._dims)} input, got shape "
                             f"{tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{name}: input of shape {tuple(input.shape)} has {input.shape[1]} channels, expected "
                             f"num_features={self.num_features}")
        momentum = self.momentum
        use_batch = self.training or not self.track_running_stats
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] += 1
            self.num_batches_tracked._version += 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.data)
        return FL.batch_norm(input, self.running_mean if not use_batch or self.training else None,
                             self.running_var if not use_batch or self.training else None, self.weight, self.bias,
                             use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L), with running statistics for eval mode. Matches
    torch.nn.BatchNorm1d."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of each channel of (N, C, H, W), with running statistics (momentum 0.1, unbiased
    variance) used in eval mode. Matches torch.nn.BatchNorm2d.

    >>> import minigrad
    >>> BatchNorm2d(3)(minigrad.randn(4, 3, 5, 5)).shape
    (4, 3, 5, 5)
    """

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization of each channel of (N, C, D, H, W). Matches torch.nn.BatchNorm3d."""

    _dims = (5,)


class _InstanceNorm(_BatchNorm):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        name, nsp = type(self).__name__, self._dims[0] - 2
        if input.ndim not in (nsp + 1, nsp + 2):
            raise ValueError(f"{name}: expected a {nsp + 1}D (unbatched) or {nsp + 2}D input, got shape "
                             f"{tuple(input.shape)}")
        if self.affine and input.shape[-nsp - 1] != self.num_features:  # torch only warns without affine
            raise ValueError(f"{name}: input of shape {tuple(input.shape)} has {input.shape[-nsp - 1]} channels, "
                             f"expected num_features={self.num_features}")
        x = input if input.ndim == nsp + 2 else input.reshape((1,) + tuple(input.shape))
        # as torch: momentum=None means 0 here (no cumulative average), and num_batches_tracked stays 0
        y = FL.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                             self.training or not self.track_running_stats, self.momentum or 0.0, self.eps)
        return y.reshape(tuple(input.shape))


class InstanceNorm1d(_InstanceNorm):
    """Normalize each channel of each sample of (N, C, L) or (C, L) over L. Matches torch.nn.InstanceNorm1d."""

    _dims = (3,)


class InstanceNorm2d(_InstanceNorm):
    """Normalize each channel of each sample of (N, C, H, W) or (C, H, W) over H, W. Matches
    torch.nn.InstanceNorm2d."""

    _dims = (4,)


class InstanceNorm3d(_InstanceNorm):
    """Normalize each channel of each sample of (N, C, D, H, W) or (C, D, H, W). Matches torch.nn.InstanceNorm3d."""

    _dims = (5,)


class LayerNorm(Module):
    """Normalize over the trailing `normalized_shape` dimensions, with elementwise weight and bias. Matches
    torch.nn.LayerNorm."""

    reset_parameters = _reset_affine

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        _affine_parameters(self, elementwise_affine, bias, self.normalized_shape, dt, device)

    def forward(self, input):
        if tuple(input.shape[max(input.ndim - len(self.normalized_shape), 0):]) != self.normalized_shape:
            raise RuntimeError(f"LayerNorm: input of shape {tuple(input.shape)} does not end with normalized_shape "
                               f"{self.normalized_shape}")
        return FL.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalize (N, C, *) over groups of C / num_groups channels, with per-channel weight and bias. Matches
    torch.nn.GroupNorm."""

    reset_parameters = _reset_affine

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        _affine_parameters(self, affine, bias, (num_channels,), dt, device)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(f"GroupNorm: input of shape {tuple(input.shape)} should have {self.num_channels} "
                               "channels in dimension 1")
        return FL.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Divide by the root mean square over the trailing `normalized_shape` dimensions, then scale elementwise
    (no bias). eps=None uses the machine epsilon of the input's dtype. Matches torch.nn.RMSNorm."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        self.register_parameter("weight", Parameter(ones(*self.normalized_shape, dtype=dt, device=device))
                                if elementwise_affine else None)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):
        return FL.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Normalize each position of (N, C, *) by the squares of `size` neighbouring channels. Matches
    torch.nn.LocalResponseNorm."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return FL.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
