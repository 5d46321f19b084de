"""minigrad.save / minigrad.load: checkpoints that cannot run code when loaded.

The file is in the safetensors layout: an 8-byte little-endian header length, a JSON header naming each array's
dtype, shape and byte range, then the raw little-endian bytes. The object's structure (nested dicts with any
key type, lists, tuples, numbers, strings, None, and where each tensor sits) is JSON in the header's
`__metadata__`, next to a SHA-256 of the data. Nothing is unpickled and no name is imported on load, so a
checkpoint is data only; a flat state dict saved here also opens with `safetensors.numpy.load_file`, and a plain
safetensors file opens with `minigrad.load` as a dict of tensors.

Writes go to a temporary file in the target's folder, are fsync'ed, and replace the target with os.replace, so a
crash mid-write leaves the previous checkpoint intact.
"""
import hashlib
import json
import math
import os
import struct
import tempfile
from collections import OrderedDict

import numpy as np

from .backend import Device, get_device
from .tensor import Tensor

FORMAT = "minigrad-safetensors-1"
_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
           "I16": np.int16, "I8": np.int8, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32, "U64": np.uint64,
           "BOOL": np.bool_}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
_MAX_HEADER = 100 * 2 ** 20


class _Writer:
    def __init__(self):
        self.entries = OrderedDict()  # name -> array
        self.by_id = {}
        self.tensors = {}  # id(Tensor) -> its record: the same Tensor saved twice loads as one object
        self.keep = []  # holds what was seen so that no id is reused while saving

    def add(self, arr, path, obj_id):
        if obj_id in self.by_id:
            return self.by_id[obj_id]
        arr = np.asarray(arr)
        if np.dtype(arr.dtype) not in _CODES:
            raise TypeError(f"save: arrays of dtype {arr.dtype} (at {path or 'the top level'}) are not supported; "
                            f"supported: {sorted(str(np.dtype(d)) for d in _DTYPES.values())}")
        name = path or "tensor"
        base, n = name, 1
        while name in self.entries:
            n += 1
            name = f"{base}#{n}"
        self.entries[name] = arr
        self.by_id[obj_id] = name
        return name

    def tensor(self, obj, path):
        """The record of Tensor `obj`: its array's name (tensors sharing an array, like `t` and `t.detach()`,
        share it, as torch.save keeps storage sharing), its own requires_grad, its identity (`obj`, a per-file
        index), its device and whether it is a Parameter."""
        if id(obj) in self.tensors:
            return dict(self.tensors[id(obj)])
        self.keep.append(obj)
        src = obj.detach() if obj._ctx is not None else obj
        host = src.numpy() if src._device.type == "cpu" else src._device.xp.to_host(src.data)
        rec = {"__tensor__": self.add(host, path, id(obj.data)), "requires_grad": bool(obj.requires_grad),
               "obj": len(self.tensors), "device": str(obj._device)}
        if _is_parameter(obj):
            rec["parameter"] = True
        self.tensors[id(obj)] = rec
        return dict(rec)


def _is_parameter(t):
    from .nn.module import Parameter  # noqa: PLC0415 - nn imports the tensor module this one needs

    return isinstance(t, Parameter)


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _encode(obj, path, w):
    if isinstance(obj, Tensor):
        return w.tensor(obj, path)
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": w.add(obj, path, id(obj))}
    if isinstance(obj, np.generic):
        return {"__scalar__": w.add(np.asarray(obj), path, id(obj))}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, dict):
        kind = "__odict__" if isinstance(obj, OrderedDict) else "__dict__"
        return {kind: [[_encode_key(k, path), _encode(v, _join(path, k), w)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        kind = "__tuple__" if isinstance(obj, tuple) else "__list__"
        return {kind: [_encode(v, _join(path, i), w) for i, v in enumerate(obj)]}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at {path or 'the top level'}; a checkpoint holds "
                    "Tensors, NumPy arrays, dicts, lists, tuples, str, int, float, bool and None (save a module's or "
                    "optimizer's state_dict(), not the object)")


def _encode_key(k, path):
    if isinstance(k, (str, int, float, bool)) or k is None:
        return _encode(k, path, None)
    if isinstance(k, tuple):
        return {"__tuple__": [_encode_key(v, path) for v in k]}
    raise TypeError(f"save: dict key {k!r} of type {type(k).__name__} at {path or 'the top level'} cannot be stored")


def _serialize(obj):
    w = _Writer()
    structure = _encode(obj, "", w)
    header, chunks, offset = {}, [], 0
    for name, arr in w.entries.items():
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _CODES[np.dtype(arr.dtype)], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    body = b"".join(chunks)
    header["__metadata__"] = {"format": FORMAT, "structure": json.dumps(structure, allow_nan=False),
                              "sha256": hashlib.sha256(body).hexdigest()}
    raw = json.dumps(header, allow_nan=False).encode("utf-8")
    raw += b" " * (-len(raw) % 8)  # safetensors aligns the data to 8 bytes
    return struct.pack("<Q", len(raw)) + raw, body


def save(obj, f):
    """Write `obj` (a Tensor, a state dict, an optimizer state dict, or nested dicts/lists of them) to the path
    or binary file `f`. Matches torch.save's role, without pickle; a path is replaced atomically.

    >>> import minigrad, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.mgz")
    >>> minigrad.save({"w": minigrad.tensor([1.0, 2.0])}, path)
    >>> minigrad.load(path)["w"]
    tensor([1., 2.])
    """
    head, body = _serialize(obj)
    if hasattr(f, "write"):
        f.write(head)
        f.write(body)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            _write_all(out, head, body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_all(out, head, body):
    out.write(head)
    view = memoryview(body)
    step = 1 << 24
    for i in range(0, len(view), step):
        out.write(view[i:i + step])


def _corrupt(where, why):
    return RuntimeError(f"load: {where} is not a readable minigrad checkpoint: {why}")


def load(f, map_location=None, weights_only=True):
    """Read what save() wrote (or any safetensors file, as a dict of tensors). Raises RuntimeError naming the file
    when it is truncated or corrupt.

    `map_location` picks the tensors' device, as in torch.load: None (the default device), a device string or
    Device ("cpu", "cuda:0"), a dict mapping saved locations to targets ({"cuda:0": "cpu"}; a location not in it
    stays where it was saved), or a callable `fn(storage, location)` called once per stored array with a CPU Tensor
    and the saved location ("cpu" for files without one), returning a Tensor (whose device is used) or None (the
    saved location)."""
    resolve = _location_resolver(map_location)
    if hasattr(f, "read"):
        raw, where = f.read(), getattr(f, "name", "the file object")
    else:
        where = os.fspath(f)
        with open(where, "rb") as fh:
            raw = fh.read()
    if len(raw) < 8:
        raise _corrupt(where, f"it is {len(raw)} bytes long, shorter than the 8-byte header length (truncated or "
                              "empty)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise _corrupt(where, f"the header claims {n} bytes but the file has {len(raw) - 8} after the length "
                              "(truncated, or not a checkpoint)")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _corrupt(where, f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise _corrupt(where, "the header is not a JSON object")
    body = memoryview(raw)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    arrays = {}
    for name, info in header.items():
        try:
            dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
            shape = tuple(int(s) for s in info["shape"])
            b, e = (int(v) for v in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise _corrupt(where, f"the entry for '{name}' is malformed ({info!r})") from None
        count = math.prod(shape)
        if e > len(body) or b < 0 or e < b:
            raise _corrupt(where, f"'{name}' needs bytes {b}..{e} of the data but only {len(body)} are present "
                                  "(truncated)")
        if e - b != count * dtype.itemsize:
            raise _corrupt(where, f"'{name}' spans {e - b} bytes, but shape {shape} of {dtype} needs "
                                  f"{count * dtype.itemsize}")
        arrays[name] = np.frombuffer(body[b:e], dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    if meta.get("format") != FORMAT:
        return OrderedDict((k, _tensor(resolve(k, a, "cpu"), False)) for k, a in arrays.items())
    end = max((int(info["data_offsets"][1]) for info in header.values()), default=0)
    if len(body) != end:
        raise _corrupt(where, f"{len(body)} bytes of data follow the header, the header describes {end}")
    if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
        raise _corrupt(where, "the data's SHA-256 does not match the header (the file was modified or damaged)")
    try:
        structure = json.loads(meta["structure"])
    except (KeyError, json.JSONDecodeError) as e:
        raise _corrupt(where, f"the structure record is damaged ({e})") from None
    return _decode(structure, arrays, resolve, {}, where)


def _location_resolver(map_location):
    """A function (array name, host array, saved location) -> (device, device array), caching per array so that
    tensors which shared an array when saved share one after loading."""
    cache = {}
    if callable(map_location) and not isinstance(map_location, (str, Device)):
        def by_callable(name, arr, loc):
            if name not in cache:
                out = map_location(Tensor._wrap(arr, get_device("cpu")), loc)
                if out is None:  # torch: None restores to the saved location
                    dev = get_device(loc)
                    cache[name] = (dev, arr if dev.type == "cpu" else dev.xp.asarray(arr))
                elif isinstance(out, Tensor):
                    cache[name] = (out._device, out.data)
                elif isinstance(out, np.ndarray):
                    cache[name] = (get_device("cpu"), out)
                else:
                    raise TypeError(f"load: map_location returned a {type(out).__name__}; it must return a Tensor "
                                    "(the storage it was given, moved or not) or None")
            return cache[name]
        return by_callable
    if isinstance(map_location, dict):
        table = {str(k): v for k, v in map_location.items()}
        target = lambda loc: get_device(table.get(loc, loc))  # noqa: E731 - torch: unlisted locations stay put
    else:  # None (the default device), "cpu", "cuda:0", a Device or anything whose str() names one
        dev = get_device(map_location)
        target = lambda loc: dev  # noqa: E731

    def by_device(name, arr, loc):
        dev = target(loc)
        key = (name, str(dev))
        if key not in cache:
            cache[key] = (dev, arr if dev.type == "cpu" else dev.xp.asarray(arr))
        return cache[key]
    return by_device


def _tensor(placed, requires_grad, cls=Tensor):
    dev, arr = placed
    return cls._wrap(arr, dev, requires_grad and arr.dtype.kind == "f")


_TENSOR_KEYS = {"__tensor__", "requires_grad", "obj", "device", "parameter"}


def _decode(node, arrays, resolve, made, where):
    if isinstance(node, list):
        raise _corrupt(where, "unexpected list in the structure record")
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node and "requires_grad" in node and set(node) <= _TENSOR_KEYS \
            or len(node) == 1 and ("__ndarray__" in node or "__scalar__" in node):
        name = node.get("__tensor__", node.get("__ndarray__", node.get("__scalar__")))
        if name not in arrays:
            raise _corrupt(where, f"the structure refers to a missing array '{name}'")
        if "__tensor__" in node:
            # a Tensor saved twice comes back as one object, as with torch.save; files written before tensors
            # carried an "obj" identity keyed tensors by their array, which stays the rule for them
            key = ("obj", node["obj"]) if "obj" in node else ("array", name)
            if key not in made:
                cls = Tensor
                if node.get("parameter"):
                    from .nn.module import Parameter as cls  # noqa: PLC0415, N813
                made[key] = _tensor(resolve(name, arrays[name], str(node.get("device", "cpu"))),
                                    node["requires_grad"], cls)
            return made[key]
        if "__scalar__" in node:
            return arrays[name][()]
        return arrays[name]
    (kind, items), = node.items()
    if kind == "__float__":
        return float(items)
    if kind in ("__dict__", "__odict__"):
        out = OrderedDict() if kind == "__odict__" else {}
        for k, v in items:
            out[_decode_key(k)] = _decode(v, arrays, resolve, made, where)
        return out
    if kind == "__list__":
        return [_decode(v, arrays, resolve, made, where) for v in items]
    if kind == "__tuple__":
        return tuple(_decode(v, arrays, resolve, made, where) for v in items)
    raise _corrupt(where, f"unknown record {kind!r} in the structure")


def _decode_key(k):
    if isinstance(k, dict):
        (kind, v), = k.items()
        return float(v) if kind == "__float__" else tuple(_decode_key(x) for x in v)
    return k


__all__ = ["save", "load"]
