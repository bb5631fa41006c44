#!/usr/bin/env python3
"""Reference fixtures for ggml block quantization (numpy only, independent of the Java code).

Run from the repository root:

    /usr/bin/python3 tools/reference/make_quant_fixtures.py

Writes moxing-core/src/test/resources/fixtures/quant/<TYPE>.bin (and <TYPE>-quantized.bin for the
K-quants: kind 0, rows quantized by the K-quant reference quantizers), replayed by
dev.moxing.kernels.quant.QuantFixturesTest. Deterministic (fixed seeds).

The formulas are ggml's published quantize_row_*_ref / dequantize_row_* (ggml-quants.c), done
step by step in float32 (each numpy float32 operation rounds like one C float operation without
FMA contraction). f32 -> f16 is numpy's round-to-nearest-even conversion (as GGML_FP32_TO_FP16),
f32 -> bf16 is ggml's bit formula.

The K-quant quantizers (quantize_row_q{2,3,4,5,6}_K_ref: make_qkx2_quants, make_qx_quants,
make_q3_quants, no importance matrix) are written vectorised where C's steps are elementwise (each
numpy float32 array operation rounds per element exactly like the C loop body) and with explicit
left-to-right float32 accumulation where C sums (numpy's own sum is pairwise, which rounds
differently). nearest_int is ggml's magic-number trick, ties to even.

File format (little-endian):
    int32 kind        0: quantized from the float input below; 1: random valid blocks (K-quants)
    int32 n           elements
    f32[n] input      only when kind == 0
    int32 nbytes
    u8[nbytes]        the quantized bytes (ggml's for kind 0; the random blocks for kind 1)
    f32[n] expected   dequantized values
"""
import math
import os
import struct

import numpy as np

F = np.float32
OUT = "moxing-core/src/test/resources/fixtures/quant"
QK_K = 256


def f16_bytes(v):
    return np.array([F(v)], dtype=np.float32).astype(np.float16).tobytes()


def f16_val(b, off):
    return F(np.frombuffer(b[off:off + 2], dtype=np.float16)[0])


def bf16_bits(v):
    u = int(np.array([v], dtype=np.float32).view(np.uint32)[0])
    if (u & 0x7FFFFFFF) > 0x7F800000:
        return (u >> 16) | 64
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) & 0xFFFF


def roundf(v):  # C roundf: halves away from zero
    r = math.floor(abs(float(v)) + 0.5)
    return int(-r if v < 0 else r)


def trunc(v):  # C float -> int conversion
    return int(float(v))


def signed_absmax(x):
    amax, mx = F(0), F(0)
    for v in x:
        if amax < abs(v):
            amax, mx = abs(v), v
    return mx


def min_max(x):
    mn, mx = F(np.finfo(np.float32).max), F(-np.finfo(np.float32).max)
    for v in x:
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    return mn, mx


def inv(d):
    return F(1) / d if d != 0 else F(0)


# ---- quantizers (one block of 32 -> bytes) ----

def q_q8_0(x):
    amax = F(0)
    for v in x:
        amax = max(amax, abs(v))
    d = amax / F(127)
    i = inv(d)
    return f16_bytes(d) + bytes((roundf(v * i) & 0xFF) for v in x)


def q_q4_0(x):
    d = signed_absmax(x) / F(-8)
    i = inv(d)
    qs = bytes(min(15, trunc(x[j] * i + F(8.5))) | min(15, trunc(x[16 + j] * i + F(8.5))) << 4 for j in range(16))
    return f16_bytes(d) + qs


def q_q4_1(x):
    mn, mx = min_max(x)
    d = (mx - mn) / F(15)
    i = inv(d)
    qs = bytes(min(15, trunc((x[j] - mn) * i + F(0.5))) | min(15, trunc((x[16 + j] - mn) * i + F(0.5))) << 4
               for j in range(16))
    return f16_bytes(d) + f16_bytes(mn) + qs


def five_bit(lo, hi):
    qs = bytes((lo[j] & 0xF) | (hi[j] & 0xF) << 4 for j in range(16))
    qh = 0
    for j in range(16):
        qh |= ((lo[j] >> 4) & 1) << j
        qh |= ((hi[j] >> 4) & 1) << (j + 16)
    return struct.pack("<I", qh), qs


def q_q5_0(x):
    d = signed_absmax(x) / F(-16)
    i = inv(d)
    lo = [min(31, trunc(x[j] * i + F(16.5))) for j in range(16)]
    hi = [min(31, trunc(x[16 + j] * i + F(16.5))) for j in range(16)]
    qh, qs = five_bit(lo, hi)
    return f16_bytes(d) + qh + qs


def q_q5_1(x):
    mn, mx = min_max(x)
    d = (mx - mn) / F(31)
    i = inv(d)
    lo = [trunc((x[j] - mn) * i + F(0.5)) & 0xFF for j in range(16)]
    hi = [trunc((x[16 + j] - mn) * i + F(0.5)) & 0xFF for j in range(16)]
    qh, qs = five_bit(lo, hi)
    return f16_bytes(d) + f16_bytes(mn) + qh + qs


# ---- dequantizers (one block of bytes -> float32 list) ----

def dq_q8_0(b):
    d = f16_val(b, 0)
    return [F(np.int8(np.uint8(b[2 + j]).view(np.int8))) * d for j in range(32)]


def dq_q4_0(b):
    d = f16_val(b, 0)
    lo = [F((b[2 + j] & 0xF) - 8) * d for j in range(16)]
    hi = [F((b[2 + j] >> 4) - 8) * d for j in range(16)]
    return lo + hi


def dq_q4_1(b):
    d, m = f16_val(b, 0), f16_val(b, 2)
    lo = [F(b[4 + j] & 0xF) * d + m for j in range(16)]
    hi = [F(b[4 + j] >> 4) * d + m for j in range(16)]
    return lo + hi


def q5_values(b, qh_off, qs_off):
    qh = struct.unpack_from("<I", b, qh_off)[0]
    lo = [(b[qs_off + j] & 0xF) | (((qh >> j) & 1) << 4) for j in range(16)]
    hi = [(b[qs_off + j] >> 4) | (((qh >> (j + 16)) & 1) << 4) for j in range(16)]
    return lo + hi


def dq_q5_0(b):
    d = f16_val(b, 0)
    return [F(q - 16) * d for q in q5_values(b, 2, 6)]


def dq_q5_1(b):
    d, m = f16_val(b, 0), f16_val(b, 2)
    return [F(q) * d + m for q in q5_values(b, 4, 8)]


def dq_q2_k(b):
    d, mn = f16_val(b, 80), f16_val(b, 82)
    y = []
    for h in range(2):
        for j in range(4):
            for s in range(2):
                sc = b[8 * h + 2 * j + s]
                dl, ml = d * F(sc & 0xF), mn * F(sc >> 4)
                for l in range(16):
                    y.append(dl * F((b[16 + 32 * h + 16 * s + l] >> (2 * j)) & 3) - ml)
    return y


def q3_scales(b):
    """ggml's aux/kmask unpacking of the twelve scale bytes into sixteen 6-bit values."""
    aux = list(struct.unpack_from("<3I", b, 96)) + [0]
    k1, k2 = 0x03030303, 0x0F0F0F0F
    tmp = aux[2]
    aux[2] = ((aux[0] >> 4) & k2) | (((tmp >> 4) & k1) << 4)
    aux[3] = ((aux[1] >> 4) & k2) | (((tmp >> 6) & k1) << 4)
    aux[0] = (aux[0] & k2) | (((tmp >> 0) & k1) << 4)
    aux[1] = (aux[1] & k2) | (((tmp >> 2) & k1) << 4)
    return list(struct.pack("<4I", *aux))


def dq_q3_k(b):
    d = f16_val(b, 108)
    sc = q3_scales(b)
    y, i_s, m = [], 0, 1
    for h in range(2):
        q = 32 + 32 * h
        for j in range(4):
            for s in range(2):
                dl = d * F(sc[i_s] - 32)
                i_s += 1
                for l in range(16):
                    v = ((b[q + 16 * s + l] >> (2 * j)) & 3) - (0 if b[16 * s + l] & m else 4)
                    y.append(dl * F(v))
            m <<= 1
    return y


def scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def dq_q4_k(b):
    d, mn = f16_val(b, 0), f16_val(b, 2)
    sc = b[4:16]
    y = []
    for g in range(4):
        s1, m1 = scale_min_k4(2 * g, sc)
        s2, m2 = scale_min_k4(2 * g + 1, sc)
        d1, mm1, d2, mm2 = d * F(s1), mn * F(m1), d * F(s2), mn * F(m2)
        q = b[16 + 32 * g:48 + 32 * g]
        y += [d1 * F(v & 0xF) - mm1 for v in q]
        y += [d2 * F(v >> 4) - mm2 for v in q]
    return y


def dq_q5_k(b):
    d, mn = f16_val(b, 0), f16_val(b, 2)
    sc, qh = b[4:16], b[16:48]
    y, u1, u2 = [], 1, 2
    for g in range(4):
        s1, m1 = scale_min_k4(2 * g, sc)
        s2, m2 = scale_min_k4(2 * g + 1, sc)
        d1, mm1, d2, mm2 = d * F(s1), mn * F(m1), d * F(s2), mn * F(m2)
        q = b[48 + 32 * g:80 + 32 * g]
        y += [d1 * F((q[l] & 0xF) + (16 if qh[l] & u1 else 0)) - mm1 for l in range(32)]
        y += [d2 * F((q[l] >> 4) + (16 if qh[l] & u2 else 0)) - mm2 for l in range(32)]
        u1 <<= 2
        u2 <<= 2
    return y


def dq_q6_k(b):
    d = f16_val(b, 208)
    y = [F(0)] * 256
    for h in range(2):
        ql, qh = b[64 * h:64 * h + 64], b[128 + 32 * h:160 + 32 * h]
        sc = np.frombuffer(b[192 + 8 * h:200 + 8 * h], dtype=np.int8)
        for l in range(32):
            i_s = l // 16
            q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32
            q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32
            q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
            q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
            for k, q in enumerate((q1, q2, q3, q4)):
                y[128 * h + l + 32 * k] = d * F(sc[i_s + 2 * k]) * F(q)
    return y


def dq_q8_k(b):
    d = F(struct.unpack_from("<f", b, 0)[0])
    return [d * F(v) for v in np.frombuffer(b[4:260], dtype=np.int8)]


# ---- inputs ----

def legacy_inputs(rng, tie_max):
    """Blocks of 32 floats covering the awkward cases; tie_max makes x*id land on exact .5 ties."""
    blocks = [np.zeros(32, F)]                                        # all zero
    blocks.append(np.full(32, F(0.75)))                               # all equal
    blocks.append(np.full(32, F(-3.0)))
    blocks.append((rng.standard_normal(32) * 1e-6).astype(F))          # d underflows f16
    blocks.append((rng.standard_normal(32) * 1e-30).astype(F))         # tiny: id near 1e32
    blocks.append((rng.standard_normal(32) * 6e4).astype(F))           # near f16 max
    t = np.array([tie_max] + [(k % 29) - 14 + 0.5 for k in range(31)], dtype=F)  # exact ties
    blocks.append(t)
    blocks.append(-t)
    blocks.append(np.array([-tie_max] + [tie_max] + [0.5] * 30, dtype=F))        # equal |max|, first wins
    a = rng.standard_normal(32).astype(F)
    a[rng.integers(32)] = F(-50)                                      # negative outlier
    blocks.append(a)
    while len(blocks) < 48:
        scale = F(10.0 ** rng.uniform(-4, 3))
        blocks.append((rng.standard_normal(32) * scale + rng.uniform(-1, 1) * scale).astype(F))
    return np.concatenate(blocks)


def float_inputs(rng):
    specials = [0.0, -0.0, 1.0, -2.5, 65504.0, 65520.0, 70000.0, -70000.0, 6e-8, 3e-8, 2.9802322e-8,
                1e-40, 1.0009765625, 1.00048828125, 1.0014648437, 3.3895314e38, float("inf"), float("-inf"),
                1.00390625, 1.001953125, 1.005859375]
    r = np.concatenate([np.array(specials, F),
                        (rng.standard_normal(500) * 10.0 ** rng.uniform(-8, 6, 500)).astype(F),
                        rng.integers(0, 2**32, 2048 - len(specials) - 500, dtype=np.uint64).astype(np.uint32).view(F)])
    r[~np.isfinite(r) & ~np.isinf(r)] = F(1.5)  # drop NaNs: their payload rules are not worth pinning
    return r


def write(name, kind, n, inputs, data, expected):
    expected = np.array(expected, dtype=F)
    assert expected.size == n
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(struct.pack("<ii", kind, n))
        if kind == 0:
            f.write(np.asarray(inputs, dtype="<f4").tobytes())
        f.write(struct.pack("<i", len(data)))
        f.write(data)
        f.write(expected.astype("<f4").tobytes())


def random_k_blocks(rng, bytes_per_block, scale_offsets, count=8):
    """Random bytes with sane f16 scales (no inf/NaN) at the given offsets."""
    out = bytearray()
    for b in range(count):
        blk = bytearray(rng.integers(0, 256, bytes_per_block, dtype=np.uint8).tobytes())
        for off in scale_offsets:
            v = 0.0 if b == 1 else float(rng.standard_normal()) * 10.0 ** rng.uniform(-4, 1)
            blk[off:off + 2] = f16_bytes(v)
        out += blk
    return bytes(out)


# ---- K-quant reference quantizers (one super-block of 256 float32 -> bytes) ----

def nearest_int(v):
    """ggml's nearest_int: add 1.5*2^23 in float32, read the mantissa bits (ties to even)."""
    a = np.asarray(v, dtype=F) + F(12582912.0)
    return (a.view(np.int32).astype(np.int64) & 0x7FFFFF) - 0x400000


def fsum(a, first=False):
    """C's `float s = 0 (or a[0]); for (...) s += a[i];` in float32."""
    a = np.asarray(a, dtype=F)
    s = a[0] if first else F(0)
    for v in a[1:] if first else a:
        s = F(s + v)
    return s


def signed_amax(x):
    """(max, amax): the first element of largest magnitude, with its sign."""
    mx, amax = F(0), F(0)
    for v in x:
        if abs(v) > amax:
            amax, mx = abs(v), v
    return mx, amax


def make_qkx2(x, w, nmax, rmin, rdelta, nstep, use_mad):
    """Levels in [0, nmax] and (scale, -min) with x ~ scale*L + min, best weighted error of nstep+1 tries."""
    mn, mx = x[0], x[0]
    for v in x[1:]:
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    sum_w, sum_x = fsum(w, first=True), fsum(w * x, first=True)
    if mn > 0:
        mn = F(0)
    if mx == mn:
        return np.zeros(x.size, np.int64), F(0), -mn

    def err(s, m, lf):
        d = s * lf + m - x
        return fsum(w * (np.abs(d) if use_mad else d * d))

    iscale = F(nmax) / (mx - mn)
    scale = F(1) / iscale
    L = np.clip(nearest_int(iscale * (x - mn)), 0, nmax)
    best = err(scale, mn, L.astype(F))
    for step in range(nstep + 1):
        iscale = (F(rmin) + F(rdelta) * F(step) + F(nmax)) / (mx - mn)
        l = np.clip(nearest_int(iscale * (x - mn)), 0, nmax)
        lf = l.astype(F)
        sum_l, sum_l2, sum_xl = fsum(w * lf), fsum(w * lf * lf), fsum(w * lf * x)
        det = sum_w * sum_l2 - sum_l * sum_l
        if det > 0:
            this_scale = (sum_w * sum_xl - sum_x * sum_l) / det
            this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det
            if this_min > 0:
                this_min, this_scale = F(0), sum_xl / sum_l2
            e = err(this_scale, this_min, lf)
            if e < best:
                L, best, scale, mn = l, e, this_scale, this_min
    return L, scale, -mn


def make_qx(x, nmax):
    """make_qx_quants with rmse_type 1 (weights x^2): levels offset by nmax, and the scale."""
    mx, amax = signed_amax(x)
    if amax < F(1e-15):
        return np.zeros(x.size, np.int64), F(0)
    w = x * x

    def fit(iscale):
        l = np.clip(nearest_int(iscale * x), -nmax, nmax - 1)
        lf = l.astype(F)
        return l, fsum(w * x * lf), fsum(w * lf * lf)

    l, sumlx, suml2 = fit(F(-nmax) / mx)
    L = l + nmax
    scale = sumlx / suml2 if suml2 != 0 else F(0)
    best = scale * sumlx
    for step in list(range(-9, 0)) + list(range(1, 10)):
        l, sumlx, suml2 = fit(-(F(nmax) + F(0.1) * F(step)) / mx)
        if suml2 > 0 and sumlx * sumlx > best * suml2:
            L, scale = l + nmax, sumlx / suml2
            best = scale * sumlx
    return L, scale


def make_q3(x, nmax):
    """make_q3_quants with do_rmse: levels refined one by one (weights x^2), offset by nmax."""
    mx, amax = signed_amax(x)
    if amax < F(1e-15):
        return np.zeros(x.size, np.int64), F(0)
    L = [int(v) for v in np.clip(nearest_int((F(-nmax) / mx) * x), -nmax, nmax - 1)]
    sumlx, suml2 = F(0), F(0)
    for v, l in zip(x, L):
        w = v * v
        sumlx = F(sumlx + w * v * F(l))
        suml2 = F(suml2 + w * F(l) * F(l))
    for _ in range(5):
        changed = 0
        for i, v in enumerate(x):
            w = v * v
            slx = sumlx - w * v * F(L[i])
            if slx > 0:
                sl2 = suml2 - w * F(L[i]) * F(L[i])
                nl = int(min(nmax - 1, max(-nmax, int(nearest_int(v * sl2 / slx)))))
                if nl != L[i]:
                    slx = slx + w * v * F(nl)
                    sl2 = sl2 + w * F(nl) * F(nl)
                    if sl2 > 0 and slx * slx * suml2 > sumlx * sumlx * sl2:
                        L[i], sumlx, suml2 = nl, slx, sl2
                        changed += 1
        if not changed:
            break
    return np.array(L, np.int64) + nmax, sumlx / suml2


def f16_round(v):
    return F(np.float16(F(v)))


def pack_2bit(L):
    out = bytearray(64)
    for h in range(2):
        for l in range(32):
            j = 128 * h + l
            out[32 * h + l] = L[j] | L[j + 32] << 2 | L[j + 64] << 4 | L[j + 96] << 6
    return bytes(out)


def q_q2_k(x):
    L = np.zeros(256, np.int64)
    scales, mins = [], []
    for j in range(16):
        xs = x[16 * j:16 * j + 16]
        L[16 * j:16 * j + 16], s, m = make_qkx2(xs, np.abs(xs), 3, -0.5, 0.1, 15, True)
        scales.append(s)
        mins.append(m)
    max_scale = max([F(0)] + scales)
    max_min = max([F(0)] + mins)
    sc = [0] * 16
    d = dmin = F(0)
    if max_scale > 0:
        sc = [int(nearest_int(F(15) / max_scale * s)) & 0xFF for s in scales]
        d = max_scale / F(15)
    if max_min > 0:
        inv = F(15) / max_min
        sc = [(sc[j] | int(nearest_int(inv * mins[j])) << 4) & 0xFF for j in range(16)]
        dmin = max_min / F(15)
    for j in range(16):
        dl = f16_round(d) * F(sc[j] & 0xF)
        if dl == 0:
            continue
        ml = f16_round(dmin) * F(sc[j] >> 4)
        L[16 * j:16 * j + 16] = np.clip(nearest_int((x[16 * j:16 * j + 16] + ml) / dl), 0, 3)
    return bytes(sc) + pack_2bit(L) + f16_bytes(d) + f16_bytes(dmin)


def q_q3_k(x):
    L = np.zeros(256, np.int64)
    scales = []
    for j in range(16):
        L[16 * j:16 * j + 16], s = make_q3(x[16 * j:16 * j + 16], 4)
        scales.append(s)
    max_scale, _ = signed_amax(scales)
    sb = [0] * 12
    d = F(0)
    if max_scale != 0:
        iscale = F(-32) / max_scale
        for j in range(16):
            l = int(np.int64(nearest_int(iscale * scales[j])).astype(np.int8))  # C: int8_t l = nearest_int(...)
            l = max(-32, min(31, l)) + 32
            if j < 8:
                sb[j] = l & 0xF
            else:
                sb[j - 8] |= (l & 0xF) << 4
            sb[j % 4 + 8] |= (l >> 4) << (2 * (j // 4))
        d = F(1) / iscale
    for j in range(16):
        low = sb[j] & 0xF if j < 8 else sb[j - 8] >> 4
        sc = (low | ((sb[8 + j % 4] >> (2 * (j // 4))) & 3) << 4) - 32
        dl = f16_round(d) * F(sc)
        if dl == 0:
            continue
        L[16 * j:16 * j + 16] = np.clip(nearest_int(x[16 * j:16 * j + 16] / dl), -4, 3) + 4
    hmask = bytearray(32)
    for j in range(256):
        if L[j] > 3:
            hmask[j % 32] |= 1 << (j // 32)
            L[j] -= 4
    return bytes(hmask) + pack_2bit(L) + bytes(sb) + f16_bytes(d)


def scale_min_block(x, nmax, rmin, nstep):
    """Q4_K/Q5_K: header bytes (d, dmin, 12 scale bytes) and the levels re-fitted to them."""
    L = np.zeros(256, np.int64)
    scales, mins = [], []
    for j in range(8):
        xs = x[32 * j:32 * j + 32]
        av_x = np.sqrt(fsum(xs * xs) / F(32))
        L[32 * j:32 * j + 32], s, m = make_qkx2(xs, av_x + np.abs(xs), nmax, rmin, 0.1, nstep, False)
        scales.append(s)
        mins.append(m)
    max_scale = max([F(0)] + scales)
    max_min = max([F(0)] + mins)
    inv_scale = F(63) / max_scale if max_scale > 0 else F(0)
    inv_min = F(63) / max_min if max_min > 0 else F(0)
    ls = [min(63, int(nearest_int(inv_scale * s)) & 0xFF) for s in scales]  # C: uint8_t, then MIN(63, .)
    lm = [min(63, int(nearest_int(inv_min * m)) & 0xFF) for m in mins]
    sb = [0] * 12
    for j in range(8):
        if j < 4:
            sb[j], sb[j + 4] = ls[j], lm[j]
        else:
            sb[j + 4] = (ls[j] & 0xF) | (lm[j] & 0xF) << 4
            sb[j - 4] |= (ls[j] >> 4) << 6
            sb[j] |= (lm[j] >> 4) << 6
    d, dmin = max_scale / F(63), max_min / F(63)
    for j in range(8):
        s, m = scale_min_k4(j, sb)
        dl = f16_round(d) * F(s)
        if dl == 0:
            continue
        ml = f16_round(dmin) * F(m)
        L[32 * j:32 * j + 32] = np.clip(nearest_int((x[32 * j:32 * j + 32] + ml) / dl), 0, nmax)
    return f16_bytes(d) + f16_bytes(dmin) + bytes(sb), L


def q_q4_k(x):
    head, L = scale_min_block(x, 15, -1.0, 20)
    qs = bytes(int(L[64 * c + l] | L[64 * c + l + 32] << 4) for c in range(4) for l in range(32))
    return head + qs


def q_q5_k(x):
    head, L = scale_min_block(x, 31, -0.5, 15)
    qh = bytearray(32)
    for c in range(4):
        for l in range(32):
            qh[l] |= (int(L[64 * c + l]) >> 4) << (2 * c) | (int(L[64 * c + l + 32]) >> 4) << (2 * c + 1)
    qs = bytes(int((L[64 * c + l] & 0xF) | (L[64 * c + l + 32] & 0xF) << 4) for c in range(4) for l in range(32))
    return head + bytes(qh) + qs


def q_q6_k(x):
    L = np.zeros(256, np.int64)
    scales = []
    for b in range(16):
        L[16 * b:16 * b + 16], s = make_qx(x[16 * b:16 * b + 16], 32)
        scales.append(s)
    max_scale, max_abs = signed_amax(scales)
    if max_abs < F(1e-15):
        return bytes(210)
    iscale = F(-128) / max_scale
    d = F(1) / iscale
    sc = [int(np.int64(min(127, int(nearest_int(iscale * s)))).astype(np.int8)) for s in scales]
    for b in range(16):
        dl = f16_round(d) * F(sc[b])
        if dl == 0:
            continue
        L[16 * b:16 * b + 16] = np.clip(nearest_int(x[16 * b:16 * b + 16] / dl), -32, 31) + 32
    ql, qh = bytearray(128), bytearray(64)
    for h in range(2):
        q = [L[128 * h + 32 * k:128 * h + 32 * k + 32] for k in range(4)]
        for l in range(32):
            ql[64 * h + l] = int(q[0][l] & 0xF | (q[2][l] & 0xF) << 4)
            ql[64 * h + 32 + l] = int(q[1][l] & 0xF | (q[3][l] & 0xF) << 4)
            qh[32 * h + l] = int(q[0][l] >> 4 | (q[1][l] >> 4) << 2 | (q[2][l] >> 4) << 4 | (q[3][l] >> 4) << 6)
    return bytes(ql) + bytes(qh) + np.array(sc, np.int8).tobytes() + f16_bytes(d)


def k_inputs(rng):
    """Super-blocks of 256 floats: the awkward cases, then random ones of many scales and offsets."""
    n = 256
    blocks = [np.zeros(n, F), np.full(n, F(0.75)), np.full(n, F(-3.0)),
              (rng.standard_normal(n) * 1e-6).astype(F),       # scales underflow f16
              (rng.standard_normal(n) * 1e-12).astype(F),      # below Q6_K's all-zero threshold per group
              (rng.standard_normal(n) * 2e4).astype(F),        # near the top of f16's range
              -np.abs(rng.standard_normal(n)).astype(F),        # negative only
              np.abs(rng.standard_normal(n)).astype(F) + F(1),  # positive only, away from zero
              ((np.arange(n) % 17) - 8).astype(F) * F(0.5),     # a coarse grid: exact rounding ties
              np.repeat(rng.standard_normal(16).astype(F), 16)]  # constant sub-blocks
    a = rng.standard_normal(n).astype(F)
    a[rng.integers(n, size=3)] = F(40), F(-60), F(25)           # outliers
    blocks.append(a)
    z = rng.standard_normal(n).astype(F)
    z[:128] = 0                                                  # half zero
    blocks.append(z)
    while len(blocks) < 16:
        scale = F(10.0 ** rng.uniform(-3, 2))
        blocks.append((rng.standard_normal(n) * scale + rng.uniform(-1, 1) * scale).astype(F))
    return blocks


def main():
    np.seterr(over="ignore", divide="ignore", invalid="ignore")  # f16 overflow to inf is part of the format (ggml does the same)
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240611)
    legacy = {
        "Q8_0": (q_q8_0, dq_q8_0, 34, 127.0),
        "Q4_0": (q_q4_0, dq_q4_0, 18, -8.0),
        "Q4_1": (q_q4_1, dq_q4_1, 20, 15.0),
        "Q5_0": (q_q5_0, dq_q5_0, 22, -16.0),
        "Q5_1": (q_q5_1, dq_q5_1, 24, 31.0),
    }
    for name, (quant, dequant, nb, tie_max) in legacy.items():
        x = legacy_inputs(rng, tie_max)
        data = b"".join(quant(list(x[i:i + 32])) for i in range(0, x.size, 32))
        assert len(data) == x.size // 32 * nb
        y = [v for i in range(0, len(data), nb) for v in dequant(data[i:i + nb])]
        write(name, 0, x.size, x, data, y)
    x = float_inputs(rng)
    data = x.astype(np.float16).tobytes()
    write("F16", 0, x.size, x, data, np.frombuffer(data, dtype=np.float16).astype(F))
    bits = [bf16_bits(v) for v in x]
    data = struct.pack("<%dH" % len(bits), *bits)
    write("BF16", 0, x.size, x, data, (np.array(bits, dtype=np.uint32) << 16).view(F))
    kq = {
        "Q2_K": (dq_q2_k, 84, [80, 82]),
        "Q3_K": (dq_q3_k, 110, [108]),
        "Q4_K": (dq_q4_k, 144, [0, 2]),
        "Q5_K": (dq_q5_k, 176, [0, 2]),
        "Q6_K": (dq_q6_k, 210, [208]),
    }
    for name, (dequant, nb, offs) in kq.items():
        data = random_k_blocks(rng, nb, offs)
        y = [v for i in range(0, len(data), nb) for v in dequant(data[i:i + nb])]
        write(name, 1, len(y), None, data, y)
    blocks = bytearray()
    for b in range(4):
        blk = bytearray(rng.integers(0, 256, 292, dtype=np.uint8).tobytes())
        blk[0:4] = struct.pack("<f", float(rng.standard_normal()) * 0.01)
        blocks += blk
    data = bytes(blocks)
    y = [v for i in range(0, len(data), 292) for v in dq_q8_k(data[i:i + 292])]
    write("Q8_K", 1, len(y), None, data, y)
    k_quant = {
        "Q2_K": (q_q2_k, dq_q2_k, 84),
        "Q3_K": (q_q3_k, dq_q3_k, 110),
        "Q4_K": (q_q4_k, dq_q4_k, 144),
        "Q5_K": (q_q5_k, dq_q5_k, 176),
        "Q6_K": (q_q6_k, dq_q6_k, 210),
    }
    assert F(0.1).view(np.uint32) == 0x3DCCCCCD and F(1e-15).view(np.uint32) == 0x26901D7D
    krng = np.random.default_rng(20250115)  # its own generator: the files above stay as they were
    for name, (quant, dequant, nb) in k_quant.items():
        blocks = k_inputs(krng)
        data = b"".join(quant(b) for b in blocks)
        assert len(data) == len(blocks) * nb
        y = [v for i in range(0, len(data), nb) for v in dequant(data[i:i + nb])]
        write(name + "-quantized", 0, 256 * len(blocks), np.concatenate(blocks), data, y)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("wrote", len(os.listdir(OUT)), "files,", total, "bytes")


if __name__ == "__main__":
    main()
