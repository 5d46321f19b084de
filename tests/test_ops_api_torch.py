"""Argument forms of ops that torch accepts and that once went wrong here (found by differential testing against
torch): movedim with sequences, narrow from the end, inner of N-d tensors, half-precision sums, & | ^ on integers.
Values and gradients are compared with torch."""
import numpy as np
import pytest
import torch

import minigrad

X = np.arange(24.0).reshape(2, 3, 4)


def _both(fn, arrays=(X,), rtol=0.0):
    outs = []
    for lib in (minigrad, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*ts)
        weight = np.random.default_rng(0).standard_normal(tuple(out.shape))
        (out * lib.tensor(weight)).sum().backward()
        outs.append((out.detach().numpy(), [t.grad.numpy() for t in ts]))
    (m, mg), (t, tg) = outs
    np.testing.assert_allclose(m, t, rtol=rtol)
    for a, b in zip(mg, tg):
        np.testing.assert_allclose(a, b, rtol=rtol)


@pytest.mark.parametrize("src,dst", [((0, 1), (2, 0)), (0, 2), ((0,), (1,)), ([2, 0], [0, 1]), ((-1, 0), (0, -1)),
                                     ((), ())])
def test_movedim_matches_torch(src, dst):
    _both(lambda t: t.movedim(src, dst))


def test_movedim_refuses_repeats_and_unequal_lengths():
    with pytest.raises(RuntimeError, match="movedim"):
        minigrad.tensor(X).movedim((0, 0), (1, 2))
    with pytest.raises(RuntimeError, match="movedim"):
        minigrad.tensor(X).movedim((0, 1), (1,))


@pytest.mark.parametrize("dim,start,length", [(-1, -2, 2), (1, -3, 3), (2, 0, 0), (0, 1, 1), (2, 4, 0)])
def test_narrow_matches_torch(dim, start, length):
    _both(lambda t: t.narrow(dim, start, length))


@pytest.mark.parametrize("start,length", [(-5, 1), (5, 0), (2, 3)])
def test_narrow_out_of_range_raises_as_torch(start, length):
    with pytest.raises((IndexError, RuntimeError)):
        torch.tensor(X).narrow(2, start, length)
    with pytest.raises((IndexError, RuntimeError), match="narrow"):
        minigrad.tensor(X).narrow(2, start, length)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 3)), ((3,), (2, 5, 3)), ((2, 1, 3), (3,)), ((), (2, 3)), ((4,), (4,))])
def test_inner_matches_torch(sa, sb):
    rng = np.random.default_rng(1)
    _both(lambda a, b: minigrad.inner(a, b) if isinstance(a, minigrad.Tensor) else torch.inner(a, b),
          (rng.standard_normal(sa), rng.standard_normal(sb)), rtol=1e-12)


def test_half_precision_mean_and_sum_accumulate_in_float32_as_torch():
    data = np.full(3000, 30.0, dtype=np.float16)
    assert minigrad.tensor(data).mean().item() == torch.tensor(data).mean().item() == 30.0
    small = np.random.default_rng(0).random(5000).astype(np.float16)
    assert minigrad.tensor(small).sum().item() == torch.tensor(small).sum().item()
    assert minigrad.tensor(small).sum().dtype == minigrad.float16


def test_bitwise_refuses_floats_naming_the_op():
    with pytest.raises(TypeError, match="bitwise_and: only integer and bool tensors, got float32"):
        minigrad.ones(2) & minigrad.ones(2)


@pytest.mark.parametrize("shape", [(2, 3), (3,), ()])
def test_t_matches_torch(shape):
    _both(lambda t: t.t() * 1, (np.arange(float(np.prod(shape))).reshape(shape),))
    if len(shape) == 2:
        _both(lambda t: (t * 1).t()[0].mul_(5.0) * 1, (np.arange(6.0).reshape(shape),))


# ---------------------------------------------------------------------------- sort, argsort, topk: ties and NaN
TIES = np.array([[3.0, 1.0, 3.0, 2.0, 1.0, 3.0], [0.0, -0.0, 2.0, np.nan, 2.0, -1.0]])


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_ties_are_stable_as_torch(dim, descending):
    want = torch.tensor(TIES).sort(dim=dim, descending=descending, stable=True)
    for stable in (False, True):  # minigrad's order is always the stable one
        got = minigrad.tensor(TIES).sort(dim=dim, descending=descending, stable=stable)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        got_i = minigrad.tensor(TIES).argsort(dim=dim, descending=descending, stable=stable)
        np.testing.assert_array_equal(got_i.numpy(), want.indices.numpy())
    assert type(got).__name__ == "sort" and got._fields == ("values", "indices")


def test_sort_gradient_goes_to_each_tied_element_as_torch():
    _both(lambda t: t.sort(dim=1, descending=True, stable=True).values, (np.nan_to_num(TIES),))
    _both(lambda t: minigrad.sort(t, 0).values if isinstance(t, minigrad.Tensor) else torch.sort(t, 0).values,
          (np.nan_to_num(TIES),))


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [0, 1, 3, 6])
def test_topk_with_ties_matches_torch_values_and_distinct_indices(k, largest):
    x = np.nan_to_num(TIES)
    got = minigrad.tensor(x).topk(k, largest=largest)
    want = torch.tensor(x).topk(k, largest=largest)
    np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
    vals = got.values.numpy()
    distinct = (vals[..., :, None] == x[:, None, :]).sum(-1) == 1  # values that occur once in their row
    np.testing.assert_array_equal(got.indices.numpy()[distinct], want.indices.numpy()[distinct])
    np.testing.assert_array_equal(np.take_along_axis(x, got.indices.numpy(), 1), vals)  # ties: a right index
    assert type(got).__name__ == "topk"
    if k:
        rng = np.random.default_rng(k)
        _both(lambda t: t.topk(k, dim=0 if k == 1 else 1, largest=largest).values, (rng.standard_normal((2, 6)),))


def test_sort_and_topk_of_a_0d_tensor_as_torch():
    for lib in (minigrad, torch):
        x = lib.tensor(2.5)
        v, i = x.sort()
        assert v.item() == 2.5 and i.item() == 0 and i.shape == ()
        assert x.topk(1).values.item() == 2.5 and x.argsort().item() == 0


def test_topk_and_sort_errors_name_the_op():
    x = minigrad.tensor(TIES)
    with pytest.raises(RuntimeError, match=r"topk: selected index k out of range \(k=7"):
        x.topk(7)
    with pytest.raises(RuntimeError, match="topk: selected index k out of range"):
        x.topk(-1)
    with pytest.raises(IndexError, match="sort: dim 2 is out of range"):
        x.sort(dim=2)
    with pytest.raises(IndexError, match="argsort: dim -3 is out of range"):
        x.argsort(dim=-3)


def test_topk_of_integers_and_bools_as_torch():
    data = np.array([[5, -2, 7, 7], [0, 1, 0, 3]])
    for arr in (data, data > 2):
        got, want = minigrad.tensor(arr).sort(descending=True, stable=True), torch.tensor(arr).sort(
            descending=True, stable=True)
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        assert got.values.dtype == arr.dtype
    np.testing.assert_array_equal(minigrad.tensor(data).topk(2).values.numpy(), torch.tensor(data).topk(2).values)


# ---------------------------------------------------------------------------- cumprod with zeros
CUMPROD_ZEROS = np.array([[2.0, 0.0, 3.0, 4.0, 0.5], [0.0, 2.0, 3.0, 0.0, 1.5], [1.5, 2.0, -3.0, 0.5, 0.0],
                          [0.0, 0.0, 0.0, 2.0, 3.0], [1.0, -2.0, 0.5, 3.0, 2.0]])


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros_matches_torch(dim):
    _both(lambda t: t.cumprod(dim), (CUMPROD_ZEROS,), rtol=1e-12)


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_second_derivative_with_zeros_matches_torch(dim):
    rng = np.random.default_rng(dim)
    g, v = rng.standard_normal(CUMPROD_ZEROS.shape), rng.standard_normal(CUMPROD_ZEROS.shape)
    out = []
    for lib, grad in ((minigrad, minigrad.autograd.grad), (torch, torch.autograd.grad)):
        x, gt = lib.tensor(CUMPROD_ZEROS, requires_grad=True), lib.tensor(g, requires_grad=True)
        (first,) = grad([x.cumprod(dim)], [x], [gt], create_graph=True)
        second = grad([(first * lib.tensor(v)).sum()], [x, gt])
        out.append([first.detach().numpy()] + [s.numpy() for s in second])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_cumprod_dtypes_and_errors_as_torch():
    for arr in (np.array([1, 2, 3], dtype=np.int32), np.array([True, True, False])):
        got, want = minigrad.tensor(arr).cumprod(0), torch.tensor(arr).cumprod(0)
        assert str(got.dtype) == str(want.dtype).replace("torch.", "") and got.tolist() == want.tolist()
    assert minigrad.cumprod(minigrad.tensor([2.0, 3.0]), dim=0).tolist() == [2.0, 6.0]
    with pytest.raises(TypeError, match="cumprod\\(\\) missing required argument 'dim'"):
        minigrad.ones(2).cumprod()


# ---------------------------------------------------------------------------- norm
@pytest.mark.parametrize("p", ["fro", 2, 1, 3, 0.5, -1, 0, float("inf"), -float("inf")])
def test_norm_gradient_at_zero_matches_torch(p):
    x = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0], [1.0, -2.0, 2.0]])
    if p == 0:  # a count: torch leaves the gradient undefined, minigrad gives zeros
        t = minigrad.tensor(x, requires_grad=True)
        t.norm(0, dim=1).sum().backward()
        assert t.norm(0, dim=1).tolist() == torch.tensor(x).norm(0, dim=1).tolist() and not t.grad.numpy().any()
        return
    _both(lambda t: t.norm(p, dim=1), (x,), rtol=1e-12)
    _both(lambda t: t.norm(p, dim=0, keepdim=True), (x,), rtol=1e-12)
    _both(lambda t: t.norm(p) * 1, (np.zeros((2, 3)),))


def test_norm_forms_and_errors_as_torch():
    x = np.arange(-3.0, 3.0).reshape(2, 3)
    for fn in (lambda lib, t: t.norm(), lambda lib, t: lib.norm(t, 2, (0, 1)), lambda lib, t: t.norm(dim=1),
               lambda lib, t: t.norm(p="fro", dim=(0, 1), keepdim=True), lambda lib, t: t.norm(3, dtype=lib.float64)):
        np.testing.assert_allclose(fn(minigrad, minigrad.tensor(x, dtype=minigrad.float32)).numpy(),
                                   fn(torch, torch.tensor(x, dtype=torch.float32)).numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="norm: expected a floating point tensor as input, got int64"):
        minigrad.tensor([1, 2]).norm()
    with pytest.raises(NotImplementedError, match="nuclear"):
        minigrad.ones(2, 2).norm("nuc")
    with pytest.raises(RuntimeError, match="norm: p='fro' with dim=\\(0, 1, 2\\)"):
        minigrad.ones(2, 2, 2).norm("fro", dim=(0, 1, 2))


# ---------------------------------------------------------------------------- scatter, scatter_add
SELF = np.arange(12.0).reshape(3, 4)
INDEX = np.array([[2, 0, 1, 2], [0, 1, 2, 1]])


@pytest.mark.parametrize("dim", [0, 1, -2])
def test_scatter_and_scatter_add_match_torch(dim):
    src = np.random.default_rng(0).standard_normal((2, 4))
    index = INDEX if dim != 1 else np.array([[3, 0, 1, 2], [0, 1, 2, 3]])
    for kind in ("index_tensor", "index_array"):
        def fn(t, s, kind=kind):
            i = torch.tensor(index) if isinstance(t, torch.Tensor) else (
                minigrad.tensor(index) if kind == "index_tensor" else index)
            return t.scatter(dim, i, s) * 2 + t.scatter_add(dim, i, s) + t.scatter(dim, i, value=-1.5)

        _both(fn, (SELF, src), rtol=1e-12)


def test_scatter_add_accumulates_repeated_indices_as_torch():
    index = np.array([[0, 0, 0, 2], [0, 1, 0, 2], [2, 2, 2, 2]])
    src = np.random.default_rng(1).standard_normal((3, 4))
    _both(lambda t, s: t.scatter_add(0, torch.tensor(index) if isinstance(t, torch.Tensor) else
                                     minigrad.tensor(index), s), (SELF, src), rtol=1e-12)
    got = minigrad.scatter_add(minigrad.zeros(3, dtype=minigrad.int64), 0, minigrad.tensor([0, 0, 2]),
                               minigrad.tensor([1, 2, 3]))
    assert got.tolist() == [3, 0, 3] and got.dtype == np.int64


def test_scatter_in_place_off_the_graph_writes_into_the_buffer():
    for lib in (minigrad, torch):
        x = lib.tensor(SELF.copy())
        buf = x.numpy()
        assert x.scatter_(0, lib.tensor(INDEX), lib.tensor(-SELF[:2])) is x
        x.scatter_add_(1, lib.tensor([[0], [1], [3]]), lib.tensor(np.array([[10.0], [20.0], [30.0]])))
        x.scatter_(0, lib.tensor([[1]]), 7.0)
        assert x._version == 3 if lib is minigrad else True
        assert np.shares_memory(buf, x.numpy())
        if lib is minigrad:
            got = x.numpy().copy()
        else:
            np.testing.assert_array_equal(got, x.numpy())


def test_scatter_errors_name_the_op_and_shapes():
    x = minigrad.tensor(SELF)
    with pytest.raises(RuntimeError, match="scatter\\(\\): Expected self.dtype to be equal to src.dtype"):
        x.scatter(0, minigrad.tensor(INDEX), minigrad.ones(2, 4))
    with pytest.raises(RuntimeError, match="scatter: Index tensor must have the same number of dimensions as self"):
        x.scatter(0, minigrad.tensor([0, 1]), 1.0)
    with pytest.raises(RuntimeError, match=r"scatter_add: Expected index \[1, 5\] to be no larger than self \[3, 4\] "
                                           r"apart from dimension 0 and to be no larger size than src \[1, 5\]"):
        x.scatter_add(0, minigrad.tensor([[0, 0, 0, 0, 0]]), minigrad.tensor(np.ones((1, 5))))
    with pytest.raises(IndexError, match="scatter: index 3 is out of bounds for dimension 0 with size 3"):
        x.scatter(0, minigrad.tensor([[3]]), 1.0)
    with pytest.raises(TypeError, match="scatter_add\\(\\): argument 'src' must be Tensor, not float"):
        x.scatter_add(0, minigrad.tensor(INDEX), 1.0)
    with pytest.raises(NotImplementedError, match="scatter: reduce='multiply'"):
        x.scatter(0, minigrad.tensor(INDEX), 2.0, reduce="multiply")


# ---------------------------------------------------------------------------- div(rounding_mode), round(decimals)
@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes_match_torch(mode):
    a, b = np.array([7.0, -7.0, 7.5, -7.5, 0.5, 1.0]), np.array([2.0, 2.0, -2.0, -2.0, 0.1, 0.1])
    _both(lambda x, y: x.div(y, rounding_mode=mode), (a, b), rtol=1e-15)
    _both(lambda x, y: x.div(3.0, rounding_mode=mode) + y, (a, b), rtol=1e-15)
    ia, ib = np.array([7, -7, 7, -7, 0, 9223372036854775807]), np.array([2, 2, -2, -2, 3, -2])
    got = minigrad.div(minigrad.tensor(ia), minigrad.tensor(ib), rounding_mode=mode)
    want = torch.div(torch.tensor(ia), torch.tensor(ib), rounding_mode=mode)
    assert str(got.dtype) == str(want.dtype).replace("torch.", "") and got.tolist() == want.tolist()
    x, tx = minigrad.tensor(a), torch.tensor(a)
    x.div_(3.0, rounding_mode=mode), tx.div_(3.0, rounding_mode=mode)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_div_refuses_an_unknown_rounding_mode_as_torch():
    with pytest.raises(RuntimeError, match="div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                                           "found 'round'"):
        minigrad.ones(2).div(2, rounding_mode="round")


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_decimals_matches_torch(decimals, dtype):
    x = np.array([1.25, 2.35, -0.05, 0.15, 125.0, 150.0, -250.0, 0.125, 1234.5678, 2.5, -3.5], dtype=dtype)
    got = minigrad.tensor(x, requires_grad=True)
    want = torch.tensor(x, requires_grad=True)
    out, tout = got.round(decimals=decimals), torch.round(want, decimals=decimals)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    out.sum().backward(), tout.sum().backward()
    np.testing.assert_array_equal(got.grad.numpy(), want.grad.numpy())
    np.testing.assert_array_equal(minigrad.round(got, decimals=decimals).numpy(), tout.detach().numpy())


def test_round_decimals_of_integers_is_refused_as_torch():
    assert minigrad.tensor([1, 2]).round().tolist() == [1, 2]
    with pytest.raises(NotImplementedError, match="round: decimals=1 is not implemented for int64"):
        minigrad.tensor([1, 2]).round(decimals=1)


# ---------------------------------------------------------------------------- in-place twins
X3 = np.array([[0.3, -1.2, 2.0], [0.7, 1.5, -0.4]])
INPLACE_CASES = [("exp", ()), ("log", ()), ("log1p", ()), ("expm1", ()), ("sqrt", ()), ("rsqrt", ()),
                 ("reciprocal", ()), ("square", ()), ("abs", ()), ("neg", ()), ("sign", ()), ("sin", ()), ("cos", ()),
                 ("tan", ()), ("tanh", ()), ("sigmoid", ()), ("relu", ()), ("arctanh", ()), ("arcsin", ()),
                 ("arcsinh", ()), ("atanh", ()), ("asin", ()), ("asinh", ()), ("erf", ()), ("floor", ()), ("ceil", ()),
                 ("round", ()), ("trunc", ()), ("clamp", (-0.5, 0.7)), ("clip", (None, 0.5)), ("clamp_min", (0.1,)),
                 ("clamp_max", (0.1,)), ("pow", (2,)), ("remainder", (0.7,)), ("floor_divide", (0.7,)),
                 ("cumsum", (1,)), ("cumprod", (0,))]


def test_every_inplace_twin_has_a_case():
    from minigrad.ops.inplace import INPLACE_TWINS

    assert set(INPLACE_TWINS) - {n for n, _ in INPLACE_CASES} == {
        "masked_fill", "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
        "bitwise_xor"}  # tested below


@pytest.mark.parametrize("name,args", INPLACE_CASES, ids=[n for n, _ in INPLACE_CASES])
def test_inplace_twin_matches_torch(name, args):
    positive = name in ("log", "sqrt", "rsqrt")
    x = np.abs(X3) if positive else (X3 * 0.4 if name.startswith(("a", "arc")) else X3)
    results = []
    for lib in (minigrad, torch):
        off = lib.tensor(x.copy())  # off the graph: the same buffer, a new version
        buf = off.numpy()
        assert getattr(off, name + "_")(*args) is off and np.shares_memory(buf, off.numpy())
        leaf = lib.tensor(x, requires_grad=True)
        on = leaf * 1.0  # on the graph: rebased, gradient to the leaf
        if lib is torch and name in ("arctanh", "arcsinh", "atanh", "asinh"):
            on = getattr(on, name)(*args)  # torch has no derivative for these in place; minigrad has
        else:
            getattr(on, name + "_")(*args)
        if name == "floor_divide":  # no derivative, in either library
            with pytest.raises(RuntimeError, match="derivative"):
                on.sum().backward()
            on = on.detach()
            leaf.grad = lib.zeros(x.shape, dtype=lib.float64)
        else:
            on.backward(lib.tensor(np.full(x.shape, 0.5)))
        results.append((off.numpy().copy(), on.detach().numpy(), leaf.grad.numpy(), off._version))
    (a, b, c, va), (ta, tb, tc, tva) = results
    np.testing.assert_allclose(a, ta, rtol=1e-12)
    np.testing.assert_allclose(b, tb, rtol=1e-12)
    np.testing.assert_allclose(c, tc, rtol=1e-12)
    assert va == tva == 1


def test_inplace_masked_fill_logical_and_bitwise_match_torch():
    m = X3 > 0
    for lib in (minigrad, torch):
        x = lib.tensor(X3.copy(), requires_grad=True)
        y = x * 1.0
        y.masked_fill_(lib.tensor(m), -2.0)
        y.backward(lib.tensor(np.ones(X3.shape)))
        b = lib.tensor(m.copy())
        b.logical_not_()
        b.logical_or_(lib.tensor(X3 > 1))
        b.logical_and_(lib.tensor(X3 < 2))
        b.logical_xor_(lib.tensor(np.eye(2, 3, dtype=bool)))
        i = lib.tensor(np.array([5, 6, 7]))
        i.bitwise_and_(3), i.bitwise_or_(8), i.bitwise_xor_(1)
        if lib is minigrad:
            got = (y.detach().numpy(), x.grad.numpy(), b.numpy(), i.numpy())
    for a, t in zip(got, (y.detach().numpy(), x.grad.numpy(), b.numpy(), i.numpy())):
        np.testing.assert_array_equal(a, t)


def test_inplace_twin_with_a_tensor_argument_that_requires_grad_puts_the_leaf_on_the_graph():
    for lib in (minigrad, torch):
        lo = lib.tensor([0.5, 0.5, 0.5], requires_grad=True)
        x = lib.tensor([0.0, 1.0, 2.0])
        assert x.clamp_(min=lo) is x and x.requires_grad and not x.is_leaf
        x.sum().backward()
        assert lo.grad.tolist() == [1.0, 0.0, 0.0]


def test_inplace_twin_errors_are_torch_like():
    x = minigrad.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="sqrt_: result type float32 can't be cast to the desired output type int64"):
        x.sqrt_()
    with pytest.raises(RuntimeError, match="clamp: at least one of 'min' or 'max' must not be None"):
        minigrad.ones(2).clamp_()


@pytest.mark.parametrize("arr,dim", [([0.0, 2.0, 3.0], None), ([[0.0, 2.0], [1.0, 3.0]], 1),
                                     ([[0.0, 0.0, 2.0], [1.0, 0.0, 3.0]], 1), ([[0.0, 2.0], [1.0, 3.0]], None),
                                     ([[[0.0, 2.0], [1.0, 3.0]], [[2.0, 0.0], [0.0, 1.0]]], 0)])
def test_prod_first_and_second_derivatives_at_zeros_match_torch(arr, dim):
    arr = np.array(arr)
    res = []
    for lib in (minigrad, torch):
        x = lib.tensor(arr, requires_grad=True)
        y = x.prod() if dim is None else x.prod(dim)
        w = lib.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)))
        (g,) = lib.autograd.grad((y * w).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * lib.tensor(np.linspace(-1, 1, arr.size).reshape(arr.shape))).sum(), x)
        res.append((g.detach().numpy(), h.numpy()))
    for m, t in zip(*res):
        np.testing.assert_allclose(m, t, rtol=1e-12)


@pytest.mark.parametrize("op", [lambda lib, x: x.index_select(0, lib.tensor([-1])),
                                lambda lib, x: x.gather(1, lib.tensor([[-1], [0]])),
                                lambda lib, x: x.expand(-1, 2, 3)])
def test_negative_gather_indices_and_a_new_minus_one_dim_raise_as_torch(op):
    for lib in (torch, minigrad):
        with pytest.raises((IndexError, RuntimeError)):
            op(lib, lib.tensor(np.arange(6.0).reshape(2, 3)))
    assert tuple(minigrad.tensor(np.ones((2, 3))).expand(4, -1, -1).shape) == (4, 2, 3)
