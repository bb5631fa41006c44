#!/usr/bin/python3
"""PyTorch peer benchmark for Moxing's single-op kernels (VectorOps & co).

Times elementwise ops and reductions on a 4M-float tensor, and softmax / log_softmax over the
rows of a (4096, 1024) matrix, with torch.set_num_threads(t) for t = 1 and 2. Prints one line per
(op, threads):

    op=add n=4194304 threads=1 ms=1.234 gbps=40.8 ns_per_el=0.294

ms is the median of the repeats; gbps counts the bytes an op must move at least (inputs read plus
outputs written, 4 bytes per float), so it is comparable across ops and with the Java numbers.
Run with /usr/bin/python3 (Debian's python3-torch).
"""
import argparse
import statistics
import time

import torch

N = 4 * 1024 * 1024
ROWS, COLS = 4096, 1024


def bench(fn, repeats, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=21)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--preallocated", action="store_true",
                   help="write into preallocated outputs (out=) instead of allocating each result")
    args = p.parse_args()

    print(f"torch={torch.__version__}")
    info = torch.__config__.parallel_info().strip().splitlines()
    print(f"parallel_info={info[0]}")
    backend = [line.strip() for line in info if "parallel backend" in line]
    if backend:
        print(f"parallel_info_backend={backend[0]}")

    g = torch.Generator().manual_seed(0)
    a = torch.randn(N, generator=g) * 3
    b = torch.randn(N, generator=g)
    out = torch.empty(N)
    m = torch.randn(ROWS, COLS, generator=g) * 3
    mout = torch.empty(ROWS, COLS)

    # (name, function, elements, floats moved per element). With --preallocated every op writes into
    # a preallocated output (the out= overloads, private ones where the public API has none): the
    # kernel alone, a stricter peer than Moxing's out-of-place API, which allocates each result.
    if not args.preallocated:
        # The same out-of-place calls a user writes (and that `moxing bench ops` times on the Java
        # side, result allocation included).
        ops_alloc = [
            ("add", lambda: torch.add(a, b), N, 3),
            ("mul", lambda: torch.mul(a, b), N, 3),
            ("exp", lambda: torch.exp(a), N, 2),
            ("gelu", lambda: torch.nn.functional.gelu(a), N, 2),
            ("relu", lambda: torch.relu(a), N, 2),
            ("sum", lambda: torch.sum(a), N, 1),
            ("softmax", lambda: torch.softmax(m, -1), ROWS * COLS, 2),
            ("log_softmax", lambda: torch.log_softmax(m, -1), ROWS * COLS, 2),
        ]
    ops = [
        ("add", lambda: torch.add(a, b, out=out), N, 3),
        ("mul", lambda: torch.mul(a, b, out=out), N, 3),
        ("exp", lambda: torch.exp(a, out=out), N, 2),
        ("gelu", lambda: torch._C._nn.gelu(a, out=out), N, 2),
        ("gelu_tanh", lambda: torch._C._nn.gelu(a, approximate="tanh", out=out), N, 2),
        ("relu", lambda: torch.clamp_min(a, 0.0, out=out), N, 2),  # what torch.relu runs
        ("sum", lambda: torch.sum(a), N, 1),
        ("softmax", lambda: torch._softmax(m, -1, False, out=mout), ROWS * COLS, 2),
        ("log_softmax", lambda: torch._log_softmax(m, -1, False, out=mout), ROWS * COLS, 2),
    ]
    if not args.preallocated:
        ops = ops_alloc
    for t in args.threads:
        torch.set_num_threads(t)
        for name, fn, n, floats in ops:
            with torch.no_grad():
                sec = bench(fn, args.repeats)
            gbps = n * floats * 4 / sec / 1e9
            print(f"op={name} n={n} threads={t} ms={sec * 1e3:.3f} gbps={gbps:.1f} ns_per_el={sec * 1e9 / n:.3f}")


if __name__ == "__main__":
    main()
