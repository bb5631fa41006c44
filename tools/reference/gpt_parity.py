#!/usr/bin/env python3
"""Training parity between Moxing's GPT pre-training and PyTorch, from the same initial weights.

Run from the repository root with the system interpreter (Debian python3-torch 1.13):

    /usr/bin/python3 tools/reference/gpt_parity.py              # runs ./moxing to make the weights
    /usr/bin/python3 tools/reference/gpt_parity.py --init DIR   # or uses a checkpoint made already

1. Moxing draws the initial model: `./moxing train gpt ... --init-only --out DIR` (the exact
   arguments are MOXING_ARGS below) writes a step-0 checkpoint: config.json, model.safetensors,
   tokenizer.json and training.json, whose "options" hold the hyper-parameters. The script reads
   them all from there (weights with read_safetensors.py), so the shape, vocabulary and
   hyper-parameters are Moxing's own, not a second copy that could drift.
2. It encodes data/tinyshakespeare/input.txt with the checkpoint's character vocabulary, keeps the
   training split (the first 90% of the ids, as TokenSplit does) and draws STEPS x ACCUMULATE
   micro-batches of B windows of T+1 tokens with numpy (seed BATCH_SEED). The batches are stored
   in the fixture, so the Java side needs neither the text nor this generator.
3. It trains nanoGPT's way in PyTorch, in float64 (the reference) and in float32 (to record how
   far a float32 run drifts on its own): token + learned position embeddings, pre-LayerNorm blocks
   (eps 1e-5), causal multi-head attention scaled by 1/sqrt(D), 4x MLP with GELU in GPT-2's tanh
   form (what Moxing's GPT config and GPT-2 checkpoints use; nanoGPT's nn.GELU() is the erf form,
   whose effect on the first gradients is recorded as sensitivity "gelu_erf"), final LayerNorm,
   head tied to the token embedding, dropout 0, mean cross-entropy over B*T. Each optimizer step
   averages ACCUMULATE micro-batch gradients (loss / ACCUMULATE, backward each), clips the global
   norm with torch.nn.utils.clip_grad_norm_, sets the learning rate of the step, and steps
   torch.optim.AdamW (betas 0.9/0.99, eps 1e-8 as GptTrainer; weight decay on parameters of rank
   >= 2 only: embeddings and linear weights, not biases or LayerNorm parameters). The learning
   rate of step s (from 0) is Moxing's WarmupCosine, which is nanoGPT's get_lr:
       s < warmup:  lr * (s + 1) / (warmup + 1)
       otherwise:   min_lr + (lr - min_lr) * (1 + cos(pi * (s - warmup) / (steps - warmup))) / 2
4. It writes, under moxing-llm/src/test/resources/reference/:
     gpt_parity.safetensors   "init.<name>" F32: Moxing's initial weights, bit for bit;
                              "grad.<name>" F32: the first step's mean gradient before clipping
                              (float64 reference rounded to float32);
                              "batches" I32 (STEPS * ACCUMULATE, B, T + 1): the micro-batches in order
     gpt_parity.json          config and options as Moxing saved them, betas/eps, batch seed,
                              per-step "loss" (mean over the step's micro-batches), "lr",
                              "grad_norm" (before clipping) of the float64 run, the float32 run's
                              "torch_f32" drift, and "sensitivity": how far plausible mistakes
                              (erf GELU, LayerNorm eps 1e-6, no weight-decay split) move the
                              first gradients or the final loss, so a reader can see the test's
                              tolerances are tight enough to notice them.

dev.moxing.llm.train.GptPyTorchParityTest loads the fixture and trains with GptTrainer. Output is
deterministic (fixed seeds, one thread): running the script twice gives identical files.
"""

import argparse
import hashlib
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import read_safetensors  # noqa: E402  (the independent json + numpy safetensors reader)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TEXT = os.path.join(ROOT, "data", "tinyshakespeare", "input.txt")
OUT_DIR = os.path.join(ROOT, "moxing-llm", "src", "test", "resources", "reference")
MOXING_ARGS = ["train", "gpt", "--text", TEXT, "--tokenizer", "char", "--layers", "2", "--heads", "4",
               "--width", "32", "--context", "32", "--dropout", "0", "--batch-size", "4", "--accumulate", "2",
               "--steps", "200", "--warmup", "20", "--lr", "3e-3", "--min-lr", "3e-4", "--weight-decay", "0.1",
               "--grad-clip", "1.0", "--seed", "1337", "--init-only"]
BETAS = (0.9, 0.99)  # GptTrainer.BETA1, BETA2
EPS = 1e-8           # GptTrainer.EPS
BATCH_SEED = 20240601
TRAIN_FRACTION = 0.9  # TokenSplit.TRAIN_FRACTION
GRAD_FLOOR = 1e-5    # see grad_diff


def moxing_init(out):
    subprocess.run([os.path.join(ROOT, "moxing")] + MOXING_ARGS + ["--out", out], check=True)


def load_checkpoint(d):
    def js(name):
        with open(os.path.join(d, name), encoding="utf-8") as f:
            return json.load(f)
    config, training, tokenizer = js("config.json"), js("training.json"), js("tokenizer.json")
    if config.get("format") != "moxing-transformer" or tokenizer.get("type") != "char" or training.get("step") != 0:
        raise SystemExit("%s is not a step-0 Moxing GPT checkpoint with a char tokenizer" % d)
    _, tensors = read_safetensors.read(os.path.join(d, "model.safetensors"))
    weights = {}
    for name, dtype, shape, arr, _ in tensors:
        if dtype != "F32":
            raise SystemExit("%s: %s is %s, expected F32" % (d, name, dtype))
        weights[name] = arr.astype(np.float32)  # exact: read as float64 from float32 bits
    return config, training["options"], tokenizer["codePoints"], weights


def draw_batches(code_points, cfg, opt):
    with open(TEXT, encoding="utf-8") as f:
        text = f.read()
    index = {cp: i for i, cp in enumerate(code_points)}
    ids = np.array([index[ord(c)] for c in text], dtype=np.int32)
    train = ids[: int(len(ids) * TRAIN_FRACTION)]
    t, b, n = cfg["contextLength"], opt["batchSize"], opt["steps"] * opt["accumulate"]
    rng = np.random.RandomState(BATCH_SEED)
    starts = rng.randint(0, len(train) - t, size=(n, b))
    return np.stack([np.stack([train[s:s + t + 1] for s in row]) for row in starts]).astype(np.int32)


def lr_at(step, opt):
    warmup, total, base, low = opt["warmup"], opt["steps"], opt["lr"], opt["minLr"]
    if step < warmup:
        return base * (step + 1) / (warmup + 1)
    if step >= total:
        return low
    progress = (step - warmup) / (total - warmup)
    return low + (base - low) * (1 + math.cos(math.pi * progress)) / 2


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


def forward(w, ids, cfg, gelu=gelu_tanh, eps=None):
    """ids (B, T) -> logits (B, T, V), weights named as Moxing's state dict."""
    eps = cfg["normEps"] if eps is None else eps
    b, t = ids.shape
    c, h = cfg["width"], cfg["heads"]
    d = c // h

    def ln(x, name):
        return F.layer_norm(x, (c,), w[name + ".weight"], w[name + ".bias"], eps)

    def lin(x, name):
        return F.linear(x, w[name + ".weight"], w[name + ".bias"])

    x = w["tokens.weight"][ids] + w["positions.weight"][:t]                       # (B, T, C)
    mask = torch.ones(t, t, dtype=torch.bool).tril()
    for i in range(cfg["layers"]):
        p = "block%d." % i
        a = ln(x, p + "norm1")
        q = lin(a, p + "attn.q").view(b, t, h, d).transpose(1, 2)                 # (B, H, T, D)
        k = lin(a, p + "attn.k").view(b, t, h, d).transpose(1, 2)
        v = lin(a, p + "attn.v").view(b, t, h, d).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d)                             # (B, H, T, T)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)                             # (B, T, C)
        x = x + lin(y, p + "attn.o")
        x = x + lin(gelu(lin(ln(x, p + "norm2"), p + "mlp.up")), p + "mlp.down")
    return ln(x, "norm") @ w["tokens.weight"].t()                                  # (B, T, V)


def step_gradients(w, micro, cfg, **kw):
    """Mean loss over the micro-batches; leaves their mean gradient in w[*].grad."""
    total = 0.0
    for mb in micro:
        x, y = torch.from_numpy(mb[:, :-1].astype(np.int64)), torch.from_numpy(mb[:, 1:].astype(np.int64))
        logits = forward(w, x, cfg, **kw)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        (loss / len(micro)).backward()
        total += loss.item()
    return total / len(micro)


def to_params(init, dtype):
    return {k: torch.tensor(v.astype(np.float64), dtype=dtype, requires_grad=True) for k, v in init.items()}


def train(init, batches, cfg, opt, dtype, decay_split=True, **kw):
    w = to_params(init, dtype)
    decay = [p for p in w.values() if p.dim() >= 2 or not decay_split]
    no_decay = [p for p in w.values() if p.dim() < 2 and decay_split]
    groups = [{"params": decay, "weight_decay": opt["weightDecay"]}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    adamw = torch.optim.AdamW(groups, lr=opt["lr"], betas=BETAS, eps=EPS)
    acc = opt["accumulate"]
    losses, lrs, norms, first_grads = [], [], [], None
    for s in range(opt["steps"]):
        loss = step_gradients(w, batches[s * acc:(s + 1) * acc], cfg, **kw)
        if first_grads is None:
            first_grads = {k: p.grad.detach().clone() for k, p in w.items()}
        norm = torch.nn.utils.clip_grad_norm_(list(w.values()), opt["gradClip"]).item()
        lr = lr_at(s, opt)
        for g in adamw.param_groups:
            g["lr"] = lr
        adamw.step()
        adamw.zero_grad(set_to_none=True)
        losses.append(loss)
        lrs.append(lr)
        norms.append(norm)
    return losses, lrs, norms, first_grads


def first_gradients(init, batches, cfg, opt, dtype=torch.float64, **kw):
    w = to_params(init, dtype)
    loss = step_gradients(w, batches[:opt["accumulate"]], cfg, **kw)
    return loss, {k: p.grad.detach() for k, p in w.items()}


def grad_diff(a, b):
    """The test's measure: max over parameters of max|a - b| / max(max|b|, FLOOR * G), G the largest |b| of all.

    Per parameter, relative to its own scale; the floor only matters for the attention key biases,
    whose gradient is zero in exact arithmetic (a bias added to every key shifts all scores of a
    query equally, which softmax ignores), so any float result for them is pure rounding.
    """
    big = max(g.double().abs().max().item() for g in b.values())
    return max((a[k].double() - b[k].double()).abs().max().item()
               / max(b[k].double().abs().max().item(), GRAD_FLOOR * big) for k in b)


def write_safetensors(path, tensors):
    header, blob = {"__metadata__": {"writer": "tools/reference/gpt_parity.py"}}, b""
    for name, arr in tensors.items():
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int32): "I32"}[arr.dtype]
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (len(text) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + blob)
    return 8 + len(text) + len(blob)


def rel_losses(a, b):
    return max(abs(x - y) / abs(y) for x, y in zip(a, b))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--init", help="a step-0 Moxing checkpoint (moxing train gpt --init-only); default: make one")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    if args.init:
        config, opt, code_points, init = load_checkpoint(args.init)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            moxing_init(os.path.join(tmp, "init"))
            config, opt, code_points, init = load_checkpoint(os.path.join(tmp, "init"))
    batches = draw_batches(code_points, config, opt)

    losses, lrs, norms, grads = train(init, batches, config, opt, torch.float64)
    losses32, _, norms32, grads32 = train(init, batches, config, opt, torch.float32)
    # Sensitivity: how far plausible implementation mistakes move what the test compares.
    _, erf = first_gradients(init, batches, config, opt, gelu=F.gelu)
    _, eps6 = first_gradients(init, batches, config, opt, eps=1e-6)
    no_split = train(init, batches, config, opt, torch.float64, decay_split=False)[0]

    out = {
        "generated_by": "tools/reference/gpt_parity.py",
        "moxing_args": MOXING_ARGS[:2] + [a if a != TEXT else "data/tinyshakespeare/input.txt" for a in MOXING_ARGS[2:]],
        "config": config,
        "options": opt,
        "betas": list(BETAS),
        "eps": EPS,
        "batch_seed": BATCH_SEED,
        "grad_floor": GRAD_FLOOR,
        "vocabulary": code_points,
        "loss": losses,
        "lr": lrs,
        "grad_norm": norms,
        "torch_f32": {
            "max_rel_loss_diff": rel_losses(losses32, losses),
            "final_rel_loss_diff": abs(losses32[-1] - losses[-1]) / losses[-1],
            "first_grad_rel_err": grad_diff(grads32, grads),
            "first_grad_norm_rel_diff": abs(norms32[0] - norms[0]) / norms[0],
        },
        "sensitivity": {
            "gelu_erf_first_grad_rel_diff": grad_diff(erf, grads),
            "layer_norm_eps_1e-6_first_grad_rel_diff": grad_diff(eps6, grads),
            "decay_on_all_params_final_rel_loss_diff": abs(no_split[-1] - losses[-1]) / losses[-1],
        },
    }
    tensors = {"init." + k: v for k, v in init.items()}
    tensors.update({"grad." + k: g.double().numpy().astype(np.float32) for k, g in grads.items()})
    tensors["batches"] = batches
    os.makedirs(OUT_DIR, exist_ok=True)
    st_path = os.path.join(OUT_DIR, "gpt_parity.safetensors")
    size = write_safetensors(st_path, tensors)
    # Check the written file against the independent reader before trusting it.
    _, back = read_safetensors.read(st_path)
    for name, _, _, arr, _ in back:
        assert np.array_equal(arr, tensors[name].astype(np.float64)), name
    with open(st_path, "rb") as f:
        out["safetensors_sha256"] = hashlib.sha256(f.read()).hexdigest()
    json_path = os.path.join(OUT_DIR, "gpt_parity.json")
    with open(json_path, "w", encoding="utf-8") as f:
        f.write(json.dumps(out, indent=1) + "\n")
    print("wrote %s (%d bytes) and %s" % (st_path, size, json_path))
    print("loss: step 1 %.6f, step %d %.6f; torch float32 vs float64: %s" % (
        losses[0], len(losses), losses[-1], json.dumps(out["torch_f32"])))
    print("sensitivity: %s" % json.dumps(out["sensitivity"]))


if __name__ == "__main__":
    main()
