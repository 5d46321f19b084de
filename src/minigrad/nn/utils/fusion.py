"""Folding an eval-mode BatchNorm into the conv or linear layer before it (for inference). Matches
torch.nn.utils.fusion."""
import copy

from ... import creation
from ...autograd.grad_mode import no_grad
from ..module import Parameter


def _check_eval(layer, bn):
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """(weight, bias) Parameters of the conv that computes bn(conv(x)) with bn's running statistics; the
    channel axis of the weight is 1 for a transposed conv. Matches torch.nn.utils.fuse_conv_bn_weights (a conv
    without bias gets a bias that does not require grad, as torch's)."""
    w_dtype = conv_w.dtype
    b_dtype = w_dtype if conv_b is None else conv_b.dtype
    conv_b = creation.zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = creation.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = creation.zeros_like(bn_rm) if bn_b is None else bn_b
    with no_grad():
        scale = bn_w * (bn_rv + bn_eps).rsqrt()
        shape = (1, -1) if transpose else (-1, 1)
        w = (conv_w * scale.reshape(*shape, *[1] * (conv_w.ndim - 2))).to(w_dtype)
        b = ((conv_b - bn_rm) * scale + bn_b).to(b_dtype)
    return Parameter(w, conv_w.requires_grad), Parameter(b, conv_b.requires_grad)


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of conv whose output equals bn(conv(x)) for eval-mode conv and bn. Matches
    torch.nn.utils.fuse_conv_bn_eval."""
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """(weight, bias) Parameters of the linear layer that computes bn(linear(x)). Matches
    torch.nn.utils.fuse_linear_bn_weights."""
    return fuse_conv_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)


def fuse_linear_bn_eval(linear, bn):
    """A copy of linear whose output equals bn(linear(x)) for eval-mode linear and bn (bn over out_features, or
    one feature). Matches torch.nn.utils.fuse_linear_bn_eval."""
    _check_eval(linear, bn)
    if linear.out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(f"To fuse, linear.out_features == bn.num_features or bn.num_features == 1, got "
                             f"linear.out_features={linear.out_features} and bn.num_features={bn.num_features}")
    return fuse_conv_bn_eval(linear, bn)
