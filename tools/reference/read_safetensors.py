#!/usr/bin/env python3
"""An independent safetensors reader (and tiny writer) using only the json module and numpy.

It exists to check Moxing's dev.moxing.nn.io.SafeTensors against a second implementation that
shares no code with it (and needs neither torch nor the safetensors package):

    /usr/bin/python3 tools/reference/read_safetensors.py FILE...

prints, per tensor, its name, dtype, shape, the float64 sum and sum of squares of its values and
the SHA-256 of its raw bytes, after checking the header the way the format specifies (8-byte
little-endian header length, JSON header, offsets inside the data section, sizes matching shapes).

    /usr/bin/python3 tools/reference/read_safetensors.py --write-fixture PATH

writes the small file committed as moxing-nn/src/test/resources/fixtures/layers/numpy_written.safetensors,
which dev.moxing.nn.io.SafeTensorsTest must read: F32, F16, BF16 and I32 tensors whose values
the Java test recomputes (arange-based), metadata, and the tensors stored in an order different
from the header's key order (as the Hugging Face writer does: sorted by dtype size, then name).
"""

import hashlib
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2), "I32": ("<i4", 4), "I8": ("i1", 1),
          "F64": ("<f8", 8), "I64": ("<i8", 8), "U8": ("u1", 1)}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: too short" % path)
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise ValueError("%s: header length %d exceeds the file" % (path, n))
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    out = []
    for name, e in header.items():
        np_dtype, size = DTYPES[e["dtype"]]
        shape = e["shape"]
        begin, end = e["data_offsets"]
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= begin <= end <= len(data)) or end - begin != count * size:
            raise ValueError("%s: tensor %s has bad offsets %r" % (path, name, e["data_offsets"]))
        raw = data[begin:end]
        arr = np.frombuffer(raw, dtype=np_dtype).reshape(shape)
        if e["dtype"] == "BF16":  # numpy has no bfloat16: widen the top 16 bits of a float32
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out.append((name, e["dtype"], shape, arr.astype(np.float64), hashlib.sha256(raw).hexdigest()))
    return meta, out


def write_fixture(path):
    f32 = (np.arange(24, dtype=np.float32) * 0.25 - 3.0).reshape(2, 3, 4)
    f16 = (np.arange(6, dtype=np.float32) / 8.0 - 0.25).astype(np.float16).reshape(3, 2)
    bf16_values = np.array([1.0, -2.5, 0.15625, 1024.0, -0.0078125], dtype=np.float32)
    bf16 = (bf16_values.view(np.uint32) >> 16).astype(np.uint16)  # exact: all fit in 8 mantissa bits
    i32 = np.array([[7, -1, 2147483647], [-2147483648, 0, 42]], dtype=np.int32)
    scalar = np.array(3.5, dtype=np.float32)
    tensors = {"weights.f32": ("F32", f32), "half": ("F16", f16), "brain": ("BF16", bf16),
               "ids": ("I32", i32), "scalar": ("F32", scalar)}
    # Data order: by descending element size, then name (the reference writer's order), which differs
    # from the header's key order below, so a reader must honour the offsets.
    order = sorted(tensors, key=lambda k: (-tensors[k][1].dtype.itemsize, k))
    offsets, blob, pos = {}, b"", 0
    for name in order:
        raw = tensors[name][1].astype(tensors[name][1].dtype.newbyteorder("<")).tobytes()
        offsets[name] = [pos, pos + len(raw)]
        blob += raw
        pos += len(raw)
    header = {"__metadata__": {"format": "pt", "writer": "numpy"}}
    for name in ["weights.f32", "half", "brain", "ids", "scalar"]:
        dtype, arr = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": offsets[name]}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (len(text) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob)
    print("wrote %s (%d bytes)" % (path, 8 + len(text) + len(blob)))


def main(argv):
    if len(argv) == 3 and argv[1] == "--write-fixture":
        write_fixture(argv[2])
        return
    if len(argv) < 2:
        print(__doc__)
        sys.exit(2)
    for path in argv[1:]:
        meta, tensors = read(path)
        print("%s: %d tensors, metadata %s" % (path, len(tensors), json.dumps(meta, sort_keys=True)))
        for name, dtype, shape, arr, digest in tensors:
            print("  %-24s %-4s %-16s sum=%.9g sumsq=%.9g sha256=%s"
                  % (name, dtype, "(" + ", ".join(map(str, shape)) + ")", arr.sum(), (arr * arr).sum(), digest[:16]))


if __name__ == "__main__":
    main(sys.argv)
