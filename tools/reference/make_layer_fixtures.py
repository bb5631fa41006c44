#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for the Moxing layers (forward, backward, running stats).

Run from the repository root with the system interpreter (Debian python3-torch):

    /usr/bin/python3 tools/reference/make_layer_fixtures.py

It writes moxing-nn/src/test/resources/fixtures/layers/layers.json, which
dev.moxing.nn.layers.LayersAgainstTorchTest replays against Moxing. The output is deterministic
(torch.manual_seed, one thread), one case per line so that a regeneration diffs readably.

File schema
-----------
    {
      "format": 1,
      "generator": "tools/reference/make_layer_fixtures.py",
      "torch_version": "1.13.0",
      "reference": "float64",
      "cases": [ CASE, CASE, ... ]
    }

CASE:
    {
      "name": "conv2d_stride2_pad1",       unique, the JUnit display name
      "layer": "Conv2d",                    Moxing class to build (the Java harness maps it)
      "config": {...},                      constructor arguments (see LAYERS below)
      "mode": "train" | "eval",             module.train() / module.eval() before the forward pass
      "state": {name: TENSOR},              parameters and buffers loaded into the layer first
                                            (PyTorch state_dict names; num_batches_tracked omitted)
      "input": TENSOR,                      f32 (requires grad) or i32 (embedding ids)
      "output": TENSOR,
      "grad_output": TENSOR,                upstream gradient for output.backward(grad_output)
      "grads": {"input": TENSOR | null, name: TENSOR, ...}
                                            gradient of the input and of every parameter
      "state_after": {name: TENSOR}         buffers after the forward pass (BatchNorm running stats)
    }

TENSOR: {"shape": [...], "dtype": "f32" | "i32", "data": [...flat row-major...]}

Numbers
-------
Inputs, parameters and grad_output are float32 values, written as the repr of the exactly equal
double so a JSON reader that parses doubles and casts to float gets the exact float32 bits back.
Expected values are computed by PyTorch in float64 on those exact values (module.double()), then
rounded to float32: the correctly-rounded answers, so Moxing is measured against its own float32
rounding only.

Inputs avoid ties inside max-pooling windows (continuous random values). RMSNorm has no nn module
in torch 1.13, so its reference is the formula x * rsqrt(mean(x^2) + eps) * weight.
"""

import json
import os
import sys

import torch
import torch.nn as nn

OUT = os.path.join("moxing-nn", "src", "test", "resources", "fixtures", "layers", "layers.json")


def tensor_json(t):
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32):
        return {"shape": list(t.shape), "dtype": "i32", "data": [int(v) for v in t.reshape(-1).tolist()]}
    f = t.to(torch.float32).to(torch.float64)  # round to float32, then the exactly equal double
    return {"shape": list(t.shape), "dtype": "f32", "data": f.reshape(-1).tolist()}


def f32(*shape, scale=1.0):
    return (torch.randn(*shape, dtype=torch.float32) * scale).to(torch.float32)


class RMSNormRef(nn.Module):
    """The formula Moxing's RMSNorm implements (torch 1.13 has no nn.RMSNorm)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def build(layer, cfg):
    """The torch module for a fixture layer name and config (mirrors the Java harness)."""
    if layer == "Conv2d":
        return nn.Conv2d(cfg["in"], cfg["out"], cfg["kernel"], cfg["stride"], cfg["padding"], cfg["dilation"],
                         cfg["groups"], cfg["bias"])
    if layer == "Conv1d":
        return nn.Conv1d(cfg["in"], cfg["out"], cfg["kernel"], cfg["stride"], cfg["padding"], cfg["dilation"],
                         cfg["groups"], cfg["bias"])
    if layer == "MaxPool2d":
        return nn.MaxPool2d(cfg["kernel"], cfg["stride"], cfg["padding"])
    if layer == "AvgPool2d":
        return nn.AvgPool2d(cfg["kernel"], cfg["stride"], cfg["padding"], count_include_pad=cfg["count_include_pad"])
    if layer == "BatchNorm2d":
        return nn.BatchNorm2d(cfg["features"], cfg["eps"], cfg["momentum"], cfg["affine"])
    if layer == "BatchNorm1d":
        return nn.BatchNorm1d(cfg["features"], cfg["eps"], cfg["momentum"], cfg["affine"])
    if layer == "LayerNorm":
        return nn.LayerNorm(cfg["shape"], cfg["eps"], cfg["affine"])
    if layer == "RMSNorm":
        return RMSNormRef(cfg["dim"], cfg["eps"])
    if layer == "Linear":
        return nn.Linear(cfg["in"], cfg["out"], cfg["bias"])
    if layer == "Embedding":
        return nn.Embedding(cfg["vocab"], cfg["dim"])
    raise ValueError(layer)


CASES = []


def case(name, layer, cfg, x, mode="train", running=None):
    """Builds the module (seeded default init), runs it in float64 on the float32 values, records everything."""
    m = build(layer, cfg)
    with torch.no_grad():
        if layer.startswith(("BatchNorm", "LayerNorm", "RMSNorm")):
            # Norm layers start at weight 1, bias 0, which would hide a mix-up of the two.
            for pname, p in m.named_parameters():
                p.copy_(f32(*p.shape, scale=0.5) + (1.0 if pname == "weight" else 0.0))
        if running is not None:
            m.running_mean.copy_(running[0])
            m.running_var.copy_(running[1])
    state = {k: v.clone() for k, v in m.state_dict().items() if k != "num_batches_tracked"}
    m = m.double()
    m.train(mode == "train")
    if x.dtype == torch.float32:
        xin = x.to(torch.float64).requires_grad_(True)
    else:
        xin = x
    out = m(xin)
    g = f32(*out.shape)
    out.backward(g.to(torch.float64))
    grads = {"input": tensor_json(xin.grad) if x.dtype == torch.float32 else None}
    for k, p in m.named_parameters():
        grads[k] = tensor_json(p.grad)
    entry = {
        "name": name,
        "layer": layer,
        "config": cfg,
        "mode": mode,
        "state": {k: tensor_json(v) for k, v in state.items()},
        "input": tensor_json(x),
        "output": tensor_json(out),
        "grad_output": tensor_json(g),
        "grads": grads,
    }
    buffers = {k: tensor_json(v) for k, v in m.named_buffers() if k != "num_batches_tracked"}
    if buffers:
        entry["state_after"] = buffers
    CASES.append(entry)


def conv2d(i, o, k, s=1, p=0, d=1, g=1, bias=True):
    pair = lambda v: list(v) if isinstance(v, (list, tuple)) else [v, v]
    return {"in": i, "out": o, "kernel": pair(k), "stride": pair(s), "padding": pair(p), "dilation": pair(d),
            "groups": g, "bias": bias}


def conv1d(i, o, k, s=1, p=0, d=1, g=1, bias=True):
    return {"in": i, "out": o, "kernel": k, "stride": s, "padding": p, "dilation": d, "groups": g, "bias": bias}


def pool(k, s=None, p=0, count_include_pad=True):
    pair = lambda v: list(v) if isinstance(v, (list, tuple)) else [v, v]
    return {"kernel": pair(k), "stride": pair(s if s is not None else k), "padding": pair(p),
            "count_include_pad": count_include_pad}


def bn(features, affine=True, eps=1e-5, momentum=0.1):
    return {"features": features, "eps": eps, "momentum": momentum, "affine": affine}


def running(c):
    return f32(c, scale=0.3), (torch.rand(c) + 0.5).to(torch.float32)


def main():
    torch.manual_seed(1234)
    torch.set_num_threads(1)

    case("conv2d_3x3", "Conv2d", conv2d(3, 4, 3), f32(2, 3, 6, 6))
    case("conv2d_stride2_pad1", "Conv2d", conv2d(4, 6, 3, s=2, p=1), f32(2, 4, 7, 7))
    case("conv2d_dilation2_pad2", "Conv2d", conv2d(2, 3, 3, p=2, d=2), f32(2, 2, 7, 6))
    case("conv2d_groups2", "Conv2d", conv2d(4, 6, 3, p=1, g=2), f32(2, 4, 5, 5))
    case("conv2d_depthwise_stride2_nobias", "Conv2d", conv2d(4, 4, 3, s=2, p=1, g=4, bias=False), f32(3, 4, 6, 6))
    case("conv2d_rect_kernel", "Conv2d", conv2d(3, 5, (2, 3), s=(1, 2), p=(1, 0)), f32(2, 3, 5, 7))
    case("conv2d_pointwise", "Conv2d", conv2d(5, 3, 1), f32(2, 5, 4, 4))
    case("conv2d_pointwise_groups2", "Conv2d", conv2d(4, 6, 1, g=2), f32(2, 4, 3, 5))
    case("conv2d_stride3_dilation2_groups3", "Conv2d", conv2d(6, 3, 2, s=3, p=1, d=2, g=3), f32(2, 6, 9, 8))
    case("conv1d_k3", "Conv1d", conv1d(3, 4, 3), f32(2, 3, 10))
    case("conv1d_stride2_pad2_dil2_groups2", "Conv1d", conv1d(4, 6, 3, s=2, p=2, d=2, g=2), f32(2, 4, 11))
    case("conv1d_pointwise_nobias", "Conv1d", conv1d(4, 2, 1, bias=False), f32(3, 4, 5))

    case("maxpool2d_k2", "MaxPool2d", pool(2), f32(2, 3, 6, 6))
    case("maxpool2d_k3_s2_p1", "MaxPool2d", pool(3, 2, 1), f32(2, 3, 7, 7))
    case("maxpool2d_rect", "MaxPool2d", pool((2, 3), (2, 1), (1, 1)), f32(2, 2, 5, 6))
    case("avgpool2d_k2", "AvgPool2d", pool(2), f32(2, 3, 6, 6))
    case("avgpool2d_k3_s2_p1", "AvgPool2d", pool(3, 2, 1), f32(2, 3, 7, 7))
    case("avgpool2d_k3_s2_p1_exclude_pad", "AvgPool2d", pool(3, 2, 1, count_include_pad=False), f32(2, 3, 7, 7))

    case("batchnorm2d_train", "BatchNorm2d", bn(3), f32(4, 3, 5, 5, scale=2.0) + 0.7, running=running(3))
    case("batchnorm2d_eval", "BatchNorm2d", bn(3), f32(4, 3, 5, 5), mode="eval", running=running(3))
    case("batchnorm2d_train_noaffine", "BatchNorm2d", bn(4, affine=False, momentum=0.3), f32(2, 4, 3, 3),
         running=running(4))
    case("batchnorm1d_train_2d", "BatchNorm1d", bn(5), f32(8, 5) * 3 - 1, running=running(5))
    case("batchnorm1d_train_3d", "BatchNorm1d", bn(3, eps=1e-3), f32(4, 3, 6), running=running(3))
    case("batchnorm1d_eval", "BatchNorm1d", bn(5), f32(8, 5), mode="eval", running=running(5))

    case("layernorm_last", "LayerNorm", {"shape": [8], "eps": 1e-5, "affine": True}, f32(2, 3, 8) * 2 + 1)
    case("layernorm_two_dims", "LayerNorm", {"shape": [3, 8], "eps": 1e-5, "affine": True}, f32(2, 3, 8))
    case("layernorm_noaffine", "LayerNorm", {"shape": [6], "eps": 1e-3, "affine": False}, f32(4, 6))
    case("rmsnorm", "RMSNorm", {"dim": 8, "eps": 1e-6}, f32(2, 3, 8))
    case("rmsnorm_2d", "RMSNorm", {"dim": 5, "eps": 1e-5}, f32(4, 5) * 0.1)

    case("linear", "Linear", {"in": 6, "out": 5, "bias": True}, f32(4, 6))
    case("linear_3d_nobias", "Linear", {"in": 6, "out": 3, "bias": False}, f32(2, 3, 6))
    case("embedding", "Embedding", {"vocab": 10, "dim": 4}, torch.tensor([[1, 3, 3, 9, 0], [7, 1, 1, 1, 2]]))

    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write('{"format": 1, "generator": "tools/reference/make_layer_fixtures.py", "torch_version": %s, '
                '"reference": "float64", "cases": [\n' % json.dumps(torch.__version__.split("a")[0]))
        f.write(",\n".join(json.dumps(c, separators=(", ", ": ")) for c in CASES))
        f.write("\n]}\n")
    print("%d cases, %d bytes -> %s" % (len(CASES), os.path.getsize(OUT), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
