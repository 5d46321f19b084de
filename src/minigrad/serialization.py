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

from .backend import get_device
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


def _join(path, key):
    return f"{path}.{key}" if path else str(key)


def _encode(obj, path, w):
    if isinstance(obj, Tensor):
        if obj._ctx is not None:
            obj = obj.detach()
        host = obj.numpy() if obj._device.type == "cpu" else obj._device.xp.to_host(obj.data)
        return {"__tensor__": w.add(host, path, id(obj.data)), "requires_grad": bool(obj.requires_grad)}
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
    """Read what save() wrote (or any safetensors file, as a dict of tensors). `map_location` picks the device
    of the tensors. Raises RuntimeError naming the file when it is truncated or corrupt."""
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
        dev = get_device(map_location)
        return OrderedDict((k, _tensor(a, dev, False)) for k, a in arrays.items())
    end = max((int(info["data_offsets"][1]) for info in header.values()), default=0)
    if len(body) != end:
        raise _corrupt(where, f"{len(body)} bytes of data follow the header, the header describes {end}")
    if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
        raise _corrupt(where, "the data's SHA-256 does not match the header (the file was modified or damaged)")
    try:
        structure = json.loads(meta["structure"])
    except (KeyError, json.JSONDecodeError) as e:
        raise _corrupt(where, f"the structure record is damaged ({e})") from None
    return _decode(structure, arrays, get_device(map_location), {}, where)


def _tensor(arr, dev, requires_grad):
    if dev.type != "cpu":
        arr = dev.xp.asarray(arr)
    return Tensor._wrap(arr, dev, requires_grad and arr.dtype.kind == "f")


def _decode(node, arrays, dev, made, where):
    if isinstance(node, list):
        raise _corrupt(where, "unexpected list in the structure record")
    if not isinstance(node, dict):
        return node
    if len(node) == 2 and "__tensor__" in node or len(node) == 1 and ("__ndarray__" in node or "__scalar__" in node):
        name = node.get("__tensor__", node.get("__ndarray__", node.get("__scalar__")))
        if name not in arrays:
            raise _corrupt(where, f"the structure refers to a missing array '{name}'")
        if "__tensor__" in node:
            if name not in made:  # a tensor saved twice comes back as one object, as with torch.save
                made[name] = _tensor(arrays[name], dev, node["requires_grad"])
            return made[name]
        if "__scalar__" in node:
            return arrays[name][()]
        return arrays[name]
    (kind, items), = node.items()
    if kind == "__float__":
        return float(items)
    if kind in ("__dict__", "__odict__"):
        out = OrderedDict() if kind == "__odict__" else {}
        for k, v in items:
            out[_decode_key(k)] = _decode(v, arrays, dev, made, where)
        return out
    if kind == "__list__":
        return [_decode(v, arrays, dev, made, where) for v in items]
    if kind == "__tuple__":
        return tuple(_decode(v, arrays, dev, made, where) for v in items)
    raise _corrupt(where, f"unknown record {kind!r} in the structure")


def _decode_key(k):
    if isinstance(k, dict):
        (kind, v), = k.items()
        return float(v) if kind == "__float__" else tuple(_decode_key(x) for x in v)
    return k


__all__ = ["save", "load"]
