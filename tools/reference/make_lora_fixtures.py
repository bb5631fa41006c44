#!/usr/bin/env python3
"""Generate the PyTorch reference for one LoRA linear layer (no dropout), forward and backward.

Run from the repository root with the system interpreter:

    /usr/bin/python3 tools/reference/make_lora_fixtures.py

It writes moxing-nn/src/test/resources/fixtures/lora/lora_linear.json, which
dev.moxing.nn.lora.LoraLinearTest replays. Deterministic (torch.manual_seed, one thread).

Schema: {"format": 1, "generator": ..., "torch_version": ..., "reference": "float64",
         "rank": r, "alpha": alpha,
         "x", "W", "b", "A", "B", "grad_y", "y", "dA", "dB", "dx": TENSOR}
TENSOR: {"shape": [...], "data": [...flat row-major...]}

y = x W^T + b + (alpha / r) * x A^T B^T. Inputs are float32 values written as exact doubles; the
expected values are computed in float64 on them and rounded to float32 (as make_layer_fixtures.py).
B is random, not PEFT's zero init, so that dA is not trivially zero.
"""

import json
import os

import torch

OUT = os.path.join("moxing-nn", "src", "test", "resources", "fixtures", "lora", "lora_linear.json")


def tensor(t):
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    batch, seq, d_in, d_out, r, alpha = 2, 3, 6, 5, 2, 4.0
    f32 = lambda *s: torch.randn(*s, dtype=torch.float32)
    x, W, b, A, B, gy = f32(batch, seq, d_in), f32(d_out, d_in), f32(d_out), f32(r, d_in), f32(d_out, r), f32(batch, seq, d_out)

    x64, A64, B64 = (t.double().requires_grad_(True) for t in (x, A, B))
    y = x64 @ W.double().T + b.double() + (alpha / r) * (x64 @ A64.T) @ B64.T
    y.backward(gy.double())

    case = {"format": 1, "generator": "tools/reference/make_lora_fixtures.py", "torch_version": torch.__version__,
            "reference": "float64", "rank": r, "alpha": alpha,
            "x": tensor(x), "W": tensor(W), "b": tensor(b), "A": tensor(A), "B": tensor(B), "grad_y": tensor(gy),
            "y": tensor(y), "dA": tensor(A64.grad), "dB": tensor(B64.grad), "dx": tensor(x64.grad)}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in case.items()) + "\n}\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
