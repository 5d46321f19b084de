"""Graph pictures: the DOT text's nodes and edges for Value and Tensor graphs, node limit, collapse by module, and
rendering through graphviz (with the install hints when it or `dot` is missing)."""
import pathlib
import re
import sys

import numpy as np
import pytest

import minigrad
from minigrad import Tensor, nn, viz
from minigrad.scalar import Value
from minigrad.scalar import nn as snn


def parse(dot):
    """{node id: label with real newlines}, {(src, dst)}."""
    nodes = {m.group(1): m.group(2).replace("\\n", "\n")
             for m in re.finditer(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)"', dot, re.MULTILINE)}
    edges = set(re.findall(r"^  (\w+) -> (\w+);$", dot, re.MULTILINE))
    return nodes, edges


def by_label(nodes, text):
    found = [k for k, v in nodes.items() if v == text]
    assert len(found) == 1, (text, nodes)
    return found[0]


# ------------------------------------------------------------------------------------------------ Value graphs
def _neuron():
    # seed 002: n = nn.Neuron(2); x = [Value(1.0), Value(-2.0)]; y = n(x); dot = draw_dot(y)
    n = snn.Neuron(2)
    n.w = [Value(0.5), Value(-0.25)]
    n.b = Value(0.1)
    x = [Value(1.0), Value(-2.0)]
    return n, x, n(x)


def test_value_graph_before_backward_shows_data_and_zero_grads():
    n, x, y = _neuron()
    nodes, edges = parse(viz.to_dot(y))
    pre = 0.5 * 1.0 + -0.25 * -2.0 + 0.1  # 1.1, then the Neuron's relu
    leaves = {by_label(nodes, f"data {v.data:.4f}\ngrad 0.0000") for v in [*n.w, n.b, *x]}
    assert len(leaves) == 5
    dot_op = by_label(nodes, "Dot")
    assert {(leaf, dot_op) for leaf in leaves} <= edges
    (z,) = [dst for src, dst in edges if src == dot_op]
    assert nodes[z] == f"data {pre:.4f}\ngrad 0.0000"
    (act_op,) = [dst for src, dst in edges if src == z]
    assert nodes[act_op] == "Relu" and y._op == "ReluBackward"
    assert nodes["n0"] == f"data {y.data:.4f}\ngrad 0.0000" and (act_op, "n0") in edges  # n0: the root
    assert len(nodes) == 9 and len(edges) == 5 + 1 + 1 + 1  # leaves -> Dot -> pre -> Relu -> y


def test_value_graph_after_backward_shows_grads():
    n, x, y = _neuron()
    y.backward()
    nodes, _ = parse(viz.to_dot(y))
    assert f"data {y.data:.4f}\ngrad 1.0000" in nodes.values()
    assert x[0].grad == 0.5 and n.w[0].grad == 1.0
    assert "data 1.0000\ngrad 0.5000" in nodes.values()  # x0: its grad is w0
    assert "data 0.5000\ngrad 1.0000" in nodes.values()  # w0: its grad is x0


def test_value_param_names():
    n, _, y = _neuron()
    nodes, _ = parse(viz.to_dot(y, params={"w0": n.w[0], "b": n.b}))
    assert "w0\ndata 0.5000\ngrad 0.0000" in nodes.values()
    assert "b\ndata 0.1000\ngrad 0.0000" in nodes.values()


def test_long_value_chain_is_not_recursive():
    v = Value(1.0)
    for _ in range(5000):
        v = v * 1.0
    nodes, _ = parse(viz.to_dot(v, max_nodes=None))
    assert len(nodes) == 5001 + 5000  # a box per value, an op node per product


# ------------------------------------------------------------------------------------------------ Tensor graphs
def test_tensor_graph_shows_op_shape_dtype_and_parameter_names():
    minigrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    x = Tensor(shape=(4, 3), name="x", requires_grad=False)
    out = model(x).sum()
    nodes, edges = parse(viz.to_dot(out, params=dict(model.named_parameters())))
    w = by_label(nodes, "0.weight\n(2, 3) float32")
    b = by_label(nodes, "0.bias\n(2,) float32")
    xi = by_label(nodes, "placeholder 'x'\n(4, 3) float32")
    lin = by_label(nodes, "Linear\n(4, 2) float32")
    relu = by_label(nodes, "Relu\n(4, 2) float32")
    s = [k for k, v in nodes.items() if v.startswith("Sum\n") and v.endswith("\n() float32")]
    assert len(s) == 1
    assert edges == {(w, lin), (b, lin), (xi, lin), (lin, relu), (relu, s[0])}


def test_tensor_graph_eager_without_params():
    a = minigrad.tensor(np.ones((2, 3)), requires_grad=True)
    y = (a * minigrad.tensor(2.0, dtype=minigrad.float64)).exp()
    nodes, edges = parse(viz.to_dot(y))
    mul = [k for k, v in nodes.items() if v.startswith("Mul") and v.endswith("(2, 3) float64")]
    exp = by_label(nodes, "Exp\n(2, 3) float64")
    leaf = by_label(nodes, "grad\n(2, 3) float64")
    const = by_label(nodes, "const\n() float64")
    assert len(mul) == 1 and edges == {(leaf, mul[0]), (const, mul[0]), (mul[0], exp)}
    # a Python number is an attribute of its op, not a node
    nodes, edges = parse(viz.to_dot((a * 2.0).exp()))
    mul = by_label(nodes, "ScalarArith\ns=2.0, op='mul'\n(2, 3) float64")
    assert edges == {(by_label(nodes, "grad\n(2, 3) float64"), mul), (mul, by_label(nodes, "Exp\n(2, 3) float64"))}


def test_node_limit_summarises_the_rest():
    a = minigrad.tensor([1.0], requires_grad=True)
    y = a
    for _ in range(50):
        y = y.tanh()
    nodes, edges = parse(viz.to_dot(y, max_nodes=10))
    assert len(nodes) == 11 and nodes["cut"] == "... 41 more node(s) (raise max_nodes to draw them)"
    assert len(edges) == 10  # 9 between kept nodes, 1 from the summary
    nodes, edges = parse(viz.to_dot(y, max_nodes=None))
    assert len(nodes) == 51 and len(edges) == 50


class _Manual(nn.Module):
    """A linear layer written as three ops, so that collapsing has something to fold."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(minigrad.randn(n_out, n_in))
        self.bias = nn.Parameter(minigrad.zeros(n_out))

    def forward(self, x):
        return x @ self.weight.T + self.bias


def test_collapse_by_module():
    minigrad.manual_seed(0)
    model = nn.Sequential(_Manual(3, 4), nn.Tanh(), _Manual(4, 2))
    x = Tensor(shape=(5, 3), name="x", requires_grad=False)
    out = model(x)
    params = dict(model.named_parameters())
    full, _ = parse(viz.to_dot(out, params=params))
    assert sum(v.startswith("MatMul") for v in full.values()) == 2
    nodes, edges = parse(viz.to_dot(out, params=params, collapse=True))
    m0 = [k for k, v in nodes.items() if v.startswith("0\n")]
    m2 = [k for k, v in nodes.items() if v.startswith("2\n")]
    assert len(m0) == 1 and len(m2) == 1
    assert nodes[m0[0]] == "0\n[Permute, MatMul, Add]\nout (5, 4) float32"
    tanh = by_label(nodes, "Tanh\n(5, 4) float32")
    xi = by_label(nodes, "placeholder 'x'\n(5, 3) float32")
    assert edges == {(xi, m0[0]), (m0[0], tanh), (tanh, m2[0])}
    assert not any(v.startswith("MatMul") for v in nodes.values())


# ------------------------------------------------------------------------------------------------ rendering
def test_draw_dot_writes_svg_and_png(tmp_path):
    _, _, y = _neuron()
    svg = viz.draw_dot(y, format="svg", rankdir="LR", filename=tmp_path / "n.svg")
    png = viz.draw_dot(y, format="png", filename=tmp_path / "n.png")
    assert b"<svg" in pathlib.Path(svg).read_bytes()
    assert pathlib.Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    src = viz.draw_dot(y)
    assert "Dot" in src.source and b"<svg" in src.pipe(format="svg")


def test_draw_dot_without_graphviz_package_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    _, _, y = _neuron()
    with pytest.raises(ImportError, match=r"draw_dot needs Graphviz: install the graphviz Python package \(pip "
                                          r"install graphviz\) and Graphviz's `dot` program \(Debian/Ubuntu: "
                                          r"apt-get install graphviz"):
        viz.draw_dot(y)


def test_draw_dot_without_dot_program_gives_install_hint(monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    _, _, y = _neuron()
    with pytest.raises(RuntimeError, match=r"draw_dot: Graphviz's `dot` program was not found on PATH; .*"
                                           r"apt-get install graphviz.*to_dot\(root\) gives the DOT text"):
        viz.draw_dot(y)


def test_import_minigrad_viz_imports_no_graphviz():
    import subprocess

    code = "import minigrad, minigrad.viz, minigrad.onnx, sys; print('graphviz' in sys.modules, 'onnx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_collapse_with_the_module_names_layer_classes():
    minigrad.manual_seed(0)
    model = nn.Sequential(_Manual(3, 4), nn.Tanh(), _Manual(4, 2))
    out = model(Tensor(shape=(5, 3), name="x", requires_grad=False))
    nodes, _ = parse(viz.to_dot(out, params=model, collapse=True))
    assert "0: _Manual\n[Permute, MatMul, Add]\nout (5, 4) float32" in nodes.values()
    assert "2: _Manual\n[Permute, MatMul, Add]\nout (5, 2) float32" in nodes.values()
