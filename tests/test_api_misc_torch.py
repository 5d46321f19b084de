"""Argument forms, errors and non-differentiable behaviour of src/minigrad/ops/tensor_misc.py against torch."""
import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")


def _both(fn_mg, fn_th):
    """Run both; return (value, value) or raise an AssertionError unless both raise the same message."""
    errs = []
    for fn in (fn_mg, fn_th):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the point is to compare what both raise
            errs.append(e)
    return errs


@pytest.mark.parametrize("call", [
    lambda L: L.mm(L.zeros(2, 3), L.zeros(4, 5)), lambda L: L.mm(L.zeros(2, 3), L.zeros(3)),
    lambda L: L.mm(L.zeros(2, 3), L.zeros(3, 2, dtype=L.float64)), lambda L: L.mv(L.zeros(2, 3), L.zeros(4)),
    lambda L: L.mv(L.zeros(2, 3), L.zeros(3, 1)), lambda L: L.bmm(L.zeros(2, 3), L.zeros(4, 5)),
    lambda L: L.bmm(L.zeros(2, 2, 3), L.zeros(3, 3, 4)), lambda L: L.chain_matmul(L.zeros(3)),
    lambda L: L.chain_matmul(L.zeros(3, 2), L.zeros(3, 2)), lambda L: L.vdot(L.zeros(2, 2), L.zeros(2, 2)),
    lambda L: L.zeros(3).uniform_(2, 1), lambda L: L.zeros(3).normal_(0, -1), lambda L: L.zeros(3).random_(5, 2),
    lambda L: L.zeros(3).bernoulli_(2), lambda L: L.zeros(3).exponential_(-1), lambda L: L.zeros(3).geometric_(0),
    lambda L: L.zeros(3).log_normal_(1, 0), lambda L: L.zeros(3).cauchy_(0, 0),
    lambda L: L.zeros(3, dtype=L.int64).exponential_(), lambda L: L.zeros(3).fill_diagonal_(1),
    lambda L: L.zeros(2, 3, 4).fill_diagonal_(1), lambda L: L.tensor([1.0, 2.0]).is_nonzero(),
    lambda L: L.tensor([]).is_nonzero(), lambda L: L.renorm(L.ones(3, 3), -1, 0, 1),
    lambda L: L.renorm(L.ones(3, 3), 2, 0, -1), lambda L: L.renorm(L.ones(3), 2, 0, 1),
    lambda L: L.vander(L.ones(2, 2)), lambda L: L.vander(L.ones(2), N=-1), lambda L: L.zeros(3, 4, 5).t_(),
    lambda L: L.broadcast_shapes((2, 1), (3, 4)), lambda L: L.set_num_threads(0),
    lambda L: L.hann_window(5, dtype=L.int64), lambda L: L.zeros(2, 3).eq_(L.zeros(2, 2, 3)),
])
def test_errors_match_torch(call):
    errs = _both(lambda: call(minigrad), lambda: call(torch))
    assert len(errs) == 2, f"only one library raised: {errs}"
    mg, th = errs
    assert type(mg) is type(th) or isinstance(mg, RuntimeError) and isinstance(th, RuntimeError), (mg, th)
    # minigrad's message starts with torch's (shapes and op names may follow), up to an "op: " prefix
    head = " ".join(str(th).split("\n")[0].split(" (")[0].split()[:3])
    assert head.lower() in str(mg).lower() or str(th).split(":")[0] in str(mg), (str(mg), str(th))


def test_random_fills_are_seeded_and_in_range():
    minigrad.manual_seed(3)
    a = minigrad.zeros(2000).uniform_(-2, 5).numpy().copy()
    minigrad.manual_seed(3)
    assert np.array_equal(minigrad.zeros(2000).uniform_(-2, 5).numpy(), a)
    assert a.min() >= -2 and a.max() < 5 and a.dtype == np.float32
    n = minigrad.zeros(4000, dtype=minigrad.float64).normal_(3, 2).numpy()
    assert abs(n.mean() - 3) < 0.2 and abs(n.std() - 2) < 0.2 and n.dtype == np.float64
    r = minigrad.zeros(500, dtype=minigrad.int8).random_(-5, 0).numpy()
    assert r.dtype == np.int8 and r.min() >= -5 and r.max() < 0
    assert set(minigrad.zeros(300, dtype=minigrad.bool).random_().numpy().tolist()) == {True, False}
    assert minigrad.zeros(300).random_(4).numpy().max() <= 3
    assert minigrad.zeros(1000, dtype=minigrad.int64).geometric_(0.5).numpy().min() == 1
    assert minigrad.zeros(1000).exponential_(2).numpy().min() > 0
    assert minigrad.zeros(1000).log_normal_().numpy().min() > 0
    b = minigrad.zeros(1000).bernoulli_(minigrad.full((1000,), 0.25)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and 0.15 < b.mean() < 0.35
    assert np.isfinite(minigrad.zeros(10).cauchy_(1, 2).numpy()).all()


def test_random_fill_keeps_the_array_and_bumps_the_version():
    x = minigrad.zeros(3, 4)
    arr, v = x.data, x._version
    assert x.uniform_() is x and x.data is arr and x._version > v


def test_fill_diagonal_matches_torch():
    for shape, wrap in [((3, 4), False), ((7, 3), True), ((7, 3), False), ((3, 3, 3), False)]:
        got = minigrad.zeros(*shape).fill_diagonal_(5, wrap=wrap)
        np.testing.assert_array_equal(got.numpy(), torch.zeros(*shape).fill_diagonal_(5, wrap=wrap).numpy())


def test_windows_and_vander_match_torch():
    for name in ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"):
        for n in (0, 1, 2, 5, 8):
            for periodic in (True, False):
                got = getattr(minigrad, name)(n, periodic, dtype=minigrad.float64)
                want = getattr(torch, name)(n, periodic, dtype=torch.float64)
                np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12, err_msg=f"{name}({n}, {periodic})")
    assert minigrad.hann_window(4).dtype == np.float32
    np.testing.assert_allclose(minigrad.hamming_window(6, True, 0.6, 0.3).numpy(),
                               torch.hamming_window(6, True, 0.6, 0.3).numpy(), atol=1e-6)
    np.testing.assert_allclose(minigrad.kaiser_window(6, True, 3.0).numpy(), torch.kaiser_window(6, True, 3.0).numpy(),
                               atol=1e-6)
    for data in ([1, 2, 3], [True, False], [1.5, -2.0]):
        for n in (None, 0, 1, 4):
            for inc in (False, True):
                got, want = minigrad.vander(minigrad.tensor(data), n, inc), torch.vander(torch.tensor(data), n, inc)
                assert str(got.dtype) == str(want.dtype).split(".")[1]
                np.testing.assert_allclose(got.numpy(), want.numpy())


def test_products_argument_forms():
    a, b = np.random.rand(2, 3).astype(np.float32), np.random.rand(3, 4).astype(np.float32)
    inp = np.full((2, 4), np.nan, dtype=np.float32)
    got = minigrad.addmm(minigrad.tensor(inp), minigrad.tensor(a), minigrad.tensor(b), beta=0, alpha=2)
    np.testing.assert_allclose(got.numpy(), 2 * a @ b, rtol=1e-6)  # beta=0 ignores nan, as torch
    v1, v2, m = np.random.rand(2), np.random.rand(3), np.random.rand(2, 3)
    got = minigrad.tensor(m).addr_(minigrad.tensor(v1), minigrad.tensor(v2), beta=2, alpha=0.5)
    want = torch.tensor(m).addr_(torch.tensor(v1), torch.tensor(v2), beta=2, alpha=0.5)
    np.testing.assert_allclose(got.numpy(), want.numpy())
    got = minigrad.tensor(v1).addmv_(minigrad.tensor(m), minigrad.tensor(v2), alpha=3)
    np.testing.assert_allclose(got.numpy(), torch.tensor(v1).addmv_(torch.tensor(m), torch.tensor(v2), alpha=3))
    x = np.random.randn(3, 4)
    np.testing.assert_allclose(minigrad.tensor(x).renorm_(1, 1, 0.5).numpy(), torch.tensor(x).renorm_(1, 1, 0.5))
    np.testing.assert_allclose(minigrad.tensor(x).dist(minigrad.tensor(x[0]), 3).item(),
                               torch.dist(torch.tensor(x), torch.tensor(x[0]), 3).item())
    np.testing.assert_allclose(minigrad.rsub(minigrad.ones(2), 5, alpha=2).numpy(), [3.0, 3.0])
    assert minigrad.true_divide(minigrad.tensor([3]), 2).item() == 1.5
    assert minigrad.greater(minigrad.tensor([1, 3]), 2).tolist() == [False, True]
    assert minigrad.t(minigrad.zeros(2, 3)).shape == (3, 2)


def test_inplace_comparisons_keep_the_dtype():
    a, b = [0.0, 1.0, 2.0], [1.0, 1.0, 1.0]
    for op in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
               "not_equal_"):
        got = getattr(minigrad.tensor(a), op)(minigrad.tensor(b))
        want = getattr(torch.tensor(a), op)(torch.tensor(b))
        assert got.dtype == np.float32 and got.tolist() == want.tolist(), op
    assert minigrad.tensor([1, 2]).eq_(2).tolist() == [0, 1]


def test_shape_inplace_views():
    x = minigrad.zeros(3, 4)
    arr = x.data
    x.t_()
    assert x.shape == (4, 3) and np.shares_memory(x.data, arr)
    x.unsqueeze_(0).squeeze_(0).transpose_(0, 1).swapaxes_(0, 1).swapdims_(1, 0)
    assert x.shape == (3, 4)
    assert x[1:].storage_offset() == 4 and x.storage_offset() == 0 and x.data_ptr() == arr.ctypes.data


def test_predicates_and_attributes():
    x = minigrad.zeros(2, 3)
    t = torch.zeros(2, 3)
    for name in ("is_contiguous", "get_device", "is_signed"):
        assert getattr(x, name)() == getattr(t, name)(), name
    assert x.is_cpu and not x.is_cuda
    assert not minigrad.zeros(2, dtype=minigrad.uint8).is_signed() and not minigrad.zeros(2, dtype=minigrad.bool).is_signed()
    assert minigrad.tensor([1.5]).is_nonzero() and not minigrad.is_nonzero(minigrad.tensor([[0]]))
    assert x.is_same_size(minigrad.ones(2, 3)) and not minigrad.is_same_size(x, minigrad.ones(3, 2))
    assert x.type_as(minigrad.zeros(1, dtype=minigrad.int64)).dtype == np.int64
    assert not minigrad.is_complex(x)
    y = minigrad.ones(2, requires_grad=True) * 2
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad
    assert x.multiply(2).tolist() == (t.multiply(2)).tolist() and x.negative().shape == (2, 3)


def test_torch_level_utilities():
    assert minigrad.typename(minigrad.zeros(1)) == torch.typename(torch.zeros(1)) == "torch.FloatTensor"
    assert minigrad.typename(minigrad.zeros(1, dtype=minigrad.int64)) == "torch.LongTensor"
    assert minigrad.typename(3) == torch.typename(3)
    assert minigrad.typename(minigrad.Tensor) == "minigrad.tensor.Tensor"
    for shapes in [((2, 1), (3,)), (2, (3, 1)), ((), (1, 4)), ()]:
        assert minigrad.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))
    s = minigrad.scalar_tensor(3)
    assert s.shape == () and s.dtype == np.float32 and s.item() == 3.0
    assert minigrad.scalar_tensor(3, dtype=minigrad.int64).dtype == np.int64
    r = minigrad.randint_like(minigrad.zeros(50), 2, 5)
    assert r.dtype == np.float32 and r.numpy().min() >= 2 and r.numpy().max() < 5
    assert minigrad.randint_like(minigrad.zeros(5, dtype=minigrad.int32), 3).dtype == np.int32
    state = minigrad.get_rng_state()
    assert state.dtype == np.uint8
    first = minigrad.rand(4).numpy().copy()
    minigrad.set_rng_state(state)
    assert np.array_equal(minigrad.rand(4).numpy(), first)
    seed = minigrad.seed()
    assert minigrad.initial_seed() == seed
    n = minigrad.get_num_threads()
    minigrad.set_num_threads(n)
    assert minigrad.get_num_threads() == n and minigrad.get_num_interop_threads() >= 1
    assert not minigrad.are_deterministic_algorithms_enabled()
    minigrad.use_deterministic_algorithms(True, warn_only=True)
    assert minigrad.are_deterministic_algorithms_enabled() and minigrad.is_deterministic_algorithms_warn_only_enabled()
    minigrad.use_deterministic_algorithms(False)
    assert str(minigrad.get_default_device()) == "cpu"
    minigrad.set_default_device("cpu")
    minigrad.set_default_device(None)
    assert str(minigrad.get_default_device()) == "cpu"
