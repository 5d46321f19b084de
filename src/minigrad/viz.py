"""Graph pictures: `to_dot(root)` writes Graphviz DOT text with no dependency; `draw_dot(root)` renders it.

Works on the scalar engine's `Value` graphs (each value shows its data and grad; op nodes show `_op`) and on
`Tensor` graphs (each op shows its name, output shape and dtype; leaves show the parameter or placeholder name,
shape and dtype). Graphs recorded by a lazy graph (placeholders, see lazy.py) are drawn too, including the ops that
the engine did not record because nothing required grad.
"""
import shutil
from collections import deque

_INSTALL_HINT = ("install the graphviz Python package (pip install graphviz) and Graphviz's `dot` program "
                 "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; conda: conda install -c "
                 "conda-forge graphviz). minigrad.viz.to_dot(root) gives the DOT text without either")


def _is_value(obj):
    return hasattr(obj, "_prev") and hasattr(obj, "_op")


def _esc(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class _Graph:
    """Nodes (object -> (label, shape)), parents per node, in breadth-first order from the roots."""

    def __init__(self, roots, parents_of, max_nodes):
        self.order, self.parents, self.cut = [], {}, {}
        seen = {id(r) for r in roots}
        queue = deque(roots)
        while queue:
            obj = queue.popleft()
            ps = list(parents_of(obj))
            if max_nodes is not None and len(self.order) >= max_nodes:
                self.cut[id(obj)] = obj  # not drawn, but walked on to count what the summary node stands for
            else:
                self.order.append(obj)
                self.parents[id(obj)] = ps
            for p in ps:
                if id(p) not in seen:
                    seen.add(id(p))
                    queue.append(p)


def _value_parts(roots, params, max_nodes):
    names = {id(v): k for k, v in params.items()}
    g = _Graph(roots, lambda v: tuple(v._prev), max_nodes)

    def label(v):
        grad = v.grad
        grad_text = "None" if grad is None else f"{grad:.4f}"
        head = f"{names[id(v)]}\n" if id(v) in names else ""
        return f"{head}data {v.data:.4f}\ngrad {grad_text}", "box"

    def op_label(v):
        op = v._op.removesuffix("Backward")
        return op or None

    return g, label, op_label


def _tensor_parts(roots, params, max_nodes):
    from .lazy import graph_node, graph_parents, is_placeholder

    names = {id(t): k for k, t in params.items()}
    g = _Graph(roots, graph_parents, max_nodes)

    def label(t):
        shape = "(" + ", ".join(str(s) for s in t.shape) + ("," if len(t.shape) == 1 else "") + ")"
        if id(t) in names:
            head = names[id(t)]
        elif is_placeholder(t):
            head = f"placeholder '{t.name}'"
        elif t.name:
            head = t.name
        else:
            head = "grad" if t.requires_grad else "const"
        return f"{head}\n{shape} {t.dtype}", ("box" if graph_node(t) is None else "ellipse")

    def op_label(t):
        node = graph_node(t)
        if node is None:
            return None
        cls, _, attrs = node
        if "function" in attrs:  # a custom autograd.Function's node
            return getattr(attrs["function"], "__name__", cls.__name__)
        opts = ", ".join(f"{k}={_short(v)}" for k, v in attrs.items())
        return cls.__name__ + (f"\n{opts}" if opts and len(opts) <= 40 else "")

    return g, label, op_label


def _short(v):
    if hasattr(v, "shape") and hasattr(v, "dtype"):
        return f"<array {tuple(v.shape)}>"
    return repr(v)


def _module_of(name, depth):
    parts = name.split(".")[:-1]
    if not parts:
        return None
    return ".".join(parts if depth is True else parts[:depth])


def _collapse_groups(g, params, depth):
    """Module path -> ids of op nodes that lie between that module's parameters and the ops consuming them."""
    children = {}
    for obj in g.order:
        for p in g.parents[id(obj)]:
            children.setdefault(id(p), []).append(obj)
    by_module = {}
    for name, t in params.items():
        mod = _module_of(name, depth)
        if mod is not None and id(t) in g.parents:
            by_module.setdefault(mod, []).append(t)
    groups, taken = {}, set()
    for mod, leaves in by_module.items():
        consumers = [c for t in leaves for c in children.get(id(t), [])]
        below = set()
        stack = list(consumers)
        while stack:  # everything computed from the module's parameters
            obj = stack.pop()
            if id(obj) not in below:
                below.add(id(obj))
                stack.extend(children.get(id(obj), []))
        hull = set()
        stack = list(consumers)
        while stack:  # ... that also feeds an op consuming them: the module's own ops
            obj = stack.pop()
            if id(obj) in below and id(obj) not in hull:
                hull.add(id(obj))
                stack.extend(p for p in g.parents.get(id(obj), []))
        hull |= {id(t) for t in leaves}
        hull -= taken
        taken |= hull
        groups[mod] = hull
    return groups


def to_dot(root, params=None, max_nodes=300, collapse=False, rankdir="LR"):
    """Graphviz DOT text of the graph that computed `root`; needs no package.

    Args:
        root: a `Tensor` or a scalar `Value` (or a list of them).
        params: optional names for leaves: a Module (its parameters and buffers; collapsed boxes then also show
            each layer's class), `dict(model.named_parameters())`, or any {name: tensor/Value}.
        max_nodes: draw at most this many nodes, nearest to the root first; the rest are summarised in one node
            "... N more nodes". None draws everything.
        collapse: with `params` from a module, draw each module's ops as one box named after it (True: the full
            module path, e.g. "encoder.0"; an int n: the first n path components, e.g. 1 -> "encoder").
        rankdir: Graphviz layout direction ("LR" left to right, "TB" top to bottom).

    Returns:
        str: the DOT text. Tensor op nodes read "MatMul\\n(4, 3) float32"; Value nodes "data 1.0000\\ngrad 0.0000".

    >>> from minigrad.scalar import Value
    >>> print(to_dot(Value(2.0) * Value(3.0)).splitlines()[0])
    digraph minigrad {
    """
    roots = list({id(r): r for r in root}.values()) if isinstance(root, (list, tuple)) else [root]  # each once
    kinds = {}
    if hasattr(params, "named_parameters"):  # a Module: its parameters and buffers, and its layers' class names
        module = params
        params = dict(module.named_parameters())
        params.update(dict(module.named_buffers()) if hasattr(module, "named_buffers") else {})
        if hasattr(module, "named_modules"):
            kinds = {name: type(m).__name__ for name, m in module.named_modules()}
    params = dict(params or {})
    if all(_is_value(r) for r in roots):
        g, label, op_label = _value_parts(roots, params, max_nodes)
    else:
        g, label, op_label = _tensor_parts(roots, params, max_nodes)
    groups = _collapse_groups(g, params, collapse) if collapse and params else {}
    group_of = {i: mod for mod, ids in groups.items() for i in ids}

    lines = ["digraph minigrad {", f"  rankdir={rankdir};", '  node [fontname="Helvetica", fontsize=10];']
    ids = {}
    edges = set()

    def node_id(obj):
        key = group_of.get(id(obj), id(obj))
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    drawn_groups = {}
    for obj in g.order:
        nid = node_id(obj)
        mod = group_of.get(id(obj))
        if mod is not None:
            drawn_groups.setdefault(mod, []).append(obj)
            continue
        text, shape = label(obj)
        op = op_label(obj)
        if op is not None and not _is_value(obj):
            text = op + "\n" + text.split("\n", 1)[1]  # Tensor op: name, then shape and dtype
            lines.append(f'  {nid} [label="{_esc(text)}", shape=ellipse];')
        elif op is not None:  # Value: the value's box, fed by a separate op node (micrograd's picture)
            lines.append(f'  {nid} [label="{_esc(text)}", shape=box];')
            lines.append(f'  {nid}_op [label="{_esc(op)}", shape=circle];')
            edges.add((f"{nid}_op", nid))
        else:
            lines.append(f'  {nid} [label="{_esc(text)}", shape={shape}, style=filled, fillcolor="#eef3ff"];')
    feeds_out = {id(r) for r in roots}  # group members read by a node outside their group: the group's outputs
    for obj in g.order:
        for p in g.parents[id(obj)]:
            if group_of.get(id(p)) is not None and group_of.get(id(p)) != group_of.get(id(obj)):
                feeds_out.add(id(p))
    for mod, members in drawn_groups.items():
        ops = [op_label(m) for m in members if id(m) in g.parents and op_label(m) is not None]
        ops = [o.split("\n")[0] for o in ops]
        outs = [m for m in members if not _is_value(m) and id(m) in feeds_out]
        out_text = "".join(f"\nout {tuple(o.shape)} {o.dtype}" for o in outs[:2])
        ops_text = ", ".join(reversed(ops[:6])) + (", ..." if len(ops) > 6 else "")
        title = f"{mod}: {kinds[mod]}" if mod in kinds else mod
        lines.append(f'  {node_id(members[0])} [label="{_esc(title)}\\n[{_esc(ops_text)}]{_esc(out_text)}", '
                     'shape=box3d, style=filled, fillcolor="#fff4dd"];')
    for obj in g.order:
        target = node_id(obj)
        if _is_value(obj) and obj._op:
            target = f"{target}_op"
        for p in g.parents[id(obj)]:
            if id(p) in g.cut:
                continue
            src = node_id(p)
            if src != node_id(obj):
                edges.add((src, target))
    if g.cut:
        lines.append(f'  cut [label="... {len(g.cut)} more node(s) (raise max_nodes to draw them)", shape=note];')
        for obj in g.order:
            if any(id(p) in g.cut for p in g.parents[id(obj)]):
                target = node_id(obj) + ("_op" if _is_value(obj) and obj._op else "")
                edges.add(("cut", target))
    lines.extend(f"  {a} -> {b};" for a, b in sorted(edges))
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_dot(root, format="svg", rankdir="LR", filename=None, **kwargs):
    """Render the graph of `root` with Graphviz (the `graphviz` package and the `dot` program).

    Args:
        root: a Tensor or a scalar Value.
        format: output format for `dot`: "svg", "png", "pdf", ...
        rankdir: "LR" or "TB".
        filename: if given, write the picture there and return the path; otherwise return a `graphviz.Source`
            (shown inline by Jupyter; `.pipe()` gives the bytes).
        **kwargs: passed to `to_dot` (params, max_nodes, collapse).

    Raises:
        ImportError: the graphviz package is missing (the message says how to install it and `dot`).
        RuntimeError: the `dot` program is missing (the message says how to install it).
    """
    try:
        import graphviz
    except ImportError:
        raise ImportError(f"draw_dot needs Graphviz: {_INSTALL_HINT}") from None
    if shutil.which("dot") is None:
        raise RuntimeError(f"draw_dot: Graphviz's `dot` program was not found on PATH; {_INSTALL_HINT}")
    src = graphviz.Source(to_dot(root, rankdir=rankdir, **kwargs), format=format)
    if filename is None:
        return src
    filename = str(filename)
    try:
        data = src.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(f"draw_dot: Graphviz's `dot` program could not be run; {_INSTALL_HINT}") from None
    with open(filename, "wb") as f:
        f.write(data)
    return filename
