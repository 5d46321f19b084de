"""ONNX export: onnxruntime's outputs equal minigrad's (rtol = atol = 1e-5) for every op of the export table and for
whole models (an MLP and a LeNet), onnx.checker accepts every file, and unsupported ops are listed in one error."""
import importlib.util
import pathlib

import numpy as np
import onnx
import onnxruntime
import pytest

import minigrad
import minigrad.nn.functional as F
from minigrad import lazy, nn
from minigrad.onnx import ONNX_OPS, UnsupportedOperatorError, export

RTOL = ATOL = 1e-5
rng = np.random.default_rng(0)


def _f32(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


class Fn(nn.Module):
    def __init__(self, fn, **layers):
        super().__init__()
        self.fn = fn
        for k, v in layers.items():
            setattr(self, k, v)

    def forward(self, *xs):
        return self.fn(self, *xs)


def _run(model, inputs, tmp_path, opset=17):
    path = tmp_path / "model.onnx"
    proto = export(model, inputs if len(inputs) > 1 else inputs[0], path, opset_version=opset)
    onnx.checker.check_model(onnx.load(str(path)))
    sess = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), inputs)})[0]
    model.eval()
    ref = np.asarray(model(*[minigrad.tensor(x) for x in inputs]).numpy())
    return got, ref, proto


def _ops_used(fn, inputs):
    """Function class names in the traced graph of fn(*inputs)."""
    model = Fn(fn) if not isinstance(fn, nn.Module) else fn
    phs = [lazy.fed_placeholder(x, f"in{i}") for i, x in enumerate(inputs)]
    out = model(*phs)
    seen, stack, names = set(), [out], set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = lazy.graph_node(t)
        if node is not None:
            names.add(node[0].__name__)
        stack.extend(lazy.graph_parents(t))
    return names


X = _f32(3, 4)
POS = _f32(3, 4, lo=0.1, hi=3.0)
UNIT = _f32(3, 4, lo=-0.9, hi=0.9)
IMG = _f32(2, 3, 8, 8)

# name -> (fn(module, *tensors), inputs, layers)
CASES = {
    "add": (lambda m, a, b: a + b, (X, _f32(4)), {}),
    "sub": (lambda m, a, b: a - b, (X, _f32(3, 1)), {}),
    "mul": (lambda m, a: a * 3.0, (X,), {}),
    "detach": (lambda m, a: a.detach() * 2.0 + a, (X,), {}),
    "mul_tensor": (lambda m, a, b: a * b, (X, _f32(4)), {}),
    "scalar_arithmetic": (lambda m, a: (a + 1.5) / 4.0 - 2 * a * 0.5 + 3, (X,), {}),
    "div": (lambda m, a, b: a / b, (X, POS), {}),
    "pow": (lambda m, a, b: a ** b, (POS, X), {}),
    "pow_scalar": (lambda m, a: a ** 3, (X,), {}),
    "maximum": (lambda m, a, b: minigrad.maximum(a, b), (X, UNIT), {}),
    "minimum": (lambda m, a, b: minigrad.minimum(a, b), (X, UNIT), {}),
    "matmul": (lambda m, a, b: a @ b, (X, _f32(4, 5)), {}),
    "batched_matmul": (lambda m, a, b: a @ b, (_f32(2, 3, 4), _f32(4, 2)), {}),
    "compare": (lambda m, a, b: minigrad.where((a == b) | (a != b) & (a < b) | (a <= b) & (a > b) | (a >= b),
                                               a, b), (X, UNIT), {}),
    "unary": (lambda m, a: (-a).exp() + a.tanh() + a.sigmoid() + a.relu() + a.abs() + a.sign() + a.sin()
              + a.cos() + a.tan() + a.erf() + a.floor() + a.ceil() + a.round() + a.trunc() + a.arcsinh()
              + a.expm1() + a.clone(), (X,), {}),
    "positive": (lambda m, a: a.log() + a.sqrt() + a.reciprocal() + a.rsqrt() + a.log1p(), (POS,), {}),
    "unit": (lambda m, a: a.arctanh() + a.arcsin(), (UNIT,), {}),
    "cast": (lambda m, a: (a.to(minigrad.float64) * 2).to(minigrad.float32), (X,), {}),
    "clamp": (lambda m, a: a.clamp(-0.5, 0.7) + a.clamp_min(0.1) + a.clamp_max(0.2), (X,), {}),
    "remainder_floordiv": (lambda m, a, b: a % b + a // b, (X, POS), {}),
    "int_remainder_floordiv": (lambda m, a: ((a * 4).long() % 3 + (a * 4).long() // 3).float(), (X,), {}),
    "logical": (lambda m, a: minigrad.where(((a > 0).logical_not() ^ (a > 1)) & a.isfinite() | a.isinf(), a, -a),
                (X,), {}),
    "activations": (lambda m, a: F.gelu(a) + F.gelu(a, approximate="tanh") + F.silu(a) + F.softplus(a)
                    + F.softplus(a, beta=2.0, threshold=1.0) + F.leaky_relu(a, 0.2) + F.elu(a, 0.5), (X,), {}),
    "einsum": (lambda m, a, b: minigrad.einsum("ij,jk->ik", a, b), (X, _f32(4, 2)), {}),
    "linear": (lambda m, a: m.fc(a), (X,), {"fc": nn.Linear(4, 5)}),
    "linear_3d": (lambda m, a: m.fc(a), (_f32(2, 3, 4),), {"fc": nn.Linear(4, 5)}),
    "reshape_permute_expand": (lambda m, a: a.reshape(2, 6).permute(1, 0).reshape(12, 1).expand(12, 3), (X,), {}),
    "pad_flip_cat": (lambda m, a: minigrad.cat([minigrad.pad(a, (1, 2), value=0.5), a.flip(0)], dim=1), (X,), {}),
    "getitem": (lambda m, a: a[1:, ::2] + a[[0, 2, 1]][:2, 1:3] + a[a.detach().numpy() > 0].sum() + a[None, 0, -1],
                (X,), {}),
    "reductions": (lambda m, a: a.sum(1) + a.amax(1) + a.amin(1) + a.prod(1) + a.logsumexp(1) + a.mean(1),
                   (X,), {}),
    "keepdim_reductions": (lambda m, a: a.sum(0, keepdim=True) * a.amax(0, keepdim=True), (X,), {}),
    "softmax": (lambda m, a: a.softmax(1) + a.log_softmax(0) + a.cumsum(1), (X,), {}),
    "argmax": (lambda m, a: (a.argmax(1) + a.argmin(0)[:3] + a.argmax()).float(), (X,), {}),
    "all_any": (lambda m, a: minigrad.where((a > -5).all(1, keepdim=True) & (a > 1).any(0), a, 0.0), (X,), {}),
    "conv": (lambda m, a: m.conv(a), (IMG,), {"conv": nn.Conv2d(3, 4, 3, stride=2, padding=1, dilation=1)}),
    "conv_groups_dilation": (lambda m, a: m.conv(a), (IMG,), {"conv": nn.Conv2d(3, 6, 3, padding=2, dilation=2,
                                                                                   groups=3)}),
    "conv_transpose": (lambda m, a: m.conv(a), (IMG,),
                       {"conv": nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)}),
    "pooling": (lambda m, a: m.mp(a) + m.ap(a) + F.max_pool2d(a, 3, 2, padding=1, ceil_mode=True)[..., :4, :4],
                (IMG,), {"mp": nn.MaxPool2d(2), "ap": nn.AvgPool2d(2)}),
    "adaptive_pool": (lambda m, a: m.pool(a), (IMG,), {"pool": nn.AdaptiveAvgPool2d((3, 2))}),
    "batchnorm_eval": (lambda m, a: m.bn(a), (IMG,), {"bn": nn.BatchNorm2d(3)}),
    "layernorm": (lambda m, a: m.ln(a), (_f32(2, 5, 6),), {"ln": nn.LayerNorm(6)}),
    "groupnorm": (lambda m, a: m.gn(a), (_f32(2, 4, 3, 3),), {"gn": nn.GroupNorm(2, 4)}),
    "conv1d": (lambda m, a: m.conv(a), (_f32(2, 3, 9),), {"conv": nn.Conv1d(3, 2, 3, stride=2, padding=1)}),
    "embedding": (lambda m, i: m.emb(i), (np.array([[1, 2, 9], [0, 4, 4]]),), {"emb": nn.Embedding(10, 3)}),
    "attention": (lambda m, q, k, v: m.mha(q, k, v)[0], (_f32(2, 5, 8), _f32(2, 4, 8), _f32(2, 4, 8)),
                  {"mha": nn.MultiheadAttention(8, 2, batch_first=True)}),
    "sdpa_causal": (lambda m, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                    (_f32(2, 4, 8), _f32(2, 4, 8), _f32(2, 4, 8)), {}),
    # a float mask: attention's softmax that zeroes fully masked rows (none here), exported as ONNX's Softmax
    "sdpa_masked": (lambda m, q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=minigrad.tensor(np.triu(np.full((4, 4), -1e4, np.float32), 1))),
        (_f32(2, 4, 8), _f32(2, 4, 8), _f32(2, 4, 8)), {}),
    "activation_modules": (lambda m, a: m.seq(a), (X,),
                           {"seq": nn.Sequential(nn.ReLU(), nn.LeakyReLU(), nn.ELU(), nn.GELU(), nn.SiLU(),
                                                 nn.Softplus(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(-1),
                                                 nn.LogSoftmax(-1))}),
    "flatten": (lambda m, a: m.flat(a), (IMG,), {"flat": nn.Flatten()}),
    # sort/argsort/topk: TopK's indices, the values through GatherElements
    "sort_topk": (lambda m, a: a.sort(1).values + a.sort(0, descending=True).values + a.topk(2, 1).values.sum(1, True)
                  + a.topk(1, 0, largest=False).values, (X,), {}),
    "argsort_topk_indices": (lambda m, a: (a.argsort(1) * 10 + a.argsort(0, descending=True)
                                           + a.topk(2, 1).indices.sum(1, True)).float(), (X,), {}),
    "sort_ties": (lambda m, a: (a.argsort(1, descending=True) * 10 + a.argsort(0) + a.topk(3, 1).indices.sum(1, True)
                                + a.topk(2, 1, largest=False).indices.sum(1, True)).float(),
                  (np.round(X).astype(np.float32),), {}),
    "div_rounding": (lambda m, a, b: a.div(b, rounding_mode="floor") + a.div(b, rounding_mode="trunc")
                     + (a * 4).long().div(3, rounding_mode="trunc").float()
                     + (a * 4).long().div(-3, rounding_mode="floor").float(), (X, UNIT), {}),
    "round_decimals": (lambda m, a: a.round(decimals=1) + a.round(decimals=2) * 3 + a.round(decimals=-1) * 100,
                       ((np.arange(24, dtype=np.float32).reshape(4, 6) * 0.05 - 0.575).astype(np.float32),), {}),
    "scatter": (lambda m, a, b: a.scatter(0, minigrad.tensor(np.array([[0, 1, 2, 0], [2, 0, 1, 1]])), b)
                + a.scatter(1, minigrad.tensor(np.array([[3], [0], [1]])), 0.5), (X, POS), {}),
    "scatter_add": (lambda m, a, b: a.scatter_add(0, minigrad.tensor(np.array([[0, 1, 2, 0], [0, 0, 1, 1]])), b),
                    (X, POS), {}),
    "lstm": (lambda m, a: m.lstm(a)[0] + m.cell(a[0])[1].sum(), (_f32(3, 2, 4),),
             {"lstm": nn.LSTM(4, 5, num_layers=2), "cell": nn.LSTMCell(4, 5)}),
    # composites of supported ops: the activations, cells and paddings that landed with them
    "new_layers": (lambda m, a: m.seq(a) + m.rnn(a) + m.gru(a) + F.normalize(a, dim=1) + a.norm()
                   + a.norm(1, dim=1, keepdim=True) + a.norm(3, dim=1, keepdim=True), (_f32(3, 10),),
                   {"seq": nn.Sequential(nn.Linear(10, 20), nn.GLU(), nn.Hardtanh(), nn.ReLU6(), nn.Hardsigmoid(),
                                         nn.Hardswish(), nn.Mish(), nn.Softsign(), nn.Tanhshrink(), nn.LogSigmoid(),
                                         nn.PReLU()),
                    "rnn": nn.RNNCell(10, 10), "gru": nn.GRUCell(10, 10)}),
    "pad_modes_upsample": (lambda m, a: F.pad(a, (1, 2, 1, 1), mode="reflect") + F.pad(a, (1, 2, 1, 1), mode="replicate")
                           + F.pad(a, (1, 2, 1, 1), mode="circular") + m.up(a)[..., :10, :11]
                           + F.interpolate(a, size=(10, 11), mode="nearest"), (IMG,),
                           {"up": nn.Upsample(scale_factor=2)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_matches_onnxruntime(name, tmp_path):
    fn, inputs, layers = CASES[name]
    got, ref, _ = _run(Fn(fn, **layers), inputs, tmp_path)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)


def test_every_op_of_the_table_is_exercised():
    used = set()
    for fn, inputs, layers in CASES.values():
        used |= _ops_used(Fn(fn, **layers), inputs)
    assert set(ONNX_OPS) - used == set()


@pytest.mark.parametrize("opset", [13, 17, 18, 21])
def test_opsets(opset, tmp_path):
    model = Fn(lambda m, a: (a.amax(1) + a.amin(1) + a.prod(1) + a.logsumexp(1) + a.sum(1)).softmax(0))
    got, ref, proto = _run(model, (X,), tmp_path, opset=opset)
    assert proto.opset_import[0].version == opset
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)


def test_bad_opset_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"onnx.export: opset_version 9 is not supported; use 13 to 21"):
        export(nn.ReLU(), X, tmp_path / "m.onnx", opset_version=9)


# ------------------------------------------------------------------------------------------------ whole models
class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x).relu(), 2)
        x = F.max_pool2d(self.conv2(x).relu(), 2)
        x = x.flatten(1)
        return self.fc3(self.fc2(self.fc1(x).relu()).relu())


def test_mlp_matches_onnxruntime(tmp_path):
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    got, ref, proto = _run(model, (_f32(32, 2),), tmp_path)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    assert {i.name for i in proto.graph.initializer} == {k for k, _ in model.named_parameters()}
    assert [n.op_type for n in proto.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm"]


def test_lenet_matches_onnxruntime(tmp_path):
    minigrad.manual_seed(0)
    model = LeNet()
    got, ref, proto = _run(model, (_f32(4, 1, 28, 28),), tmp_path)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    assert got.shape == (4, 10)
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Conv") == 2 and ops.count("MaxPool") == 2 and ops.count("Gemm") == 3


def _example(name):
    """The module of examples/<name>.py (its main() is not run)."""
    path = pathlib.Path(__file__).resolve().parents[1] / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_examples_mlp_and_lenet_match_onnxruntime(tmp_path):
    minigrad.manual_seed(0)
    mlp = _example("digits_mlp").MnistClassifier((8, 8), 10)
    got, ref, _ = _run(mlp, (_f32(16, 8, 8),), tmp_path)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    lenet = _example("cnn_digits").LeNet()
    got, ref, proto = _run(lenet, (_f32(16, 1, 8, 8),), tmp_path)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    assert [n.op_type for n in proto.graph.node].count("Conv") == 2


def test_export_restores_training_mode(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    model.train()
    export(model, _f32(2, 3), tmp_path / "m.onnx")
    assert model.training


def test_multiple_inputs_and_outputs(tmp_path):
    model = Fn(lambda m, a, b: (a + b, a * b))
    path = tmp_path / "m.onnx"
    export(model, (X, UNIT), path, input_names=["a", "b"], output_names=["s", "p"])
    sess = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    s, p = sess.run(["s", "p"], {"a": X, "b": UNIT})
    np.testing.assert_allclose(s, X + UNIT, rtol=RTOL)
    np.testing.assert_allclose(p, X * UNIT, rtol=RTOL)


# ------------------------------------------------------------------------------------------------ errors
def test_unsupported_ops_are_listed_in_one_error(tmp_path):
    target = minigrad.tensor(np.full((3, 4), 0.5, dtype=np.float32))
    model = Fn(lambda m, a: a.unfold(1, 2, 1).sum() + F.binary_cross_entropy(a.sigmoid(), target)
               + a.unfold(0, 2, 1).sum())
    with pytest.raises(UnsupportedOperatorError) as info:
        export(model, X, tmp_path / "m.onnx")
    msg = str(info.value)
    del info  # its traceback's frames hold the traced placeholders, which keep the lazy hook installed
    assert msg.startswith("onnx.export: 2 unsupported op(s) in this model at opset 17: ")
    assert "Unfold: 2 node(s), e.g. output shape" in msg
    assert "Supported ops: " in msg and "MatMul" in msg
    assert "BinaryCrossEntropy: 1 node(s), e.g. output shape (3, 4)" in msg


def test_ops_without_an_onnx_equivalent_or_opset_are_refused(tmp_path):
    # Cumprod: ONNX has CumSum but no CumProd; ScatterAdd needs ScatterElements(reduction='add'), opset 16
    with pytest.raises(UnsupportedOperatorError, match=r"Cumprod: 1 node\(s\)"):
        export(Fn(lambda m, a: a.cumprod(1)), X, tmp_path / "m.onnx")
    idx = minigrad.tensor(np.zeros((1, 4), dtype=np.int64))
    with pytest.raises(UnsupportedOperatorError, match=r"ScatterAdd \(ScatterAdd needs opset 16 or later"):
        export(Fn(lambda m, a: a.scatter_add(0, idx, a[:1])), X, tmp_path / "m.onnx", opset_version=15)
    got, ref, _ = _run(Fn(lambda m, a: a.scatter_add(0, idx, a[:1] * 2)), (X,), tmp_path, opset=16)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)


def test_inplace_ops_are_exported_or_refused_never_dropped(tmp_path):
    # on the graph (the tensor requires grad through a parameter) the in-place op is recorded and exports
    model = Fn(lambda m, a: (a * m.w).exp_().clamp_(0.5, 3.0), w=nn.Parameter(minigrad.ones(4)))
    got, ref, _ = _run(model, (X,), tmp_path)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    # off the graph the trace would not see the write: refused while tracing (by the in-place op itself, as in any
    # lazy graph), rather than exporting `a * 1` without the exp
    for fn in [lambda m, a: (a * 1).exp_(), lambda m, a: a.exp_() * 2]:
        with pytest.raises(RuntimeError, match="exp_: an in-place op on a tensor of a lazy graph"):
            export(Fn(fn), X, tmp_path / "m.onnx")


class _Square(minigrad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x


def test_custom_function_exports_as_the_ops_it_ran(tmp_path):
    got, ref, proto = _run(Fn(lambda m, a: _Square.apply(a) + 1.0), (X,), tmp_path)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    assert [n.op_type for n in proto.graph.node] == ["Mul", "Add"]


def test_custom_function_on_parameters_alone_is_reported_by_name(tmp_path):
    model = Fn(lambda m, a: a + _Square.apply(m.w), w=nn.Parameter(minigrad.ones(4)))
    with pytest.raises(UnsupportedOperatorError, match=r"1 unsupported op\(s\) .*: _Square: 1 node\(s\), e\.g\. "
                                                       r"output shape \(4,\)"):
        export(model, X, tmp_path / "m.onnx")
