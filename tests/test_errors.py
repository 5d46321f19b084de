"""Issue 3 point 6: bad input raises torch's exception class with a message naming the op and the shapes, dtypes
or values involved. Each message is asserted."""
import re

import numpy as np
import pytest

import minigrad
from minigrad import Tensor
from minigrad.backend import ArrayNamespace, Device

A = minigrad.ones(2, 3)
B = minigrad.ones(4, 5)

CASES = [
    ("matmul", lambda: A @ B, RuntimeError, "matmul: shapes (2, 3) and (4, 5) cannot be multiplied (3 != 4)"),
    ("matmul_batch", lambda: minigrad.ones(2, 3, 4) @ minigrad.ones(3, 4, 2), RuntimeError,
     "matmul: batch dimensions of shapes (2, 3, 4) and (3, 4, 2) cannot be broadcast"),
    ("matmul_0d", lambda: minigrad.tensor(1.0) @ A, RuntimeError, "matmul: both arguments need at least 1 dimension"),
    ("add_broadcast", lambda: A + minigrad.ones(4), RuntimeError,
     ("add: the size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1 "
     "(shapes (2, 3) and (4,))")),
    ("mul_broadcast", lambda: A * minigrad.ones(3, 3), RuntimeError, ("mul: the size of tensor a (2) must match the "
     "size of tensor b (3) at non-singleton dimension 0 (shapes (2, 3) and (3, 3))")),
    ("maximum_broadcast", lambda: A.maximum(minigrad.ones(4)), RuntimeError, "maximum: the size of tensor a (3)"),
    ("where_broadcast", lambda: minigrad.where(A > 0, A, minigrad.ones(4)), RuntimeError,
     "where: condition (2, 3), input (2, 3) and other (4,) cannot be broadcast together"),
    ("sum_dim", lambda: A.sum(2), IndexError,
     "sum: dim 2 is out of range for a tensor with 2 dimension(s) (expected to be in range of [-2, 1])"),
    ("softmax_dim", lambda: A.softmax(-3), IndexError, "softmax: dim -3 is out of range"),
    ("cat_dim", lambda: minigrad.cat([A, A], 2), IndexError, "cat: dim 2 is out of range"),
    ("argmax_dim", lambda: A.argmax(3), IndexError, "argmax: dim 3 is out of range"),
    ("dim_twice", lambda: A.sum((0, -2)), RuntimeError, "sum: dim (0, -2) names an axis more than once"),
    ("requires_grad_int", lambda: minigrad.tensor([1, 2], requires_grad=True), RuntimeError,
     "tensor: only tensors of floating point dtype can require gradients, got dtype int64"),
    ("requires_grad_int_class", lambda: Tensor([1, 2], dtype=minigrad.int64, requires_grad=True), RuntimeError,
     "Tensor: only tensors of floating point dtype can require gradients, got dtype int64"),
    ("requires_grad_", lambda: minigrad.tensor([1, 2]).requires_grad_(), RuntimeError,
     "requires_grad_: only tensors of floating point dtype can require gradients, got dtype int64"),
    ("backward_no_grad", lambda: minigrad.tensor([1.0, 2.0]).sum().backward(), RuntimeError,
     "backward: this tensor (shape ()) does not require grad and has no grad_fn"),
    ("backward_gradient_shape", lambda: (minigrad.ones(2, 3, requires_grad=True) * 2).backward(minigrad.ones(3)),
     RuntimeError, "backward: gradient has shape (3,) but the tensor has shape (2, 3)"),
    ("reshape", lambda: A.reshape(4, 2), RuntimeError,
     "reshape: shape (4, 2) is invalid for input of size 6 (shape (2, 3))"),
    ("expand", lambda: A.expand(3, 3), RuntimeError, "broadcast_to: the shape (2, 3) cannot be broadcast to (3, 3)"),
    ("permute", lambda: A.permute(0, 0), RuntimeError,
     "permute: dims (0, 0) are not a permutation of the 2 dimensions of a tensor of shape (2, 3)"),
    ("item", lambda: A.item(), RuntimeError,
     "item: a Tensor with 6 elements (shape (2, 3)) cannot be converted to a Python scalar"),
    ("cat_shapes", lambda: minigrad.cat([A, B]), RuntimeError, ("cat: expected all tensors to have the same shape "
     "except in dimension 0, got (2, 3) at position 0 and (4, 5) at position 1")),
    ("cat_empty", lambda: minigrad.cat([]), RuntimeError, "cat: expected a non-empty list of Tensors"),
    ("stack_shapes", lambda: minigrad.stack([A, B]), RuntimeError,
     "stack: expects each tensor to be equal size, but got (2, 3) at entry 0 and (4, 5) at entry 1"),
    ("gather_bounds", lambda: A.gather(1, minigrad.tensor([[5]])), IndexError,
     "gather: index 5 is out of bounds for dimension 1 with size 3"),
    ("gather_ndim", lambda: A.gather(1, minigrad.tensor([1])), RuntimeError, ("gather: index tensor must have the "
     "same number of dimensions as input tensor, got 1 and 2 (shapes (1,) and (2, 3))")),
    ("index_select", lambda: A.index_select(0, minigrad.tensor([3])), IndexError,
     "index_select: index 3 is out of bounds for dimension 0 with size 2"),
    ("einsum_sizes", lambda: minigrad.einsum("ij,jk->ik", A, A), RuntimeError,
     ("einsum(): subscript j has size 2 for an operand of shape (2, 3) which does not match the previously seen "
     "size 3")),
    ("einsum_ndim", lambda: minigrad.einsum("ijk,jk->ik", A, A), RuntimeError,
     "einsum(): the subscripts 'ijk' of equation 'ijk,jk->ik' do not match an operand with 2 dimension(s)"),
    ("einsum_count", lambda: minigrad.einsum("ij->i", A, A), RuntimeError,
     "einsum(): equation 'ij->i' has 1 operand(s) but 2 were given"),
    ("tensordot", lambda: minigrad.tensordot(A, A, dims=([1], [0])), RuntimeError,
     "tensordot: contracted dimensions need to match, but first has size 3 in dim 1 and second has size 2 in dim 0"),
    ("dot", lambda: minigrad.dot(A, A), RuntimeError,
     "dot: 1D tensors expected, but got 2D and 2D tensors (shapes (2, 3) and (2, 3))"),
    ("dot_size", lambda: minigrad.dot(minigrad.ones(2), minigrad.ones(3)), RuntimeError,
     "dot: inconsistent tensor size, expected tensor [2] and src [3] to have the same number of elements"),
    ("unfold", lambda: A.unfold(1, 5, 1), RuntimeError, ("unfold: maximum size for tensor at dimension 1 is 3 but "
     "size is 5")),
    ("unfold_step", lambda: A.unfold(1, 2, 0), RuntimeError, "unfold: step is 0 but must be > 0"),
    ("as_strided", lambda: A.as_strided((3, 3), (3, 1)), RuntimeError, ("as_strided: setStorage: sizes [3, 3], "
     "strides [3, 1] and storage offset 0 reach element 8 of a tensor of 6 elements (shape (2, 3))")),
    ("split", lambda: A.split([1, 1], 1), RuntimeError,
     "split: split_sizes [1, 1] must sum to the size of dim 1, 3 (shape (2, 3))"),
    ("chunk", lambda: A.chunk(0), RuntimeError, "chunk: chunks must be greater than 0, got 0"),
    ("clamp", lambda: A.clamp(), RuntimeError, "clamp: at least one of 'min' or 'max' must not be None"),
    ("pad_length", lambda: minigrad.pad(A, (1,)), RuntimeError, "pad: padding length 1 must be divisible by 2"),
    ("pad_reflect", lambda: minigrad.pad(A, (3, 3), mode="reflect"), RuntimeError,
     ("pad: padding size should be less than the corresponding input dimension, but got padding (3, 3) at "
     "dimension 1 of input (2, 3)")),
    ("pad_mode", lambda: minigrad.pad(A, (1, 1), mode="wrap"), NotImplementedError, ("pad: mode 'wrap' is not "
     "supported")),
    ("where_cond", lambda: minigrad.where(A, A, A), RuntimeError,
     "where: expected condition to be a boolean tensor, got dtype float32"),
    ("masked_fill_shape", lambda: A.masked_fill(minigrad.ones(3, 3) > 0, 1.0), RuntimeError,
     "masked_fill: the mask of shape (3, 3) cannot be broadcast to the tensor's shape (2, 3)"),
    ("masked_fill_dtype", lambda: A.masked_fill(minigrad.ones(2, 3), 1.0), RuntimeError,
     "masked_fill: expected a bool mask, got dtype float32"),
    ("flatten", lambda: A.flatten(1, 0), RuntimeError, "flatten: start_dim 1 cannot come after end_dim 0"),
    ("repeat", lambda: A.repeat(2), RuntimeError,
     "repeat: number of repeat dims (1) can not be smaller than number of dimensions of tensor (2)"),
    ("amax_empty", lambda: minigrad.zeros(0, 2).amax(0), IndexError,
     "amax: expected reduction dim 0 to have non-zero size (shape (0, 2))"),
    ("max_empty", lambda: minigrad.zeros(0).max(), RuntimeError,
     "max: expected reduction dim to be specified for an empty tensor (shape (0,))"),
    ("mT", lambda: minigrad.ones(3).mT, RuntimeError, ("mT: tensor.mT is only supported on matrices or batches of "
     "matrices. Got 1-D")),
    ("gelu_mode", lambda: A.gelu("erf"), RuntimeError, "gelu: approximate must be 'none' or 'tanh', got 'erf'"),
    ("inplace_shape", lambda: minigrad.ones(2, 3).__iadd__(minigrad.ones(2, 2, 3)), RuntimeError,
     "add_: output with shape (2, 3) doesn't match the broadcast shape (2, 2, 3)"),
    ("numpy_unsupported", lambda: np.linalg.norm(minigrad.ones(2, requires_grad=True)), TypeError,
     "numpy.norm is not supported on minigrad Tensors that require grad: it would drop out of the autograd graph"),
    ("numpy_ufunc_unsupported", lambda: np.arctan2(minigrad.ones(2, requires_grad=True), 1.0), TypeError,
     "numpy.arctan2 (ufunc method '__call__') is not supported on minigrad Tensors that require grad"),
]


@pytest.mark.parametrize("name,fn,exc,message", CASES, ids=[c[0] for c in CASES])
def test_error_message(name, fn, exc, message):
    with pytest.raises(exc, match=re.escape(message)):
        fn()


def test_mixing_devices_names_both():
    other = Device("fake", 1, ArrayNamespace(np, "numpy"))
    x = Tensor._wrap(np.ones(3, dtype=np.float32), other)
    with pytest.raises(RuntimeError, match=re.escape("Expected all tensors to be on the same device, but found at "
                                                     "least two devices, cpu and fake:1")):
        minigrad.ones(3) + x
    with pytest.raises(RuntimeError, match=re.escape("cat: expected all tensors to be on the same device, but found "
                                                     "at least two devices, cpu and fake:1")):
        minigrad.cat([minigrad.ones(3), x])


def test_numpy_on_tensors_without_grad_falls_back_to_arrays():
    t = minigrad.tensor([1.0, 4.0])
    assert abs(float(np.linalg.norm(t)) - 17 ** 0.5) < 1e-6
    assert np.allclose(t, [1.0, 4.0])
    out = np.exp(minigrad.tensor([0.0], requires_grad=True))
    assert isinstance(out, Tensor) and out.grad_fn is not None
