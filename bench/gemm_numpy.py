#!/usr/bin/env python3
"""numpy (OpenBLAS) float32 GEMM baseline for Moxing's `bench gemm`.

Runs the same shapes as GemmBenchCommand and prints the same line format:
    gemm m=1024 n=1024 k=1024 trans=NN threads=1 ms=5.43 gflops=395.1
preceded by one '# blas ...' line per BLAS library threadpoolctl finds (which kernel OpenBLAS
picked matters: OPENBLAS_CORETYPE=Haswell, for example, forces the AVX2 kernel on an AVX-512
machine and halves its speed, so run this with that variable unset).

Transposed operands are numpy views (a.T of a contiguous array), which numpy hands to sgemm as
transposed flags without copying, mirroring how Moxing is called.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def shapes(sizes, transformer, extra):
    out = [(n, n, n, "NN") for n in sizes]
    for spec in filter(None, extra.split(",")):  # MxNxK:TT, as GemmBenchCommand --shapes
        dims, trans = spec.split(":")
        m, n, k = (int(d) for d in dims.split("x"))
        out.append((m, n, k, trans))
    if transformer:
        out += [
            (4096, 3072, 768, "NN"),  # forward: X(4096x768) @ W(768x3072)
            (4096, 768, 3072, "NT"),  # dX = dY(4096x3072) @ W^T, W stored (768,3072)
            (768, 3072, 4096, "TN"),  # dW = X^T(768x4096) @ dY(4096x3072)
        ]
    return out


def operands(m, n, k, trans, rng):
    # Stored layouts as in Moxing: A is (m,k) or, if transposed, (k,m); likewise B.
    a = rng.standard_normal((k, m) if trans[0] == "T" else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if trans[1] == "T" else (k, n), dtype=np.float32)
    return (a.T if trans[0] == "T" else a), (b.T if trans[1] == "T" else b)


def bench(m, n, k, trans, repeat, rng):
    a, b = operands(m, n, k, trans, rng)
    c = np.empty((m, n), dtype=np.float32)
    flops = 2.0 * m * n * k
    # Warm up for at least ~0.5 s (and 3 calls): thread start, page faults, turbo.
    t_end = time.perf_counter() + 0.5
    calls = 0
    while calls < 3 or time.perf_counter() < t_end:
        np.matmul(a, b, out=c)
        calls += 1
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), flops


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="256,512,1024,2048")
    p.add_argument("--threads", default="1,%d" % (os.cpu_count() or 1))
    p.add_argument("--transformer", default="true", choices=["true", "false"])
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--shapes", default="", help="extra shapes MxNxK:TT, comma-separated (TT: NN, NT, TN, TT)")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    threads = [int(t) for t in args.threads.split(",") if t]

    for info in threadpool_info():
        print("# %s internal_api=%s architecture=%s num_threads=%s version=%s" % (
            info.get("user_api"), info.get("internal_api"),
            info.get("architecture") or info.get("corename"), info.get("num_threads"), info.get("version")))
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS"):
        if var in os.environ:
            print("# warning: %s=%s is set (it can force a slower kernel)" % (var, os.environ[var]))
    sys.stdout.flush()

    rng = np.random.default_rng(1)
    for m, n, k, trans in shapes(sizes, args.transformer == "true", args.shapes):
        for t in threads:
            with threadpool_limits(limits=t, user_api="blas"):
                sec, flops = bench(m, n, k, trans, args.repeat, rng)
            print("gemm m=%d n=%d k=%d trans=%s threads=%d ms=%.2f gflops=%.1f" % (
                m, n, k, trans, t, sec * 1e3, flops / sec / 1e9), flush=True)


if __name__ == "__main__":
    main()
