#!/usr/bin/env python3
"""An independent numpy reference for GGUF Llama models: reader, dequantizers, float64 forward.

Run from the repository root with the system interpreter (numpy only; no `gguf` package, no
llama.cpp, no PyTorch):

    /usr/bin/python3 tools/reference/gguf_reference.py --check        # self-checks (below)
    /usr/bin/python3 tools/reference/gguf_reference.py --write        # self-checks, then fixtures
    /usr/bin/python3 tools/reference/gguf_reference.py --dump FILE    # print header and tensor table

--write writes moxing-llm/src/test/resources/reference/gguf/<model>.json and <model>.npy, replayed
by dev.moxing.llm.format.GgufReferenceTest. Deterministic: two runs give byte-identical files.

Reader (GGUF v2 and v3, little-endian; v1 is refused):
    magic "GGUF", u32 version, u64 tensor_count, u64 kv_count
    kv_count x (string key, u32 value_type, value)
        value types 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string (u64 length +
        UTF-8 bytes), 9 array (u32 element type, u64 count, elements; arrays may nest),
        10 u64, 11 i64, 12 f64
    tensor_count x (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset)
    padding to general.alignment (default 32), then the data; offsets are relative to that point.
    ne[0] is the fastest-varying dimension: a matrix with ne = [in, out] is `out` rows of `in`
    values, i.e. numpy shape (out, in), and y = x W^T.

Dequantizers: ggml's dequantize_row_* (ggml-quants.c) for F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1,
Q8_0, Q2_K, Q3_K, Q4_K, Q5_K and Q6_K, vectorised over blocks. Every float operation that ggml
does in C float is done here in numpy float32 in the same order (d1 = d * sc, then d1 * q - m1,
no FMA), so the dequantized weights are bit-identical to ggml's (non-FMA build).

Forward (llama.cpp's graph for arch "llama", LLAMA_ROPE_TYPE_NORM), in float64 on the dequantized
float32 weights, positions 0..T-1, no KV cache (the causal mask makes row t depend on tokens 0..t
only, so one pass gives every prefix's next-token logits):
    x = token_embd[ids]
    per block: h = rms(x) * attn_norm ; q = h Wq^T, k = h Wk^T, v = h Wv^T ; heads of D = C / H
               RoPE on q and k: lanes (2i, 2i+1) of each head are rotated by
                 theta_i = pos * freq_base^(-2i/D)   (freq_base = llama.rope.freq_base, 10000)
                 (a, b) -> (a cos - b sin, a sin + b cos)
               query head h reads kv head h // (H / H_kv)
               att = softmax(q k^T / sqrt(D) + causal mask) v ; x += att Wo^T
               h = rms(x) * ffn_norm ; x += (silu(h Wgate^T) * (h Wup^T)) Wdown^T
    logits = (rms(x) * output_norm) Wout^T, Wout = output.weight or, when absent, token_embd
    rms(x) = x / sqrt(mean(x^2) + eps), eps = llama.attention.layer_norm_rms_epsilon (1e-5)

Self-checks (--check; all are asserted):
  * every tensor of stories260K.gguf equals, bit for bit, the same tensor of the llama2.c
    checkpoint stories260K.bin (which this script reads with its own 7-int header parser);
  * greedy decoding from BOS with this forward (full prefix per step) reproduces the first 32 ids
    of stories260K/greedy_t0_n256_ids.txt (what llama2.c's run.c and llama.cpp print);
  * the dequantizers reproduce moxing-core's quant fixtures (moxing-core/src/test/resources/
    fixtures/quant/<TYPE>.bin, written by make_quant_fixtures.py from ggml's formulas run
    element by element) bit for bit, for every type both implement;
  * a per-position, per-head loop with a KV cache gives the same logits as the batched forward.

Fixture files (<model>.json, compact, one key per line; floats are float32 values written as the
shortest decimal that reads back to the same float32):
    model, file, sha256 (of the .gguf), types {ggml type: tensor count}, config {...}
    ids              the prompt, T ids starting with BOS 1
    full             true: <model>.npy holds all logits, float32 (T, V);
                     false: it holds the last position's logits, float32 (V,)
    top_ids, top_logits   per position, the 20 largest logits (descending; ties by lower id)
    margin           per position, top-1 minus top-2 logit (float64, before rounding)
    sum, sumsq, sumabs    per position, sum of logits, of their squares and of |logit| (float64)
    max_abs          max |logit| over all positions: the scale of the tolerance
    f32_err          numpy's float32 forward (same graph, float32 math) against the float64 one,
                     as max |diff| / (max_abs + |logit|): pure float32 rounding noise
    halves_rope_err  the same for a forward with the wrong RoPE pairing (lane i with i + D/2)
The script asserts f32_err < TOL / 10 and halves_rope_err > 10 TOL, TOL = 1e-5 being
GgufReferenceTest's tolerance: each logit within TOL * (max_abs + |logit|). (A tolerance relative
to 1 + |logit| would not do: llama-2-tiny-random's logits are below 0.3, and there the wrong RoPE
pairing moves them by only ~4e-5.)
"""
import argparse
import hashlib
import json
import mmap
import os
import struct
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RES = os.path.join(ROOT, "moxing-llm/src/test/resources")
OUT = os.path.join(RES, "reference/gguf")
QUANT_FIXTURES = os.path.join(ROOT, "moxing-core/src/test/resources/fixtures/quant")
STORIES = os.path.join(RES, "models/stories260K")
TINY = os.path.join(RES, "models/llama-2-tiny-random/llama-2-tiny-random.gguf")


def shared(rel):
    for base in (os.path.join(ROOT, "..", "shared", "data"), os.path.join(ROOT, "..", "..", "shared", "data")):
        p = os.path.normpath(os.path.join(base, rel))
        if os.path.exists(p):
            return p
    return None


# --------------------------------------------------------------------------------------------
# GGUF reader
# --------------------------------------------------------------------------------------------

GGML_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
              10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 30: "BF16"}
# type -> (elements per block, bytes per block)
BLOCK = {"F32": (1, 4), "F16": (1, 2), "BF16": (1, 2), "Q4_0": (32, 18), "Q4_1": (32, 20),
         "Q5_0": (32, 22), "Q5_1": (32, 24), "Q8_0": (32, 34), "Q2_K": (256, 84), "Q3_K": (256, 110),
         "Q4_K": (256, 144), "Q5_K": (256, 176), "Q6_K": (256, 210)}
SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 10: "<Q", 11: "<q", 12: "<d"}


class Gguf:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as fh:
            self.buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        self.pos = 0
        if self.buf[:4] != b"GGUF":
            raise ValueError("%s: not a GGUF file (magic %r)" % (path, bytes(self.buf[:4])))
        self.pos = 4
        self.version = self._u("<I")
        if self.version not in (2, 3):
            raise ValueError("%s: GGUF version %d is not supported" % (path, self.version))
        n_tensors, n_kv = self._u("<Q"), self._u("<Q")
        self.meta, self.types = {}, {}  # types: each key's GGUF value type
        for _ in range(n_kv):
            key = self._str()
            if key in self.meta:
                raise ValueError("duplicate key " + key)
            self.types[key] = self._u("<I")
            self.meta[key] = self._value(self.types[key])
        self.alignment = int(self.meta.get("general.alignment", 32))
        self.tensors = {}
        for _ in range(n_tensors):
            name = self._str()
            nd = self._u("<I")
            ne = [self._u("<Q") for _ in range(nd)]
            tcode = self._u("<I")
            off = self._u("<Q")
            if tcode not in GGML_TYPES:
                raise ValueError("%s: tensor %s has unknown ggml type %d" % (path, name, tcode))
            self.tensors[name] = (GGML_TYPES[tcode], ne, off)
        self.data = (self.pos + self.alignment - 1) // self.alignment * self.alignment
        for name, (t, ne, off) in self.tensors.items():
            n = int(np.prod(ne))
            per, nbytes = BLOCK.get(t, (None, None))
            if per is None:
                continue
            if off % self.alignment or ne[0] % per or self.data + off + n // per * nbytes > len(self.buf):
                raise ValueError("%s: tensor %s (%s %s @ %d) is misaligned or out of bounds" % (path, name, t, ne, off))

    def _u(self, fmt):
        v = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return v

    def _str(self):
        n = self._u("<Q")
        s = bytes(self.buf[self.pos:self.pos + n]).decode("utf-8")
        self.pos += n
        return s

    def _value(self, t):
        if t in SCALARS:
            return self._u(SCALARS[t])
        if t == 7:
            b = self._u("<B")
            if b > 1:
                raise ValueError("bool value %d" % b)
            return bool(b)
        if t == 8:
            return self._str()
        if t == 9:
            et, n = self._u("<I"), self._u("<Q")
            if et in SCALARS and et != 7:  # numeric arrays: one frombuffer instead of n unpacks
                dt = np.dtype(SCALARS[et])
                a = np.frombuffer(self.buf, dtype=dt, count=n, offset=self.pos).copy()
                self.pos += n * dt.itemsize
                return a
            return [self._value(et) for _ in range(n)]
        raise ValueError("unknown metadata value type %d" % t)

    def raw(self, name):
        t, ne, off = self.tensors[name]
        per, nbytes = BLOCK[t]
        n = int(np.prod(ne))
        start = self.data + off
        return t, ne, np.frombuffer(self.buf, dtype=np.uint8, count=n // per * nbytes, offset=start)

    def tensor(self, name):
        """float32 array, numpy shape = reversed(ne): (out, in) for a matrix."""
        t, ne, raw = self.raw(name)
        return dequantize(t, raw, int(np.prod(ne))).reshape(tuple(reversed(ne)))


# --------------------------------------------------------------------------------------------
# Dequantization (ggml-quants.c dequantize_row_*), vectorised over blocks
# --------------------------------------------------------------------------------------------

F = np.float32


def _f16(b):  # (nb, 2) uint8 -> (nb, 1) float32
    return np.ascontiguousarray(b).view("<f2").astype(F)


def _scale_min_k4(sc):
    """ggml get_scale_min_k4 for j = 0..7: sc (nb, 12) uint8 -> (nb, 8) scales and mins (6-bit)."""
    sc = sc.astype(np.int32)
    d = np.empty((sc.shape[0], 8), np.int32)
    m = np.empty_like(d)
    d[:, :4] = sc[:, 0:4] & 63
    m[:, :4] = sc[:, 4:8] & 63
    d[:, 4:] = (sc[:, 8:12] & 0xF) | ((sc[:, 0:4] >> 6) << 4)
    m[:, 4:] = (sc[:, 8:12] >> 4) | ((sc[:, 4:8] >> 6) << 4)
    return d.astype(F), m.astype(F)


def dequantize(t, raw, n):
    if t == "F32":
        return raw.view("<f4").astype(F)
    if t == "F16":
        return raw.view("<f2").astype(F)
    if t == "BF16":
        return (raw.view("<u2").astype(np.uint32) << 16).view(F)
    per, nbytes = BLOCK[t]
    b = raw.reshape(-1, nbytes)
    nb = b.shape[0]
    if t in ("Q4_0", "Q4_1", "Q5_0", "Q5_1"):
        hasmin = t in ("Q4_1", "Q5_1")
        d = _f16(b[:, 0:2])
        m = _f16(b[:, 2:4]) if hasmin else None
        o = 4 if hasmin else 2
        if t in ("Q5_0", "Q5_1"):
            qh = np.ascontiguousarray(b[:, o:o + 4]).view("<u4").astype(np.int64)  # (nb, 1)
            o += 4
        qs = b[:, o:o + 16].astype(np.int32)
        q = np.concatenate([qs & 0xF, qs >> 4], axis=1)  # element j and j + 16
        if t in ("Q5_0", "Q5_1"):
            q = q | ((((qh >> np.arange(32)) & 1) << 4).astype(np.int32))
        if t == "Q4_0":
            q = q - 8
        if t == "Q5_0":
            q = q - 16
        y = q.astype(F) * d
        if hasmin:
            y = y + m
        return y.reshape(-1)
    if t == "Q8_0":
        return (b[:, 2:34].view(np.int8).astype(F) * _f16(b[:, 0:2])).reshape(-1)
    if t == "Q4_K" or t == "Q5_K":
        d, dmin = _f16(b[:, 0:2]), _f16(b[:, 2:4])
        sc, mn = _scale_min_k4(b[:, 4:16])
        d_s, m_s = d * sc, dmin * mn  # (nb, 8): sub-block j of 32
        qs = b[:, 16:144] if t == "Q4_K" else b[:, 48:176]
        qs = qs.reshape(nb, 4, 32).astype(np.int32)  # chunk c holds sub-blocks 2c (low), 2c+1 (high)
        q = np.stack([qs & 0xF, qs >> 4], axis=2).reshape(nb, 8, 32)
        if t == "Q5_K":
            qh = b[:, 16:48].astype(np.int32)  # (nb, 32): bit j of qh[l] is the high bit of sub-block j
            q = q + (((qh[:, None, :] >> np.arange(8)[None, :, None]) & 1) << 4)
        y = d_s[:, :, None] * q.astype(F) - m_s[:, :, None]
        return y.reshape(-1)
    if t == "Q6_K":
        ql = b[:, 0:128].reshape(nb, 2, 64).astype(np.int32)
        qh = b[:, 128:192].reshape(nb, 2, 32).astype(np.int32)
        sc = b[:, 192:208].view(np.int8).astype(F).reshape(nb, 2, 8)
        d = _f16(b[:, 208:210]).reshape(nb, 1, 1)
        q = np.stack([(ql[:, :, 0:32] & 0xF) | (((qh >> 0) & 3) << 4),
                      (ql[:, :, 32:64] & 0xF) | (((qh >> 2) & 3) << 4),
                      (ql[:, :, 0:32] >> 4) | (((qh >> 4) & 3) << 4),
                      (ql[:, :, 32:64] >> 4) | (((qh >> 6) & 3) << 4)], axis=2) - 32  # (nb, 2, 4, 32)
        # y[l + 32 k] of half n uses sc[8 n + 2 k + l // 16]; ggml: d * sc * q, left to right
        s = sc.reshape(nb, 2, 4, 2)[:, :, :, :, None]  # [n, k, l // 16]
        ds = (d[:, :, :, None, None] * s)  # (nb, 2, 4, 2, 1)
        y = ds * q.reshape(nb, 2, 4, 2, 16).astype(F)
        return y.reshape(-1)
    if t == "Q2_K":
        sc = b[:, 0:16].astype(np.int32)
        qs = b[:, 16:80].reshape(nb, 2, 32).astype(np.int32)
        d, dmin = _f16(b[:, 80:82]), _f16(b[:, 82:84])
        dl = (d * (sc & 0xF).astype(F)).reshape(nb, 2, 4, 2, 1)  # scale index 8 n + 2 j + (l >= 16)
        ml = (dmin * (sc >> 4).astype(F)).reshape(nb, 2, 4, 2, 1)
        q = (qs[:, :, None, :] >> (2 * np.arange(4))[None, None, :, None]) & 3  # (nb, 2, 4 shifts, 32)
        y = dl * q.reshape(nb, 2, 4, 2, 16).astype(F) - ml
        return y.reshape(-1)
    if t == "Q3_K":
        hm = b[:, 0:32].astype(np.int32)
        qs = b[:, 32:96].reshape(nb, 2, 32).astype(np.int32)
        a = np.ascontiguousarray(b[:, 96:108]).view("<u4").astype(np.int64)  # (nb, 3)
        k1, k2 = 0x03030303, 0x0F0F0F0F
        aux = np.stack([(a[:, 0] & k2) | (((a[:, 2] >> 0) & k1) << 4),
                        (a[:, 1] & k2) | (((a[:, 2] >> 2) & k1) << 4),
                        ((a[:, 0] >> 4) & k2) | (((a[:, 2] >> 4) & k1) << 4),
                        ((a[:, 1] >> 4) & k2) | (((a[:, 2] >> 6) & k1) << 4)], axis=1).astype("<u4")
        scales = aux.view(np.int8).astype(np.int32)  # (nb, 16)
        d = _f16(b[:, 108:110])
        dl = (d * (scales - 32).astype(F)).reshape(nb, 2, 4, 2, 1)
        shift = (2 * np.arange(4))[None, None, :, None]
        low = (qs[:, :, None, :] >> shift) & 3  # (nb, 2, 4, 32)
        bit = (np.arange(2)[:, None] * 4 + np.arange(4)[None, :])  # hmask bit 4 n + j
        high = (hm[:, None, None, :] >> bit[None, :, :, None]) & 1
        q = low - np.where(high == 1, 0, 4)
        y = dl * q.reshape(nb, 2, 4, 2, 16).astype(F)
        return y.reshape(-1)
    raise ValueError("no dequantizer for " + t)


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------

def load_llama(g):
    m = g.meta
    arch = m["general.architecture"]
    if arch != "llama":
        raise ValueError("architecture %r is not llama" % arch)
    p = arch + "."
    cfg = {"width": int(m[p + "embedding_length"]), "layers": int(m[p + "block_count"]),
           "heads": int(m[p + "attention.head_count"]),
           "kv_heads": int(m.get(p + "attention.head_count_kv", m[p + "attention.head_count"])),
           "hidden": int(m[p + "feed_forward_length"]),
           "eps": float(np.float32(m.get(p + "attention.layer_norm_rms_epsilon", 1e-5))),
           "freq_base": float(np.float32(m.get(p + "rope.freq_base", 10000.0)))}
    D = cfg["width"] // cfg["heads"]
    if m.get(p + "rope.dimension_count", D) != D:
        raise ValueError("partial rotary is not modelled here")
    f64 = lambda name: g.tensor(name).astype(np.float64)
    w = {"tok": f64("token_embd.weight"), "norm": f64("output_norm.weight")}
    cfg["vocab"] = w["tok"].shape[0]
    cfg["tied"] = "output.weight" not in g.tensors
    w["out"] = w["tok"] if cfg["tied"] else f64("output.weight")
    w["blocks"] = []
    for i in range(cfg["layers"]):
        b = "blk.%d." % i
        w["blocks"].append({k: f64(b + k + ".weight") for k in
                            ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                             "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")})
    return cfg, w


def rms(x, wt, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * wt


def rope(x, pos, base, halves=False):
    """x (T, heads, D); rotate adjacent pairs (2i, 2i+1) by pos * base^(-2i/D).

    halves=True pairs lane i with i + D/2 instead (NEOX / Hugging Face rotate_half): the wrong
    convention for these files, used only to show that the fixtures tell the two apart."""
    D = x.shape[-1]
    theta = pos[:, None] * base ** (-np.arange(0, D, 2, dtype=np.float64) / D)  # (T, D/2)
    c, s = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
    lo, hi = (slice(0, D // 2), slice(D // 2, D)) if halves else (slice(0, D, 2), slice(1, D, 2))
    a, b = x[..., lo], x[..., hi]
    out = np.empty_like(x)
    out[..., lo] = a * c - b * s
    out[..., hi] = a * s + b * c
    return out


def forward(cfg, w, ids, dtype=np.float64, halves=False):
    """Logits (T, V) for positions 0..T-1 (causal), computed in `dtype`."""
    cast = lambda a: a.astype(dtype)
    H, Hkv, C = cfg["heads"], cfg["kv_heads"], cfg["width"]
    D, T, eps = C // H, len(ids), dtype(cfg["eps"])
    pos = np.arange(T, dtype=dtype)
    x = cast(w["tok"][np.asarray(ids)])
    mask = np.triu(np.full((T, T), -np.inf, dtype=dtype), 1)
    for blk in w["blocks"]:
        h = rms(x, cast(blk["attn_norm"]), eps)
        q = rope((h @ cast(blk["attn_q"]).T).reshape(T, H, D), pos, dtype(cfg["freq_base"]), halves)
        k = rope((h @ cast(blk["attn_k"]).T).reshape(T, Hkv, D), pos, dtype(cfg["freq_base"]), halves)
        v = (h @ cast(blk["attn_v"]).T).reshape(T, Hkv, D)
        kv = np.arange(H) // (H // Hkv)
        att = np.einsum("thd,shd->hts", q, k[:, kv]) / np.sqrt(dtype(D)) + mask
        att = np.exp(att - att.max(axis=-1, keepdims=True))
        att = att / att.sum(axis=-1, keepdims=True)
        o = np.einsum("hts,shd->thd", att, v[:, kv]).reshape(T, C)
        x = x + o @ cast(blk["attn_output"]).T
        h = rms(x, cast(blk["ffn_norm"]), eps)
        g = h @ cast(blk["ffn_gate"]).T
        x = x + ((g / (1 + np.exp(-g))) * (h @ cast(blk["ffn_up"]).T)) @ cast(blk["ffn_down"]).T
    return rms(x, cast(w["norm"]), eps) @ cast(w["out"]).T


def forward_loop(cfg, w, ids):
    """The same model written as token-by-token decoding with a KV cache, per head, in float64."""
    H, Hkv, C = cfg["heads"], cfg["kv_heads"], cfg["width"]
    D, L = C // H, cfg["layers"]
    kc = [[] for _ in range(L)]
    vc = [[] for _ in range(L)]
    out = []
    for p, tok in enumerate(ids):
        x = w["tok"][tok].copy()
        for li, blk in enumerate(w["blocks"]):
            h = x / np.sqrt(np.dot(x, x) / C + cfg["eps"]) * blk["attn_norm"]
            q, k, v = blk["attn_q"] @ h, blk["attn_k"] @ h, blk["attn_v"] @ h
            for vec in (q, k):
                for i in range(0, len(vec), 2):
                    j = i % D
                    th = p * cfg["freq_base"] ** (-j / D)
                    a, b = vec[i], vec[i + 1]
                    vec[i], vec[i + 1] = a * np.cos(th) - b * np.sin(th), a * np.sin(th) + b * np.cos(th)
            kc[li].append(k)
            vc[li].append(v)
            o = np.zeros(C)
            for hh in range(H):
                g = hh // (H // Hkv)
                qs = q[hh * D:(hh + 1) * D]
                sc = np.array([np.dot(qs, kk[g * D:(g + 1) * D]) for kk in kc[li]]) / np.sqrt(D)
                e = np.exp(sc - sc.max())
                e /= e.sum()
                o[hh * D:(hh + 1) * D] = sum(e[s] * vc[li][s][g * D:(g + 1) * D] for s in range(p + 1))
            x = x + blk["attn_output"] @ o
            h = x / np.sqrt(np.dot(x, x) / C + cfg["eps"]) * blk["ffn_norm"]
            gt = blk["ffn_gate"] @ h
            x = x + blk["ffn_down"] @ (gt / (1 + np.exp(-gt)) * (blk["ffn_up"] @ h))
        out.append(w["out"] @ (x / np.sqrt(np.dot(x, x) / C + cfg["eps"]) * w["norm"]))
    return np.array(out)


# --------------------------------------------------------------------------------------------
# Self-checks
# --------------------------------------------------------------------------------------------

def read_llama2c(path):
    """llama2.c legacy checkpoint: 7 int32 header, float32 weights in run.c order."""
    raw = open(path, "rb").read()
    dim, hidden, L, H, Hkv, vocab, seq = struct.unpack_from("<7i", raw, 0)
    shared_cls = vocab > 0
    vocab = abs(vocab)
    a = np.frombuffer(raw, dtype="<f4", offset=28)
    D = dim // H
    o = 0

    def take(*shape):
        nonlocal o
        n = int(np.prod(shape))
        r = a[o:o + n].reshape(shape)
        o += n
        return r

    w = {"token_embd.weight": take(vocab, dim)}
    parts = [("attn_norm", (dim,)), ("attn_q", (dim, dim)), ("attn_k", (Hkv * D, dim)),
             ("attn_v", (Hkv * D, dim)), ("attn_output", (dim, dim)), ("ffn_norm", (dim,)),
             ("ffn_gate", (hidden, dim)), ("ffn_down", (dim, hidden)), ("ffn_up", (hidden, dim))]
    for name, shape in parts:
        for i in range(L):
            w["blk.%d.%s.weight" % (i, name)] = take(*shape)
    w["output_norm.weight"] = take(dim)
    take(seq, D // 2)  # freq_cis_real
    take(seq, D // 2)  # freq_cis_imag
    if not shared_cls:
        w["output.weight"] = take(vocab, dim)
    assert o == a.size, (o, a.size)
    return w


def check_against_llama2c():
    g = Gguf(os.path.join(STORIES, "stories260K.gguf"))
    ref = read_llama2c(os.path.join(STORIES, "stories260K.bin"))
    for name, arr in ref.items():
        got = g.tensor(name)
        assert got.shape == arr.shape and np.array_equal(got.view(np.uint32), arr.view(np.uint32)), name
    extra = sorted(set(g.tensors) - set(ref))
    for name in extra:  # a converter may store the tied classifier explicitly
        assert name == "output.weight" and np.array_equal(g.tensor(name), ref["token_embd.weight"]), name
    print("stories260K.gguf: %d tensors equal stories260K.bin bit for bit%s"
          % (len(ref), " (+ output.weight = token_embd)" if extra else ""))


def check_greedy():
    g = Gguf(os.path.join(STORIES, "stories260K.gguf"))
    cfg, w = load_llama(g)
    want = [int(s) for s in open(os.path.join(STORIES, "greedy_t0_n256_ids.txt")).read().split()]
    ids = [want[0]]
    for _ in range(32):  # full prefix each step
        ids.append(int(np.argmax(forward(cfg, w, ids)[-1])))
    assert ids == want[:33], (ids, want[:33])
    print("stories260K.gguf: greedy from BOS reproduces the first 32 reference ids")


def check_loop(cfg, w, ids, name):
    a, b = forward(cfg, w, ids), forward_loop(cfg, w, ids)
    err = np.max(np.abs(a - b))
    assert err < 1e-9 * (1 + np.max(np.abs(a))), (name, err)
    print("%s: KV-cache loop forward equals the batched forward (max diff %.1e)" % (name, err))


def check_quant_fixtures():
    if not os.path.isdir(QUANT_FIXTURES):
        print("(moxing-core quant fixtures absent: dequantizer cross-check skipped)")
        return
    done = []
    for t in sorted(BLOCK):
        path = os.path.join(QUANT_FIXTURES, t + ".bin")
        if not os.path.exists(path) or t == "F32":
            continue
        raw = open(path, "rb").read()
        kind, n = struct.unpack_from("<ii", raw, 0)
        o = 8 + (4 * n if kind == 0 else 0)
        nbytes = struct.unpack_from("<i", raw, o)[0]
        q = np.frombuffer(raw, dtype=np.uint8, count=nbytes, offset=o + 4)
        want = np.frombuffer(raw, dtype="<f4", count=n, offset=o + 4 + nbytes)
        got = dequantize(t, q, n)
        bad = np.flatnonzero(got.view(np.uint32) != want.view(np.uint32))
        assert bad.size == 0, "%s: element %d: %r != %r" % (t, bad[0], got[bad[0]], want[bad[0]])
        done.append(t)
    print("dequantizers equal moxing-core's quant fixtures bit for bit: " + " ".join(done))


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------

LLAMA_PROMPT = [1, 9038, 2501, 263, 931, 29892, 727, 471]  # "Once upon a time, there was" (Llama SPM)
STORIES_PROMPT = [1, 403, 407, 261, 378, 304, 30, 22]       # arbitrary ids below 512, BOS first
TOP = 20
TOL = 1e-5  # GgufReferenceTest.TOL: each logit within TOL * (max_abs + |logit|)


def f32s(v):
    v = np.float32(v)
    s = np.format_float_positional(v, unique=True, trim="-") if 1e-4 <= abs(v) < 1e6 or v == 0 \
        else np.format_float_scientific(v, unique=True, trim="-")
    assert np.float32(float(s)) == v, (s, v)
    return s


def f64s(v):
    return repr(float(v))


def make_fixture(name, path, ids, full):
    g = Gguf(path)
    cfg, w = load_llama(g)
    logits = forward(cfg, w, ids)
    scale = float(np.max(np.abs(logits)))
    err = lambda other: float(np.max(np.abs(other - logits) / (scale + np.abs(logits))))
    f32_err = err(forward(cfg, w, ids, np.float32).astype(np.float64))
    halves_err = err(forward(cfg, w, ids, halves=True))
    # the tolerance sits well above float32 noise and well below the wrong rotary convention
    assert f32_err < TOL / 10 and halves_err > 10 * TOL, (name, f32_err, halves_err)
    if cfg["vocab"] <= 1000:
        check_loop(cfg, w, ids, name)
    T, V = logits.shape
    order = np.stack([np.lexsort((np.arange(V), -row)) for row in logits])[:, :TOP]  # desc, ties by id
    top = np.take_along_axis(logits, order, axis=1)
    srt = np.sort(logits, axis=1)
    margin = srt[:, -1] - srt[:, -2]
    types = {}
    for t, _, _ in g.tensors.values():
        types[t] = types.get(t, 0) + 1
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    rel = os.path.relpath(path, ROOT) if os.path.abspath(path).startswith(ROOT) else \
        "../shared/data/" + os.path.relpath(path, shared("."))
    lines = ['{',
             '"model":%s,' % json.dumps(name),
             '"file":%s,' % json.dumps(rel),
             '"sha256":%s,' % json.dumps(sha),
             '"types":%s,' % json.dumps(dict(sorted(types.items())), separators=(",", ":")),
             '"config":%s,' % json.dumps(cfg, separators=(",", ":")),
             '"ids":%s,' % json.dumps(ids),
             '"full":%s,' % json.dumps(full),
             '"top_ids":%s,' % json.dumps(order.tolist(), separators=(",", ":")),
             '"top_logits":[%s],' % ",".join("[" + ",".join(f32s(v) for v in r) + "]" for r in top),
             '"margin":[%s],' % ",".join(f64s(v) for v in margin),
             '"sum":[%s],' % ",".join(f64s(v) for v in logits.sum(axis=1)),
             '"sumsq":[%s],' % ",".join(f64s(v) for v in (logits * logits).sum(axis=1)),
             '"sumabs":[%s],' % ",".join(f64s(v) for v in np.abs(logits).sum(axis=1)),
             '"max_abs":%s,' % f64s(scale),
             '"f32_err":%s,' % f64s(f32_err),
             '"halves_rope_err":%s' % f64s(halves_err),
             '}']
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    arr = logits.astype("<f4") if full else logits[-1].astype("<f4")
    np.save(os.path.join(OUT, name + ".npy"), arr, allow_pickle=False)
    back = json.load(open(os.path.join(OUT, name + ".json")))
    assert np.array_equal(np.array(back["top_logits"], dtype=np.float32), top.astype(np.float32))
    assert np.array_equal(np.load(os.path.join(OUT, name + ".npy")), arr)
    print("%-20s %s\n    T=%d V=%d types=%s  max|logit| %.3g  min top-1 margin %.3g  float32 forward err %.2e"
          "  halves-RoPE err %.2e  (errors: max |d| / (max|logit| + |logit|))"
          % (name, rel, T, V, types, scale, margin.min(), f32_err, halves_err))


def dump(path):
    g = Gguf(path)
    print("GGUF v%d, %d keys, %d tensors, alignment %d, data at %d"
          % (g.version, len(g.meta), len(g.tensors), g.alignment, g.data))
    for k, v in g.meta.items():
        s = repr(v) if not isinstance(v, (list, np.ndarray)) else "[%d items] %r" % (len(v), list(v[:5]))
        print("  %s = %s" % (k, s[:120]))
    for name, (t, ne, off) in g.tensors.items():
        print("  %-28s %-5s %-16s @%d" % (name, t, ne, off))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--dump")
    a = ap.parse_args()
    if a.dump:
        dump(a.dump)
        return
    if not (a.check or a.write):
        ap.error("give --check, --write or --dump FILE")
    check_quant_fixtures()
    check_against_llama2c()
    check_greedy()
    if not a.write:
        return
    make_fixture("stories260K", os.path.join(STORIES, "stories260K.gguf"), STORIES_PROMPT, True)
    make_fixture("llama-2-tiny-random", TINY, LLAMA_PROMPT, False)
    for q in ("Q8_0", "Q4_0"):
        p = shared("random-llama/stories15M-%s.gguf" % q)
        if p is None:
            sys.exit("../shared/data/random-llama/stories15M-%s.gguf is absent" % q)
        make_fixture("stories15M-" + q, p, LLAMA_PROMPT, False)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("wrote %s: %d files, %d bytes" % (os.path.relpath(OUT, ROOT), len(os.listdir(OUT)), total))


if __name__ == "__main__":
    main()
