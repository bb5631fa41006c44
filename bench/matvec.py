"""The peer of MatvecBandwidth: numpy (OpenBLAS sgemv) float32 y = W @ x on one thread, timed by the
thread's CPU time, median of many calls. Run with OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/matvec.py."""
import sys
import time

import numpy as np

shapes = sys.argv[1].split(",") if len(sys.argv) > 1 else ["32000x768", "4096x4096"]
for shape in shapes:
    out, n = (int(v) for v in shape.split("x"))
    rng = np.random.default_rng(7)
    w = (rng.random((out, n), dtype=np.float32) - 0.5)
    x = (rng.random(n, dtype=np.float32) - 0.5)
    end = time.time() + 2
    while time.time() < end:
        w @ x
    reps = max(20, min(400, int(4e9 / w.nbytes)))
    t = []
    for _ in range(reps):
        c0 = time.thread_time()
        w @ x
        t.append(time.thread_time() - c0)
    t.sort()
    med = t[reps // 2]
    print(f"numpy F32 {out:5d} x {n:5d}  {w.nbytes / 1e6:7.1f} MB  {med * 1e6:8.1f} us  {w.nbytes / med / 1e9:6.1f} GB/s  (best {w.nbytes / t[0] / 1e9:.1f})")
