"""Training-loop API that torch code uses and that minigrad refused or got wrong (found by differential testing
against torch): Module registration order, get_buffer, zero_grad(set_to_none=False), state-dict hooks,
load_state_dict(assign=True); clip_grad_norm_ for norm_type 0 / -inf / NaN / float16, differentiable
parameters_to_vector, vector_to_parameters as views; init.dirac_; sampler and DataLoader argument checks and
string collation; optimizers built from named_parameters(), Adam(decoupled_weight_decay=True)."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigrad as mg
from minigrad import data

TD = torch.utils.data


def _lin(lib):
    m = lib.nn.Linear(3, 2)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 10, dtype=lib.float32))
        m.bias.copy_(lib.tensor([0.5, -0.5]))
    return m


# ------------------------------------------------------------------------------------------------ Module
def test_reassigned_parameter_keeps_its_place_as_torch():
    # weight tying (`head.weight = emb.weight`) moved the key to the end: state_dict and parameters() order differed
    for lib in (mg, torch):
        m = lib.nn.Linear(2, 2)
        m.weight = lib.nn.Parameter(lib.ones(2, 2))
        s = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh())
        setattr(s, "0", lib.nn.Sigmoid())
        assert list(m.state_dict()) == ["weight", "bias"]
        assert [type(c).__name__ for c in s] == ["Sigmoid", "Tanh"]


def test_register_buffer_refuses_a_parameter_name_and_get_buffer():
    for lib in (mg, torch):
        m = lib.nn.BatchNorm1d(2)
        with pytest.raises(KeyError, match="attribute 'weight' already exists"):
            m.register_buffer("weight", lib.ones(2))
        with pytest.raises(KeyError, match="already exists"):
            m.register_parameter("running_mean", lib.nn.Parameter(lib.ones(2)))
        assert lib.nn.Sequential(m).get_buffer("0.running_var").shape == (2,)
        with pytest.raises(AttributeError):
            lib.nn.Sequential(m).get_buffer("0.weight")


def test_module_zero_grad_keeps_the_grad_tensor_and_zeroes_it():
    grads = []
    for lib in (mg, torch):
        m = _lin(lib)
        m(lib.ones(1, 3)).sum().backward()
        g = m.weight.grad
        m.zero_grad(set_to_none=False)
        assert m.weight.grad is g
        grads.append(g.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert not grads[0].any()


def test_state_dict_and_load_state_dict_hooks_match_torch():
    out = []
    for lib in (mg, torch):
        log = []
        inner = _lin(lib)

        def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors, log=log):
            log.append(("load_pre", prefix))
            if prefix + "w_old" in sd:
                sd[prefix + "weight"] = sd.pop(prefix + "w_old")

        def add_scale(mod, sd, prefix, meta, lib=lib):
            sd[prefix + "scale"] = lib.ones(1)

        inner.register_state_dict_pre_hook(lambda mod, prefix, keep_vars, log=log: log.append(("pre", prefix, keep_vars)))
        h = inner.register_state_dict_post_hook(add_scale)
        inner.register_load_state_dict_pre_hook(rename)
        inner.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.remove("1.scale"))
        m = lib.nn.Sequential(lib.nn.ReLU(), inner)
        keys = list(m.state_dict())
        h.remove()
        ckpt = {"1.w_old": lib.full((2, 3), 2.0), "1.bias": lib.zeros(2), "1.scale": lib.ones(1)}
        result = m.load_state_dict(ckpt)  # strict: the post-hook removed the one unexpected key
        out.append((keys, log, result.missing_keys, result.unexpected_keys, sorted(ckpt), m[1].weight.sum().item()))
    assert out[0] == out[1]


def test_load_state_dict_assign_takes_the_checkpoint_dtype():
    dtypes = []
    for lib in (mg, torch):
        m = _lin(lib)
        m.load_state_dict({k: v.double() for k, v in m.state_dict().items()}, assign=True)
        assert m.weight.requires_grad and isinstance(m.weight, lib.nn.Parameter)
        dtypes.append(str(m.weight.dtype).replace("torch.", ""))
    assert dtypes[0] == dtypes[1] == "float64"


# ------------------------------------------------------------------------------------------------ nn.utils
def _grads(lib, dtype=np.float32, scale=3.0):
    rng = np.random.default_rng(0)
    ps = []
    for shape in [(3, 4), (4,), (2, 2, 2)]:
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape).astype(dtype)))
        p.grad = lib.tensor((rng.standard_normal(shape) * scale).astype(dtype))
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [0, -math.inf, math.inf, 1, 2.0, 3])
@pytest.mark.parametrize("max_norm", [1.0, 100.0])
def test_clip_grad_norm_every_norm_type_matches_torch(norm_type, max_norm):
    # norm_type 0 raised ZeroDivisionError and -inf returned 1.0 (torch: the min of the per-tensor minimums)
    res = []
    for lib in (mg, torch):
        ps = _grads(lib)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        res.append((total.numpy(), [p.grad.numpy() for p in ps]))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-5)
    for a, b in zip(res[0][1], res[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_nan_and_float16_overflow_scale_as_torch():
    res = []
    for lib in (mg, torch):
        ps = _grads(lib)
        ps[0].grad[0, 0] = float("nan")  # a NaN norm: torch scales every gradient by NaN
        p16 = lib.nn.Parameter(lib.ones(3, dtype=lib.float16))
        p16.grad = lib.full((3,), 60000.0, dtype=lib.float16)  # the norm overflows float16: clipped to 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lib.nn.utils.clip_grad_norm_(ps, 1.0)
            total16 = lib.nn.utils.clip_grad_norm_([p16], 1.0)
        res.append((ps[1].grad.numpy(), total16.numpy(), p16.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    res = []
    for lib in (mg, torch):
        ps = _grads(lib)
        total = lib.nn.utils.get_total_norm([p.grad for p in ps], 2.0)
        lib.nn.utils.clip_grads_with_norm_(ps, 1.0, total)
        res.append([total.numpy()] + [p.grad.numpy() for p in ps])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_parameters_to_vector_is_on_the_graph_and_vector_to_parameters_views():
    res = []
    for lib in (mg, torch):
        ps = _grads(lib)
        vec = lib.nn.utils.parameters_to_vector(ps)
        (vec * lib.arange(24.0)).sum().backward()
        new = lib.arange(24.0, dtype=lib.float64)
        lib.nn.utils.vector_to_parameters(new, ps)
        new.add_(1)  # the parameters are views of new, in new's dtype
        res.append([p.grad.numpy() for p in ps] + [p.detach().numpy() for p in ps])
    for a, b in zip(*res):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-6)


# ------------------------------------------------------------------------------------------------ nn.init
@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 2, 3, 3), 2), ((3, 5, 2, 3, 1), 1), ((6, 2, 3, 3), 3)])
def test_init_dirac_matches_torch(shape, groups):
    got = mg.nn.init.dirac_(mg.empty(shape), groups=groups)
    np.testing.assert_array_equal(got.numpy(), torch.nn.init.dirac_(torch.empty(shape), groups=groups).numpy())
    with pytest.raises(ValueError, match="dirac_"):
        mg.nn.init.dirac_(mg.empty(3, 3))


# ------------------------------------------------------------------------------------------------ data
@pytest.mark.parametrize("make", [
    lambda D: D.RandomSampler(range(3), replacement=1),
    lambda D: D.RandomSampler(range(0)),
    lambda D: D.WeightedRandomSampler([1.0, 2.0], 0),
    lambda D: D.WeightedRandomSampler([1.0, 2.0], 2.0),
    lambda D: D.WeightedRandomSampler([1.0, 2.0], 2, replacement=1),
    lambda D: D.BatchSampler(range(3), 2, drop_last=1),
    lambda D: D.DataLoader(range(3), num_workers=-1),
    lambda D: D.DataLoader(range(3), persistent_workers=True),
    lambda D: D.DataLoader(range(3), prefetch_factor=2),
])
def test_bad_sampler_and_loader_arguments_raise_as_torch(make):
    errors = []
    for D in (data, TD):
        with pytest.raises((ValueError, TypeError)) as e:
            make(D)
        errors.append(e.type)
    assert errors[0] is errors[1]


def test_loader_accepts_torch_keywords_and_worker_info():
    kw = {"batch_size": 2, "in_order": True, "multiprocessing_context": None, "pin_memory_device": ""}
    assert len(list(data.DataLoader(range(5), **kw))) == len(list(TD.DataLoader(range(5), **kw))) == 3
    assert data.get_worker_info() is TD.get_worker_info() is None
    assert data.ConcatDataset([range(2), range(3)]).cumulative_sizes == [2, 5]
    assert all(type(n) is int for n in data.ConcatDataset([range(2), range(3)]).cumulative_sizes)


def test_collate_keeps_string_fields_as_torch():
    batch = [(1, 2.0, "a"), (3, 4.0, "b")]
    got, want = data.default_collate(batch), TD.default_collate(batch)
    assert got[2] == want[2] == ("a", "b")
    assert data.default_collate(["x", "y"]) == TD.default_collate(["x", "y"])


# ------------------------------------------------------------------------------------------------ optim
def _train(lib, make_opt, steps=4):
    m = _lin(lib)
    opt = make_opt(lib, m)
    for _ in range(steps):
        opt.zero_grad()
        (m(lib.ones(2, 3)) ** 2).sum().backward()
        opt.step()
    return opt, [p.detach().numpy() for p in m.parameters()]


@pytest.mark.parametrize("make", [
    lambda lib, m: lib.optim.SGD(m.named_parameters(), lr=0.1, momentum=0.9),
    lambda lib, m: lib.optim.Adam([{"params": [("weight", m.weight)], "lr": 0.05}, {"params": [("bias", m.bias)]}]),
    lambda lib, m: lib.optim.Adam(m.parameters(), lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
    lambda lib, m: lib.optim.Adam(m.parameters(), lr=0.05, weight_decay=0.1, amsgrad=True,
                                  decoupled_weight_decay=True),
])
def test_named_parameters_and_decoupled_adam_match_torch(make):
    (opt, got), (topt, want) = _train(mg, make), _train(torch, make)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    names = [g.get("param_names") for g in opt.state_dict()["param_groups"]]
    assert names == [g.get("param_names") for g in topt.state_dict()["param_groups"]]


def test_add_param_group_refuses_a_set_and_mixed_names():
    for lib in (mg, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        with pytest.raises(TypeError, match="ordered collections"):
            opt.add_param_group({"params": {lib.nn.Parameter(lib.ones(1))}})
        with pytest.raises(ValueError, match="Some param names are missing"):
            lib.optim.SGD([("w", lib.nn.Parameter(lib.ones(1))), lib.nn.Parameter(lib.ones(1))], lr=0.1)
