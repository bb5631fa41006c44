#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for Moxing's losses, optimizers, LR schedules and clipping.

Run from the repository root with the system interpreter (Debian python3-torch 1.13):

    /usr/bin/python3 tools/reference/make_optim_loss_fixtures.py

It writes, under moxing-nn/src/test/resources/fixtures/:

    optim/optimizers.json   parameters after each of 5 steps, for every optimizer and option combo
    optim/schedules.json    LR sequences of every schedule (and of ReduceLROnPlateau on a metric series)
    optim/clip.json         clip_grad_norm_ / clip_grad_value_ results
    loss/losses.json        every loss: forward value and gradient w.r.t. predictions, per reduction

Java tests in dev.moxing.optim and dev.moxing.nn.loss replay them. The output is deterministic
(fixed seed, one thread), one case per line so that a regeneration diffs readably.

Numbers
-------
Inputs (parameters, gradients, predictions, targets) are float32 values. Expected results are
computed by PyTorch in float64 on those exact inputs, then rounded to float32 (LRs and norms stay
float64). Every float32 value is written as Python's repr of the exactly equal double, so a JSON
reader that parses doubles and casts to float recovers the exact bits. "torch_f32_err" records how
far PyTorch's own float32 run lands from the float64 reference (informative slack for the harness).

Schemas
-------
TENSOR: {"shape": [...], "dtype": "f32" | "i32", "data": [...flat row-major...]}

optimizers.json case:
    {"name", "optimizer": "SGD" | "Adagrad" | "RMSprop" | "Adam" | "AdamW",
     "args": {lr, and the optimizer's options by Java-constructor name: momentum, dampening, nesterov,
              weight_decay, lr_decay, initial_accumulator_value, eps, alpha, centered, beta1, beta2,
              amsgrad},
     "params": [TENSOR, ...]                       initial values,
     "groups": [{"params": [index...], "lr_scale": s, "weight_decay": wd}, ...],
     "grads": [[TENSOR | null per param] per step]  the gradient fed at each step (null: no grad),
     "expected": [[TENSOR per param] per step]      parameter values after each step,
     "torch_f32_err": max |float32 torch run - reference| over all steps}

schedules.json case:
    {"name", "schedule": "StepLR" | ..., "args": {...}, "base_lr": 0.1,
     "lrs": [lr after construction, after step 1, ...],
     "metrics": [...]   (ReduceLROnPlateau only: the value passed to step k+1 -> lrs[k+1])}

clip.json case:
    {"name", "kind": "norm" | "value", "args": {"max_norm", "norm_type" (a number or "inf")} | {"clip_value"},
     "grads": [TENSOR | null, ...], "total_norm": n (norm only), "expected": [TENSOR | null, ...]}

losses.json case:
    {"name", "loss": "mse" | "mae" | "huber" | "bce" | "cce" | "scce",
     "args": {"reduction": "mean"|"sum"|"none", "from_logits", "label_smoothing", "delta",
              "ignore_index"},
     "predictions": TENSOR, "targets": TENSOR, "output": TENSOR, "grad_output": TENSOR,
     "grad": TENSOR (d(output . grad_output) / d predictions), "torch_f32_err": {...}}

Class dimension: Moxing's categorical losses take classes on the LAST dim (Keras), so for (B, T, C)
predictions the reference reshapes to (B*T, C) before calling torch, and back afterwards.
Probability-input categorical losses follow Keras: normalize rows to sum 1, clip to
[1e-7, 1 - 1e-7], then -sum(y * log p). Label smoothing follows Keras/PyTorch:
y' = y * (1 - ls) + ls / C (categorical), y' = y * (1 - ls) + ls / 2 (binary).
"""

import json
import math
import os
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "moxing-nn", "src", "test", "resources", "fixtures")
GEN = "tools/reference/make_optim_loss_fixtures.py"
STEPS = 5
KERAS_EPS = 1e-7

torch.manual_seed(20240611)
torch.set_num_threads(1)


def enc(t):
    t = t.detach()
    if t.is_floating_point():
        return {"shape": list(t.shape), "dtype": "f32", "data": [float(v) for v in t.float().reshape(-1).tolist()]}
    return {"shape": list(t.shape), "dtype": "i32", "data": [int(v) for v in t.reshape(-1).tolist()]}


def maxerr(a, b):
    return float((a.double() - b.double()).abs().max()) if a.numel() else 0.0


def write(rel, cases):
    path = os.path.join(FIX, rel)
    header = {"format": 1, "generator": GEN, "torch_version": torch.__version__.split("+")[0],
              "reference": "float64"}
    lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases]
    text = json.dumps(header, separators=(",", ":"))[:-1] + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    print("wrote %s: %d cases, %d bytes" % (os.path.relpath(path, ROOT), len(cases), len(text)), file=sys.stderr)


def unique(cases):
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return cases


# ============================================================================================
# Optimizers
# ============================================================================================

# A small MLP-style regression: out = (x @ W + b) * g, loss = 0.5 * mean((out - y)^2).
# Its gradients (at the float64 reference parameters) are rounded to float32 and stored, and both
# torch runs and the Java test feed exactly those gradients, so the comparison isolates the update.
X = torch.randn(6, 4)
Y = torch.randn(6, 3)
INIT = [torch.randn(4, 3), torch.randn(3) * 0.1, 1.0 + 0.1 * torch.randn(3)]


def problem_grads(params):
    ps = [p.detach().double().requires_grad_(True) for p in params]
    out = (X.double() @ ps[0] + ps[1]) * ps[2]
    loss = 0.5 * ((out - Y.double()) ** 2).mean()
    loss.backward()
    return [p.grad.float() for p in ps]


def make_optimizer(kind, groups_spec, params, a):
    lr = a["lr"]
    groups = [{"params": [params[i] for i in g["params"]], "lr": lr * g["lr_scale"],
               "weight_decay": g["weight_decay"]} for g in groups_spec]
    if kind == "SGD":
        return torch.optim.SGD(groups, lr=lr, momentum=a["momentum"], dampening=a["dampening"],
                               nesterov=a["nesterov"])
    if kind == "Adagrad":
        return torch.optim.Adagrad(groups, lr=lr, lr_decay=a["lr_decay"],
                                   initial_accumulator_value=a["initial_accumulator_value"], eps=a["eps"])
    if kind == "RMSprop":
        return torch.optim.RMSprop(groups, lr=lr, alpha=a["alpha"], eps=a["eps"], momentum=a["momentum"],
                                   centered=a["centered"])
    if kind == "Adam":
        return torch.optim.Adam(groups, lr=lr, betas=(a["beta1"], a["beta2"]), eps=a["eps"], amsgrad=a["amsgrad"])
    if kind == "AdamW":
        return torch.optim.AdamW(groups, lr=lr, betas=(a["beta1"], a["beta2"]), eps=a["eps"], amsgrad=a["amsgrad"])
    raise ValueError(kind)


DEFAULTS = {
    "SGD": {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0},
    "Adagrad": {"lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10},
    "RMSprop": {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False},
    "Adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
    "AdamW": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False},
}


def optimizer_case(name, kind, lr, groups=None, skip=None, **opts):
    """groups: list of (param indices, lr_scale, weight_decay or None for the optimizer's default);
    skip: {step: [param indices without a gradient at that step]}."""
    a = dict(DEFAULTS[kind])
    a.update(opts)
    a["lr"] = lr
    groups = groups or [([0, 1, 2], 1.0, None)]
    gspec = [{"params": g[0], "lr_scale": g[1], "weight_decay": a["weight_decay"] if g[2] is None else g[2]}
             for g in groups]
    skip = skip or {}

    # Reference run in float64; its gradients (rounded to float32) are the ones everybody feeds.
    p64 = [p.double().clone().requires_grad_(True) for p in INIT]
    p32 = [p.clone().requires_grad_(True) for p in INIT]
    o64 = make_optimizer(kind, gspec, p64, a)
    o32 = make_optimizer(kind, gspec, p32, a)
    grads, expected, err = [], [], 0.0
    for step in range(STEPS):
        g = problem_grads(p64)
        step_grads = []
        for i in range(len(INIT)):
            if i in skip.get(step, []):
                p64[i].grad = None
                p32[i].grad = None
                step_grads.append(None)
            else:
                p64[i].grad = g[i].double()
                p32[i].grad = g[i].clone()
                step_grads.append(enc(g[i]))
        o64.step()
        o32.step()
        grads.append(step_grads)
        expected.append([enc(p.float()) for p in p64])
        err = max(err, max(maxerr(a_, b_) for a_, b_ in zip(p32, p64)))
    return {"name": name, "optimizer": kind, "args": a, "params": [enc(p) for p in INIT], "groups": gspec,
            "grads": grads, "expected": expected, "torch_f32_err": err}


def optimizer_cases():
    two_groups = [([0], 1.0, None), ([1, 2], 0.5, 0.0)]  # matrices decayed; vectors not, at half the LR
    return unique([
        optimizer_case("sgd_plain", "SGD", 0.1),
        optimizer_case("sgd_momentum", "SGD", 0.1, momentum=0.9),
        optimizer_case("sgd_momentum_dampening", "SGD", 0.1, momentum=0.9, dampening=0.1),
        optimizer_case("sgd_nesterov_weight_decay", "SGD", 0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        optimizer_case("sgd_groups_skip", "SGD", 0.05, groups=[([0], 1.0, 0.1), ([1, 2], 2.0, 0.0)],
                       skip={1: [1], 2: [1, 2]}, momentum=0.8),
        optimizer_case("adagrad_default", "Adagrad", 0.1),
        optimizer_case("adagrad_lr_decay_wd_init", "Adagrad", 0.1, lr_decay=0.05, weight_decay=0.01,
                       initial_accumulator_value=0.1, eps=1e-6),
        optimizer_case("adagrad_skip", "Adagrad", 0.1, lr_decay=0.1, skip={0: [2], 3: [0]}),
        optimizer_case("rmsprop_default", "RMSprop", 0.01),
        optimizer_case("rmsprop_momentum_wd", "RMSprop", 0.01, momentum=0.9, weight_decay=0.01, alpha=0.9),
        optimizer_case("rmsprop_centered", "RMSprop", 0.01, centered=True),
        optimizer_case("rmsprop_centered_momentum", "RMSprop", 0.01, centered=True, momentum=0.5, eps=1e-6),
        optimizer_case("adam_default", "Adam", 0.01),
        optimizer_case("adam_wd_amsgrad", "Adam", 0.01, weight_decay=0.05, amsgrad=True),
        optimizer_case("adam_betas_eps", "Adam", 0.02, beta1=0.8, beta2=0.95, eps=1e-6),
        optimizer_case("adam_skip", "Adam", 0.01, skip={1: [1], 2: [1], 4: [0]}),
        optimizer_case("adamw_default", "AdamW", 0.01),
        optimizer_case("adamw_strong_decay", "AdamW", 0.01, weight_decay=0.5),
        optimizer_case("adamw_groups_amsgrad", "AdamW", 0.01, groups=two_groups, amsgrad=True, weight_decay=0.1),
    ])


# ============================================================================================
# Schedules
# ============================================================================================

BASE_LR = 0.1
SCHED_STEPS = 25


def warmup_cosine(warmup, total, min_lr):
    def f(t):
        if t < warmup:
            return (t + 1) / (warmup + 1)
        if t >= total:
            return min_lr / BASE_LR
        p = (t - warmup) / (total - warmup)
        return (min_lr + 0.5 * (1 + math.cos(math.pi * p)) * (BASE_LR - min_lr)) / BASE_LR
    return f


def warmup_linear(warmup, total, min_lr):
    def f(t):
        if t < warmup:
            return (t + 1) / (warmup + 1)
        if t >= total:
            return min_lr / BASE_LR
        p = (t - warmup) / (total - warmup)
        return (min_lr + (1 - p) * (BASE_LR - min_lr)) / BASE_LR
    return f


def schedule_case(name, schedule, args, make, metrics=None):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=BASE_LR)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    n = len(metrics) if metrics is not None else SCHED_STEPS
    for k in range(n):
        opt.step()
        if metrics is not None:
            sched.step(metrics[k])
        else:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    c = {"name": name, "schedule": schedule, "args": args, "base_lr": BASE_LR, "lrs": lrs}
    if metrics is not None:
        c["metrics"] = metrics
    return c


def schedule_cases():
    S = torch.optim.lr_scheduler
    # A metric that improves, stalls, wobbles below the threshold, improves again.
    losses = [1.0, 0.8, 0.7, 0.69, 0.695, 0.7, 0.71, 0.6, 0.6, 0.6, 0.6, 0.6, 0.59, 0.5, 0.5, 0.5, 0.5,
              0.5, 0.5, 0.5, 0.5, 0.5]
    accs = [0.5, 0.6, 0.6, 0.61, 0.605, 0.7, 0.7, 0.7, 0.71, 0.7, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    plateau = lambda **kw: (lambda o: S.ReduceLROnPlateau(o, **kw))
    return unique([
        schedule_case("step_lr", "StepLR", {"step_size": 3, "gamma": 0.5}, lambda o: S.StepLR(o, 3, 0.5)),
        schedule_case("exponential_lr", "ExponentialLR", {"gamma": 0.9}, lambda o: S.ExponentialLR(o, 0.9)),
        schedule_case("cosine_annealing_lr", "CosineAnnealingLR", {"t_max": 10, "eta_min": 0.001},
                      lambda o: S.CosineAnnealingLR(o, 10, 0.001)),
        schedule_case("cosine_annealing_lr_zero_min", "CosineAnnealingLR", {"t_max": 7, "eta_min": 0.0},
                      lambda o: S.CosineAnnealingLR(o, 7, 0.0)),
        schedule_case("warmup_cosine", "WarmupCosine", {"warmup_steps": 5, "total_steps": 20, "min_lr": 0.01},
                      lambda o: S.LambdaLR(o, warmup_cosine(5, 20, 0.01))),
        schedule_case("warmup_cosine_no_warmup", "WarmupCosine",
                      {"warmup_steps": 0, "total_steps": 15, "min_lr": 0.0},
                      lambda o: S.LambdaLR(o, warmup_cosine(0, 15, 0.0))),
        schedule_case("warmup_linear", "WarmupLinear", {"warmup_steps": 4, "total_steps": 20, "min_lr": 0.0},
                      lambda o: S.LambdaLR(o, warmup_linear(4, 20, 0.0))),
        schedule_case("warmup_linear_min", "WarmupLinear", {"warmup_steps": 3, "total_steps": 12, "min_lr": 0.02},
                      lambda o: S.LambdaLR(o, warmup_linear(3, 12, 0.02))),
        schedule_case("plateau_min_rel", "ReduceLROnPlateau",
                      {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 0.01, "threshold_mode": "rel",
                       "cooldown": 1, "min_lr": 0.02, "eps": 1e-8},
                      plateau(mode="min", factor=0.5, patience=2, threshold=0.01, threshold_mode="rel",
                              cooldown=1, min_lr=0.02), metrics=losses),
        schedule_case("plateau_min_defaults", "ReduceLROnPlateau",
                      {"mode": "min", "factor": 0.1, "patience": 10, "threshold": 1e-4, "threshold_mode": "rel",
                       "cooldown": 0, "min_lr": 0.0, "eps": 1e-8},
                      plateau(), metrics=losses + [0.5] * 8),
        schedule_case("plateau_max_abs", "ReduceLROnPlateau",
                      {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.02, "threshold_mode": "abs",
                       "cooldown": 2, "min_lr": 0.0, "eps": 1e-8},
                      plateau(mode="max", factor=0.3, patience=1, threshold=0.02, threshold_mode="abs",
                              cooldown=2), metrics=accs),
    ])


# ============================================================================================
# Gradient clipping
# ============================================================================================

def clip_case(name, kind, args, grads):
    ps = []
    for g in grads:
        if g is None:
            ps.append(torch.zeros(2, dtype=torch.float64, requires_grad=True))
        else:
            p = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
            p.grad = g.double().clone()
            ps.append(p)
    c = {"name": name, "kind": kind, "args": args, "grads": [None if g is None else enc(g) for g in grads]}
    if kind == "norm":
        nt = args["norm_type"]
        total = torch.nn.utils.clip_grad_norm_(ps, args["max_norm"], norm_type=float(nt))
        c["total_norm"] = float(total)
    else:
        torch.nn.utils.clip_grad_value_(ps, args["clip_value"])
    c["expected"] = [None if g is None else enc(p.grad) for g, p in zip(grads, ps)]
    return c


def clip_cases():
    gs = [torch.randn(4, 3), torch.randn(3), torch.randn(2, 2, 2) * 3]
    return unique([
        clip_case("norm_clipped", "norm", {"max_norm": 1.0, "norm_type": 2.0}, gs),
        clip_case("norm_not_clipped", "norm", {"max_norm": 100.0, "norm_type": 2.0}, gs),
        clip_case("norm_near_threshold", "norm", {"max_norm": float(torch.cat([g.reshape(-1) for g in gs]).double()
                                                                   .norm()) * 0.999, "norm_type": 2.0}, gs),
        clip_case("norm_inf", "norm", {"max_norm": 0.5, "norm_type": "inf"}, gs),
        clip_case("norm_p3", "norm", {"max_norm": 1.5, "norm_type": 3.0}, gs),
        clip_case("norm_missing_grad", "norm", {"max_norm": 1.0, "norm_type": 2.0}, [gs[0], None, gs[2]]),
        clip_case("value", "value", {"clip_value": 0.5}, gs),
        clip_case("value_missing_grad", "value", {"clip_value": 1.0}, [None, gs[1], gs[2]]),
    ])


# ============================================================================================
# Losses
# ============================================================================================

def smooth_cat(y, ls):
    return y * (1 - ls) + ls / y.shape[-1] if ls else y


def reduce(per, reduction, count=None):
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    return per.sum() / (per.numel() if count is None else count)


def loss_fn(kind, a):
    red = a["reduction"]
    ls = a.get("label_smoothing", 0.0)
    logits = a.get("from_logits", False)

    def mse(p, t):
        return F.mse_loss(p, t, reduction=red)

    def mae(p, t):
        return F.l1_loss(p, t, reduction=red)

    def huber(p, t):
        return F.huber_loss(p, t, reduction=red, delta=a["delta"])

    def bce(p, t):
        t = t * (1 - ls) + 0.5 * ls if ls else t
        f = F.binary_cross_entropy_with_logits if logits else F.binary_cross_entropy
        return f(p, t, reduction=red)

    def cce(p, t):
        c = p.shape[-1]
        lead = p.shape[:-1]
        p2, t2 = p.reshape(-1, c), t.reshape(-1, c)
        if logits:
            per = F.cross_entropy(p2, t2, reduction="none", label_smoothing=ls)
        else:
            q = (p2 / p2.sum(-1, keepdim=True)).clamp(KERAS_EPS, 1 - KERAS_EPS)
            per = -(smooth_cat(t2, ls) * q.log()).sum(-1)
        return reduce(per.reshape(lead), red)

    def scce(p, t):
        c = p.shape[-1]
        lead = p.shape[:-1]
        p2, t2 = p.reshape(-1, c), t.reshape(-1).long()
        ii = a.get("ignore_index")
        keep = torch.ones_like(t2, dtype=torch.bool) if ii is None else t2 != ii
        if logits:
            per = F.cross_entropy(p2, t2, reduction="none", label_smoothing=ls,
                                  ignore_index=-100 if ii is None else ii)
        else:
            y = F.one_hot(torch.where(keep, t2, torch.zeros_like(t2)), c).to(p.dtype)
            y = smooth_cat(y, ls) * keep.unsqueeze(-1)
            q = (p2 / p2.sum(-1, keepdim=True)).clamp(KERAS_EPS, 1 - KERAS_EPS)
            per = -(y * q.log()).sum(-1)
        return reduce(per.reshape(lead), red, count=int(keep.sum()))

    return {"mse": mse, "mae": mae, "huber": huber, "bce": bce, "cce": cce, "scce": scce}[kind]


def loss_case(name, kind, preds, targets, **args):
    a = {"reduction": "mean", "from_logits": False, "label_smoothing": 0.0}
    a.update(args)
    f = loss_fn(kind, a)
    t64 = targets.double() if targets.is_floating_point() else targets
    p64 = preds.double().requires_grad_(True)
    out = f(p64, t64)
    go = torch.randn(out.shape).float() if a["reduction"] == "none" else torch.tensor(0.75)
    out.backward(go.double())
    p32 = preds.clone().requires_grad_(True)
    out32 = f(p32, targets)
    out32.backward(go)
    return {"name": name, "loss": kind, "args": a, "predictions": enc(preds), "targets": enc(targets),
            "output": enc(out), "grad_output": enc(go), "grad": enc(p64.grad),
            "torch_f32_err": {"output": maxerr(out32, out), "grad": maxerr(p32.grad, p64.grad)}}


def all_reductions(name, kind, preds, targets, **args):
    return [loss_case("%s_%s" % (name, r), kind, preds, targets, reduction=r, **args)
            for r in ("mean", "sum", "none")]


def away_from(x, gap):
    return torch.where(x >= 0, x + gap, x - gap)


def probs(*shape):
    return torch.rand(shape) * 0.9 + 0.05


def softmax_rows(*shape, scale=1.0):
    return torch.softmax(torch.randn(shape) * scale, -1).float()


def loss_cases():
    cases = []
    p, t = torch.randn(4, 3), torch.randn(4, 3)
    cases += all_reductions("mse", "mse", p, t)
    cases += all_reductions("mse_1d", "mse", torch.randn(5), torch.randn(5))
    d = away_from(torch.randn(4, 3), 0.05)
    cases += all_reductions("mae", "mae", t + d, t)
    d = torch.tensor([[-2.5, -1.2, -0.8, -0.3], [0.1, 0.45, 0.7, 1.3], [2.0, -0.05, 0.55, -0.6]])
    cases += all_reductions("huber_delta1", "huber", t[:3, :1] + d, t[:3, :1].expand(3, 4).contiguous(), delta=1.0)
    cases += all_reductions("huber_delta05", "huber", t[:3, :1] + d, t[:3, :1].expand(3, 4).contiguous(), delta=0.5)

    # binary cross-entropy: probabilities, hard and soft targets, label smoothing, extremes
    pb, yb = probs(4, 3), (torch.rand(4, 3) < 0.5).float()
    cases += all_reductions("bce_probs", "bce", pb, yb)
    cases += all_reductions("bce_probs_soft", "bce", pb, torch.rand(4, 3))
    cases += all_reductions("bce_probs_smooth", "bce", pb, yb, label_smoothing=0.1)
    cases.append(loss_case("bce_probs_extreme_sum", "bce", torch.tensor([0.0, 1.0, 1e-30, 1 - 1e-7, 0.0, 1.0]),
                           torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0, 0.0]), reduction="sum"))
    lb = torch.randn(4, 3) * 3
    lb[0, 0], lb[1, 1], lb[2, 2], lb[3, 0] = 40.0, -40.0, 95.0, -120.0
    cases += all_reductions("bce_logits", "bce", lb, yb, from_logits=True)
    cases += all_reductions("bce_logits_smooth", "bce", lb, torch.rand(4, 3), from_logits=True, label_smoothing=0.2)

    # categorical cross-entropy: one-hot / soft targets, probabilities and logits, smoothing, 3-D
    oh = F.one_hot(torch.randint(0, 5, (4,)), 5).float()
    soft = softmax_rows(4, 5)
    pp = softmax_rows(4, 5) * (torch.rand(4, 1) * 0.4 + 0.8)  # rows not summing to 1: exercises the normalize
    cases += all_reductions("cce_probs_onehot", "cce", pp, oh)
    cases += all_reductions("cce_probs_soft_smooth", "cce", pp, soft, label_smoothing=0.1)
    lg = torch.randn(4, 5) * 2
    lg[1, 2] = 60.0
    cases += all_reductions("cce_logits_onehot", "cce", lg, oh, from_logits=True)
    cases += all_reductions("cce_logits_soft", "cce", lg, soft, from_logits=True)
    cases += all_reductions("cce_logits_smooth", "cce", lg, oh, from_logits=True, label_smoothing=0.1)
    cases += all_reductions("cce_logits_3d", "cce", torch.randn(2, 3, 4),
                            softmax_rows(2, 3, 4), from_logits=True, label_smoothing=0.05)

    # sparse categorical cross-entropy: I32 and float-valued targets, logits (fused path) and probabilities
    ti = torch.randint(0, 5, (6,), dtype=torch.int32)
    ls6 = torch.randn(6, 5) * 2
    ls6[0, 0], ls6[3, 4], ls6[5, 1] = 50.0, -50.0, 30.0
    cases += all_reductions("scce_logits", "scce", ls6, ti, from_logits=True)
    cases += all_reductions("scce_logits_smooth", "scce", ls6, ti, from_logits=True, label_smoothing=0.1)
    cases.append(loss_case("scce_logits_float_targets", "scce", ls6, ti.float(), from_logits=True))
    cases += all_reductions("scce_logits_3d", "scce", torch.randn(2, 3, 7), torch.randint(0, 7, (2, 3),
                                                                                            dtype=torch.int32),
                            from_logits=True)
    tig = ti.clone()
    tig[1], tig[4] = -100, -100
    cases += all_reductions("scce_logits_ignore", "scce", ls6, tig, from_logits=True, ignore_index=-100)
    cases.append(loss_case("scce_logits_ignore_smooth", "scce", ls6, tig, from_logits=True, ignore_index=-100,
                           label_smoothing=0.2))
    big = torch.randn(16, 37) * 4  # wider rows: vector lanes and tails in the fused kernel
    cases += all_reductions("scce_logits_wide", "scce", big, torch.randint(0, 37, (16,), dtype=torch.int32),
                            from_logits=True, label_smoothing=0.1)
    ps6 = softmax_rows(6, 5, scale=2.0)
    cases += all_reductions("scce_probs", "scce", ps6, ti)
    cases += all_reductions("scce_probs_smooth", "scce", ps6, ti, label_smoothing=0.1)
    cases.append(loss_case("scce_probs_ignore", "scce", ps6, tig, ignore_index=-100))
    return unique(cases)


def main():
    write("optim/optimizers.json", optimizer_cases())
    write("optim/schedules.json", schedule_cases())
    write("optim/clip.json", clip_cases())
    write("loss/losses.json", loss_cases())


if __name__ == "__main__":
    main()
