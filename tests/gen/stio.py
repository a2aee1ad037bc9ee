# SPDX-License-Identifier: MIT
"""Minimal safetensors reader/writer (dev-time; numpy, torch optional).

File layout: u64 little-endian header length L, L bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
then the raw little-endian tensor data; offsets are relative to the end of the header.

The header lists tensors in the order given; the data is laid out by decreasing
element size (stable), so each tensor is aligned to its element size, since
the header is padded with spaces to a multiple of 8 bytes as the reference
implementation does.  The same input always gives the same bytes.

Values may be numpy arrays or torch tensors.  BF16 has no numpy dtype: a torch
bfloat16 tensor is written as BF16, and `load` returns BF16 tensors as float32
(an exact widening) unless `as_torch=True`, which keeps the dtype.
"""
import json
import os
import struct

import numpy as np

# safetensors dtype tag -> little-endian numpy dtype of the stored bytes
_STORED = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_TAG_OF_NUMPY = {
    np.dtype("float32"): "F32",
    np.dtype("float16"): "F16",
    np.dtype("int32"): "I32",
    np.dtype("int64"): "I64",
    np.dtype("uint8"): "U8",
    np.dtype("bool"): "BOOL",
}
_MAX_HEADER = 100 * 1024 * 1024


class SafetensorsError(ValueError):
    pass


def _to_tagged_bytes(name, value):
    """(tag, shape, bytes) of a numpy array or torch tensor."""
    if hasattr(value, "detach"):  # torch tensor, imported lazily so numpy-only users need no torch
        import torch

        t = value.detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:
            return "BF16", list(t.shape), t.view(torch.int16).numpy().astype("<i2").tobytes()
        value = t.numpy()
    a = np.asarray(value)
    tag = _TAG_OF_NUMPY.get(a.dtype)
    if tag is None:
        raise SafetensorsError(f"tensor {name}: unsupported dtype {a.dtype}")
    return tag, list(a.shape), np.ascontiguousarray(a, dtype=_STORED[tag]).tobytes()


def dumps(tensors, metadata=None):
    """Bytes of a safetensors file holding `tensors` (dict name -> array) and `metadata` (str -> str)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise SafetensorsError(f"metadata {k!r}: keys and values must be strings")
        header["__metadata__"] = dict(metadata)
    entries = []
    for name, value in tensors.items():
        if name == "__metadata__":
            raise SafetensorsError("'__metadata__' is not a valid tensor name")
        entries.append((name,) + _to_tagged_bytes(name, value))
        header[name] = None  # keeps the given order in the header
    # data in decreasing element size (stable), so every tensor is aligned to its element size
    for name, tag, shape, data in sorted(entries, key=lambda e: -_STORED[e[1]].itemsize):
        header[name] = {"dtype": tag, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_atomically(path, write):
    """write(tmp) to a temporary file, then rename: an existing file is never left half-written."""
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save(path, tensors, metadata=None):
    blob = dumps(tensors, metadata)

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(blob)
    write_atomically(path, write)


def save_pth(obj, path):
    """torch.save, atomically."""
    import torch
    write_atomically(path, lambda tmp: torch.save(obj, tmp))


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise SafetensorsError(f"duplicate header keys {sorted(dup)}")
    return dict(pairs)


def loads(blob, as_torch=False, where="<bytes>"):
    """(tensors, metadata) from safetensors bytes; checks the header against the data."""
    if len(blob) < 8:
        raise SafetensorsError(f"{where}: truncated (no header length)")
    (hlen,) = struct.unpack("<Q", blob[:8])
    if hlen > _MAX_HEADER or 8 + hlen > len(blob):
        raise SafetensorsError(f"{where}: header length {hlen} exceeds the file size {len(blob)}")
    try:
        header = json.loads(blob[8 : 8 + hlen].decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, SafetensorsError) as e:
        raise SafetensorsError(f"{where}: bad JSON header ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{where}: header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(blob)[8 + hlen :]
    tensors = {}
    for name, info in header.items():
        try:
            tag, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorsError(f"{where}: tensor {name}: malformed header entry {info!r}") from None
        if tag not in _STORED:
            raise SafetensorsError(f"{where}: tensor {name}: unsupported dtype {tag}")
        want = int(np.prod(shape, dtype=np.int64)) * _STORED[tag].itemsize
        if not 0 <= begin <= end <= len(data) or end - begin != want:
            raise SafetensorsError(
                f"{where}: tensor {name} {tag}{shape}: data_offsets [{begin}, {end}] do not hold {want} bytes "
                f"within {len(data)} data bytes"
            )
        a = np.frombuffer(data[begin:end], dtype=_STORED[tag]).reshape(shape)
        tensors[name] = _from_stored(tag, a, as_torch)
    return tensors, metadata


def _from_stored(tag, a, as_torch):
    if as_torch:
        import torch

        if tag == "BF16":
            return torch.from_numpy(a.view("<i2").astype(np.int16)).view(torch.bfloat16)
        return torch.from_numpy(a.astype(a.dtype.newbyteorder("=")))
    if tag == "BF16":
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(a.dtype.newbyteorder("="))


def load(path, as_torch=False):
    """(tensors, metadata) of the file at `path`; tensors as numpy arrays (or torch with as_torch)."""
    with open(path, "rb") as f:
        return loads(f.read(), as_torch=as_torch, where=str(path))
