"""Small torch API pieces compared with torch: as_tensor, logspace, normal, bernoulli, multinomial, dtype queries and
promotion, finfo/iinfo, set_printoptions, and the Tensor methods is_floating_point ... new_zeros, type(), stride(),
__int__/__float__/__index__. Random functions are compared by shape, dtype, distribution and seeded repeatability."""
import operator

import numpy as np
import pytest
import torch

import minigrad

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def dt(name, lib):
    return getattr(lib, {"bool": "bool_"}.get(name, name) if lib is minigrad else name)


def same(ours, theirs):
    """Values, shape and dtype of a minigrad tensor equal those of a torch tensor."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy().astype(np.float64), theirs.double().numpy(), rtol=1e-6)


def errors_alike(fn):
    """fn(minigrad) and fn(torch) raise the same exception type."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(theirs.type):
        fn(minigrad)


# ------------------------------------------------------------------------------------------------ as_tensor
def test_as_tensor_shares_numpy_memory_of_the_same_dtype():
    for dtype in (np.float32, np.float64, np.int64):
        a = np.zeros(3, dtype=dtype)
        ours, theirs = minigrad.as_tensor(a), torch.as_tensor(a)
        a[0] = 5
        same(ours, theirs)
        assert ours.numpy()[0] == 5


def test_as_tensor_copies_when_the_dtype_changes():
    a = np.zeros(3)
    ours, theirs = minigrad.as_tensor(a, dtype=minigrad.float32), torch.as_tensor(a, dtype=torch.float32)
    a[0] = 5
    same(ours, theirs)
    assert ours.numpy()[0] == 0


def test_as_tensor_returns_a_matching_tensor_itself():
    x, tx = minigrad.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    assert minigrad.as_tensor(x) is x and torch.as_tensor(tx) is tx
    assert minigrad.as_tensor(x, dtype=minigrad.float32) is x
    y, ty = minigrad.as_tensor(x, dtype=minigrad.float64), torch.as_tensor(tx, dtype=torch.float64)
    same(y, ty.detach())
    assert y.requires_grad and ty.requires_grad


@pytest.mark.parametrize("data", [[1, 2.0], 3, [True, False], np.float64(3), [[1, 2], [3, 4]]])
def test_as_tensor_of_python_data_matches_torch(data):
    same(minigrad.as_tensor(data), torch.as_tensor(data))


# ------------------------------------------------------------------------------------------------ logspace
@pytest.mark.parametrize("args,kw", [((0, 2, 3), {}), ((0, 2, 3), {"base": 2}), ((-3, 3, 7), {}), ((0, 2, 0), {}),
                                     ((0, 1, 3), {"dtype": "int64"}), ((0, 2, 5), {"dtype": "float64"}),
                                     ((1.5, -1, 4), {"base": 3.0})])
def test_logspace_matches_torch(args, kw):
    ours = minigrad.logspace(*args, **{k: dt(v, minigrad) if k == "dtype" else v for k, v in kw.items()})
    same(ours, torch.logspace(*args, **{k: dt(v, torch) if k == "dtype" else v for k, v in kw.items()}))


def test_logspace_refuses_negative_steps():
    errors_alike(lambda m: m.logspace(0, 2, -1))


# ------------------------------------------------------------------------------------------------ normal
@pytest.mark.parametrize("form", [
    lambda m: m.normal(m.zeros(2, 3), m.ones(3)),
    lambda m: m.normal(m.zeros(4), 2.0),
    lambda m: m.normal(0.0, m.ones(4, dtype=m.float64)),
    lambda m: m.normal(m.zeros(2), m.ones(2, dtype=m.float64)),
    lambda m: m.normal(2.0, 3.0, size=(2, 3)),
    lambda m: m.normal(0, 1, (5,)),
    lambda m: m.normal(0.0, 1.0, (2,), dtype=m.float64),
    lambda m: m.normal(m.zeros(()), 1.0),
])
def test_normal_shapes_and_dtypes_match_torch(form):
    ours, theirs = form(minigrad), form(torch)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)[6:]


def test_normal_distribution_and_seeding():
    minigrad.manual_seed(3)
    a = minigrad.normal(2.0, 3.0, size=(200000,))
    minigrad.manual_seed(3)
    assert np.array_equal(a.numpy(), minigrad.normal(2.0, 3.0, size=(200000,)).numpy())
    assert abs(a.numpy().mean() - 2.0) < 0.05 and abs(a.numpy().std() - 3.0) < 0.05
    b = minigrad.normal(minigrad.tensor([-10.0, 10.0]).expand(100000, 2), minigrad.tensor([0.5, 2.0])).numpy()
    np.testing.assert_allclose(b.mean(0), [-10, 10], atol=0.05)
    np.testing.assert_allclose(b.std(0), [0.5, 2.0], rtol=0.02)
    g = minigrad.Generator().manual_seed(7)
    first = minigrad.normal(0.0, 1.0, (5,), generator=g)
    g.manual_seed(7)
    assert np.array_equal(first.numpy(), minigrad.normal(0.0, 1.0, (5,), generator=g).numpy())


@pytest.mark.parametrize("form", [
    lambda m: m.normal(0.0, 1.0),
    lambda m: m.normal(0.0, -1.0, size=(2,)),
    lambda m: m.normal(m.zeros(2), -1.0),
    lambda m: m.normal(m.zeros(2), -m.ones(2)),
    lambda m: m.normal(m.zeros(2, 3), m.ones(4)),
    lambda m: m.normal(m.tensor([1, 2]), 1.0),
    lambda m: m.normal(m.zeros(2), m.ones(2), size=(2,)),
])
def test_normal_errors_match_torch(form):
    errors_alike(form)


# ------------------------------------------------------------------------------------------------ bernoulli
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bernoulli_dtype_shape_and_rate(dtype):
    p = minigrad.full((400, 500), 0.3, dtype=dt(dtype, minigrad))
    ours, theirs = minigrad.bernoulli(p), torch.bernoulli(torch.full((400, 500), 0.3, dtype=dt(dtype, torch)))
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)[6:]
    assert set(np.unique(ours.numpy()).tolist()) == {0.0, 1.0}
    assert abs(ours.numpy().mean() - 0.3) < 0.01
    assert minigrad.bernoulli(minigrad.tensor([0.0, 1.0])).tolist() == [0.0, 1.0]


def test_bernoulli_with_p_and_seeding():
    x = minigrad.zeros(1000, dtype=minigrad.int64)
    ours, theirs = minigrad.bernoulli(x, p=0.75), torch.bernoulli(torch.zeros(1000, dtype=torch.int64), p=0.75)
    assert ours.dtype == minigrad.int64 and theirs.dtype == torch.int64
    assert 0.7 < ours.numpy().mean() < 0.8
    minigrad.manual_seed(5)
    a = minigrad.bernoulli(minigrad.full((50,), 0.5))
    minigrad.manual_seed(5)
    assert a.equal(minigrad.bernoulli(minigrad.full((50,), 0.5)))


@pytest.mark.parametrize("form", [
    lambda m: m.bernoulli(m.tensor([0.0, 1.5])),
    lambda m: m.bernoulli(m.tensor([0.0, 1.0]), p=1.5),
    lambda m: m.bernoulli(m.tensor([0, 1])),
])
def test_bernoulli_errors_match_torch(form):
    errors_alike(form)


# ------------------------------------------------------------------------------------------------ multinomial
@pytest.mark.parametrize("shape,n,replacement", [((4,), 2, False), ((4,), 9, True), ((3, 5), 5, False),
                                                 ((3, 5), 7, True), ((1, 2), 1, False)])
def test_multinomial_shapes_dtypes_and_rows(shape, n, replacement):
    ours = minigrad.multinomial(minigrad.rand(*shape) + 0.1, n, replacement)
    theirs = torch.multinomial(torch.rand(*shape) + 0.1, n, replacement)
    assert ours.shape == tuple(theirs.shape) and ours.dtype == minigrad.int64 and theirs.dtype == torch.int64
    rows = ours.numpy().reshape(-1, n)
    assert rows.min() >= 0 and rows.max() < shape[-1]
    if not replacement:
        assert all(len(set(r)) == n for r in rows.tolist())


def test_multinomial_distribution():
    minigrad.manual_seed(0)
    w = minigrad.tensor([1.0, 2.0, 3.0, 4.0])
    draws = minigrad.multinomial(w.expand(20000, 4), 1, True).numpy().ravel()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / draws.size, [0.1, 0.2, 0.3, 0.4], atol=0.015)
    # without replacement: P(first = 0, second = 1) = 0.1 * 0.2 / 0.9
    pairs = minigrad.multinomial(w.expand(20000, 4), 2).numpy()
    assert abs(np.mean((pairs[:, 0] == 0) & (pairs[:, 1] == 1)) - 0.1 * 0.2 / 0.9) < 0.006
    # zero weights come last without replacement, as in torch
    assert minigrad.multinomial(minigrad.tensor([1.0, 0.0, 0.0]), 2).tolist() == [0, 1]
    assert torch.multinomial(torch.tensor([1.0, 0.0, 0.0]), 2).tolist() == [0, 1]


def test_multinomial_seeding():
    minigrad.manual_seed(11)
    a = minigrad.multinomial(minigrad.ones(3, 6), 4)
    minigrad.manual_seed(11)
    assert a.equal(minigrad.multinomial(minigrad.ones(3, 6), 4))


@pytest.mark.parametrize("form", [
    lambda m: m.multinomial(m.tensor([1.0, 1.0]), 3),
    lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1),
    lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1),
    lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
    lambda m: m.multinomial(m.ones(2, 2, 2), 1),
    lambda m: m.multinomial(m.ones(()), 1),
    lambda m: m.multinomial(m.ones(2), 0),
    lambda m: m.multinomial(m.tensor([1, 1]), 1),
])
def test_multinomial_errors_match_torch(form):
    errors_alike(form)


# ------------------------------------------------------------------------------------------------ dtype queries
def test_is_tensor_and_is_floating_point():
    for m in (minigrad, torch):
        assert m.is_tensor(m.zeros(1)) and not m.is_tensor(np.zeros(1)) and not m.is_tensor([1])
        assert m.is_floating_point(m.zeros(1)) and not m.is_floating_point(m.zeros(1, dtype=m.int64))
    for name in DTYPES:
        ours, theirs = minigrad.zeros(2, dtype=dt(name, minigrad)), torch.zeros(2, dtype=dt(name, torch))
        assert ours.is_floating_point() == theirs.is_floating_point()
        assert ours.is_complex() is False and theirs.is_complex() is False


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_matches_torch(a, b):
    assert str(minigrad.promote_types(dt(a, minigrad), dt(b, minigrad))) == \
        str(torch.promote_types(dt(a, torch), dt(b, torch)))[6:]


@pytest.mark.parametrize("pair", [
    lambda m: (1, 2.0), lambda m: (m.tensor([1]), 2.0), lambda m: (m.tensor([1]), 2), lambda m: (True, 2),
    lambda m: (m.tensor(1.0, dtype=m.float64), m.tensor([1], dtype=m.int32)),
    lambda m: (m.tensor([1.0], dtype=m.float16), m.tensor([1.0], dtype=m.float64)),
    lambda m: (m.tensor([1], dtype=m.uint8), m.tensor([1], dtype=m.int8)),
    lambda m: (m.tensor([True]), 1.5), lambda m: (m.tensor(1, dtype=m.int64), m.tensor([1], dtype=m.int8)),
])
def test_result_type_matches_torch(pair):
    assert str(minigrad.result_type(*pair(minigrad))) == str(torch.result_type(*pair(torch)))[6:]


@pytest.mark.parametrize("name", ["float32", "float64", "float16"])
def test_finfo_matches_torch(name):
    ours, theirs = minigrad.finfo(dt(name, minigrad)), torch.finfo(dt(name, torch))
    for attr in ("eps", "max", "min", "tiny", "bits", "smallest_normal"):
        assert float(getattr(ours, attr)) == float(getattr(theirs, attr)), attr
    # NumPy's values are scalars of the dtype: resolution is float32(1e-06), torch's the Python float 1e-06
    assert float(ours.resolution) == pytest.approx(theirs.resolution, rel=1e-3)
    assert minigrad.finfo().eps == torch.finfo().eps


@pytest.mark.parametrize("name", ["int64", "int32", "int16", "int8", "uint8"])
def test_iinfo_matches_torch(name):
    ours, theirs = minigrad.iinfo(dt(name, minigrad)), torch.iinfo(dt(name, torch))
    assert (ours.bits, ours.max, ours.min) == (theirs.bits, theirs.max, theirs.min)


@pytest.mark.parametrize("form", [lambda m: m.finfo(m.int64), lambda m: m.iinfo(m.float32),
                                  lambda m: m.iinfo(m.bool)])
def test_finfo_iinfo_errors_match_torch(form):
    errors_alike(form)


# ------------------------------------------------------------------------------------------------ set_printoptions
PRINT_CASES = [
    ({"precision": 2}, "m.tensor([1.12345, 2.5])"),
    ({"precision": 6}, "m.arange(5.) / 3"),
    ({"threshold": 5}, "m.arange(10)"),
    ({"threshold": 5, "edgeitems": 1}, "m.arange(24.).reshape(4, 6)"),
    ({"threshold": 5, "edgeitems": 0}, "m.arange(10.)"),
    ({"threshold": 5, "edgeitems": 0}, "m.arange(12).reshape(3, 4)"),
    ({"edgeitems": 0}, "m.tensor([1., 2.])"),
    ({"linewidth": 30}, "m.arange(20.) / 7"),
    ({"sci_mode": True}, "m.tensor([1., 2.5])"),
    ({"sci_mode": True}, "m.tensor([1., 2.])"),
    ({"sci_mode": False}, "m.tensor([1e-8, 1.])"),
    ({"sci_mode": False}, "m.tensor([1e10, 1.])"),
    ({"profile": "short"}, "m.arange(30.).reshape(3, 10) / 3"),
    ({"profile": "full"}, "m.arange(1200)"),
    ({"profile": "short", "precision": 5}, "m.arange(4.) / 3"),
]


@pytest.mark.parametrize("options,expr", PRINT_CASES)
def test_set_printoptions_matches_torch(options, expr):
    try:
        minigrad.set_printoptions(**options)
        torch.set_printoptions(**options)
        ours = repr(eval(expr, {"m": minigrad})).replace("minigrad.", "torch.")
        assert ours == repr(eval(expr, {"m": torch}))
    finally:
        minigrad.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert repr(minigrad.tensor([1.12345])) == "tensor([1.1235])"


def test_set_printoptions_keeps_unset_options():
    try:
        minigrad.set_printoptions(precision=2)
        minigrad.set_printoptions(threshold=5)  # precision stays 2, as in torch
        assert repr(minigrad.arange(10.) / 3) == "tensor([0.00, 0.33, 0.67,  ..., 2.33, 2.67, 3.00])"
    finally:
        minigrad.set_printoptions(profile="default")


# ------------------------------------------------------------------------------------------------ Tensor methods
def test_sizes_and_bytes_match_torch():
    for name in DTYPES:
        ours, theirs = minigrad.zeros(2, 3, dtype=dt(name, minigrad)), torch.zeros(2, 3, dtype=dt(name, torch))
        assert ours.nelement() == theirs.nelement() == 6 and ours.ndimension() == theirs.ndimension() == 2
        assert ours.element_size() == theirs.element_size() and ours.itemsize == theirs.itemsize
        assert ours.nbytes == theirs.nbytes and type(ours.nbytes) is int


@pytest.mark.parametrize("shape", [(2, 3), (2, 1, 3), (3, 0), (2, 0, 3), (), (5,), (4, 1)])
def test_stride_of_contiguous_tensors_matches_torch(shape):
    ours, theirs = minigrad.zeros(shape), torch.zeros(shape)
    assert ours.stride() == theirs.stride()
    for d in range(-len(shape), len(shape)):
        assert ours.stride(d) == theirs.stride(d)


def test_stride_errors_and_as_strided_round_trip():
    errors_alike(lambda m: m.zeros(2, 3).stride(2))
    x = minigrad.arange(6.).reshape(2, 3).t()  # a view: minigrad reports its own row-major strides (see stride())
    assert x.as_strided(x.size(), x.stride()).equal(x)
    assert x.contiguous().stride() == torch.arange(6.).reshape(2, 3).t().contiguous().stride()


@pytest.mark.parametrize("call", [
    lambda t, m: t.new_zeros(2, 3), lambda t, m: t.new_zeros((2, 3)), lambda t, m: t.new_zeros(size=(2, 3)),
    lambda t, m: t.new_ones(4), lambda t, m: t.new_ones(2, dtype=m.float64), lambda t, m: t.new_full((2,), 3),
    lambda t, m: t.new_full((2, 2), 1.5, dtype=m.float64), lambda t, m: t.new_empty(3).zero_(),
    lambda t, m: t.new_tensor([1.5, 2.5]), lambda t, m: t.new_tensor([[1, 2]], dtype=m.int32),
])
@pytest.mark.parametrize("dtype", ["float32", "int64", "float64"])
def test_new_factories_match_torch(call, dtype):
    ours = call(minigrad.zeros(2, dtype=dt(dtype, minigrad), requires_grad=dtype != "int64"), minigrad)
    theirs = call(torch.zeros(2, dtype=dt(dtype, torch), requires_grad=dtype != "int64"), torch)
    same(ours, theirs)
    assert ours.requires_grad is theirs.requires_grad is False


def test_new_factories_requires_grad_and_errors():
    ours = minigrad.zeros(2).new_zeros(3, requires_grad=True)
    assert ours.requires_grad and ours.is_leaf
    errors_alike(lambda m: m.zeros(2, dtype=m.int64).new_tensor([1.5], requires_grad=True))


@pytest.mark.parametrize("name", DTYPES)
def test_type_names_match_torch(name):
    ours, theirs = minigrad.zeros(2, dtype=dt(name, minigrad)), torch.zeros(2, dtype=dt(name, torch))
    assert ours.type() == theirs.type()
    assert ours.type(theirs.type()).dtype == dt(name, minigrad)  # 'torch.FloatTensor' names the dtype back
    assert minigrad.zeros(2).type(dt(name, minigrad)).dtype == dt(name, minigrad)


def test_type_of_the_same_dtype_returns_self():
    x, tx = minigrad.zeros(2), torch.zeros(2)
    assert x.type(minigrad.float32) is x and tx.type(torch.float32) is tx
    assert x.type("torch.FloatTensor") is x and tx.type("torch.FloatTensor") is tx


@pytest.mark.parametrize("value", ["[1.5, 2.5]", "[[1, 2]]", "[]", "[3]", "2.5", "[True]", "True", "7"])
@pytest.mark.parametrize("convert", [int, float, operator.index, bool])
def test_scalar_conversions_match_torch(value, convert):
    data = eval(value)
    try:
        expected = convert(torch.tensor(data))
    except Exception as e:  # noqa: BLE001 - comparing exception types
        with pytest.raises(type(e)):
            convert(minigrad.tensor(data))
        return
    got = convert(minigrad.tensor(data))
    assert got == expected and type(got) is type(expected)


def test_public_names():
    names = ["as_tensor", "logspace", "normal", "bernoulli", "multinomial", "is_tensor", "is_floating_point",
             "result_type", "promote_types", "finfo", "iinfo", "set_printoptions"]
    assert all(hasattr(minigrad, n) and hasattr(torch, n) for n in names)
    assert {"is_tensor", "is_floating_point", "result_type", "promote_types"} <= set(minigrad.functions.__all__)
