#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for every Moxing tensor op (forward and backward).

Run from the repository root with the system interpreter (Debian python3-torch):

    /usr/bin/python3 tools/reference/make_op_fixtures.py

It writes moxing-core/src/test/resources/fixtures/ops.json, which
dev.moxing.tensor.OpsAgainstTorchTest replays against Moxing. The output is deterministic
(torch.manual_seed, single thread), one case per line so that a regeneration diffs readably.

File schema
-----------
    {
      "format": 1,
      "generator": "tools/reference/make_op_fixtures.py",
      "torch_version": "1.13.0",
      "reference": "float64",
      "cases": [ CASE, CASE, ... ]
    }

CASE:
    {
      "name": "mul_broadcast_3x1x4_2x4",   unique, used as the JUnit display name
      "op": "mul",                          key of the dispatch table (OPS below / the Java harness)
      "args": {...},                        op-specific non-tensor arguments (see OPS)
      "inputs": [INPUT, ...],
      "output": TENSOR,                     single-output ops
      "grad_output": TENSOR | null,         the upstream gradient used for out.backward(grad_output);
                                            null for non-differentiable (forward-only) cases
      "outputs": [TENSOR, ...],             multi-output ops (split, chunk) instead of output
      "grad_outputs": [TENSOR, ...] | null, one upstream gradient per piece (instead of grad_output)
      "grads": [TENSOR | null, ...],        gradient of each input's BASE leaf; null when the input does
                                            not require grad or the case is forward-only
      "torch_f32_err": {"output": e, "grads": [e | null, ...]}
                                            max |torch float32 result - float64 reference|, i.e. how far a
                                            good float32 engine (PyTorch itself) lands from the reference;
                                            informative, the harness may use it as extra slack
    }

INPUT:
    {
      "shape": [3, 4],
      "dtype": "f32" | "i32",
      "data": [...],                        flat, row-major, of the BASE tensor
      "requires_grad": true | false,        only f32 inputs may require grad
      "view": [["transpose", 0, 1], ...]    optional chain of view ops applied to the base leaf before
                                            the op, to exercise non-contiguous / broadcast inputs:
                                            ["transpose", d0, d1], ["permute", d...], ["narrow", dim,
                                            start, length], ["expand", size...], ["unsqueeze", d],
                                            ["squeeze", d], ["t"]
    }

TENSOR:
    {"shape": [...], "dtype": "f32" | "i32", "data": [...flat row-major...]}

Boolean results (comparisons) are encoded as f32 0/1, int64 results (argmax, one_hot) as i32.
Masks and conditions (where, masked_fill) are f32 0/1 inputs: nonzero means true.

Numbers
-------
Every f32 number is a float32 value written with Python's repr of the exactly equal double (e.g.
0.10000000149011612), so any JSON reader that parses doubles and casts to float gets the exact
float32 bits back.

Inputs are float32 values. Expected outputs and gradients are computed by PyTorch in float64 on
those exact inputs (and the float32 grad_output), then rounded to float32: they are the
correctly-rounded answers, so a float32 engine is only measured against its own rounding error.
For comparison, torch_f32_err records how far PyTorch's own float32 computation lands from it.

Inputs avoid points where the op is not differentiable or where PyTorch's subgradient choice is a
convention (ties in max/min/maximum/minimum, zero for abs/relu, clamp bounds), so that any correct
implementation agrees with the reference. Dropout is random and is not in the fixtures: the Java
harness checks its statistics instead.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "moxing-core", "src", "test", "resources", "fixtures", "ops.json")

torch.manual_seed(20240607)
torch.set_num_threads(1)

# --------------------------------------------------------------------------------------------
# Op table: name -> f(list of input tensors after views, args) -> tensor | list of tensors.
# The Java harness (OpsAgainstTorchTest) has one entry per name here.
# --------------------------------------------------------------------------------------------


def _dims(a):
    return a.get("dims")


def _sum(x, a):
    return x.sum() if a.get("dims") is None else x.sum(dim=a["dims"], keepdim=a["keepdim"])


def _mean(x, a):
    return x.mean() if a.get("dims") is None else x.mean(dim=a["dims"], keepdim=a["keepdim"])


def _var(x, a):
    if "dim" in a:  # var(int dim, boolean keepdim): correction 1
        return x.var(dim=a["dim"], keepdim=a["keepdim"])
    return torch.var(x, dim=a["dims"], correction=a["correction"], keepdim=a["keepdim"])


OPS = {
    # binary elementwise with broadcasting
    "add": lambda x, a: x[0] + x[1],
    "sub": lambda x, a: x[0] - x[1],
    "mul": lambda x, a: x[0] * x[1],
    "div": lambda x, a: x[0] / x[1],
    "add_scalar": lambda x, a: x[0] + a["other"],
    "sub_scalar": lambda x, a: x[0] - a["other"],
    "mul_scalar": lambda x, a: x[0] * a["other"],
    "div_scalar": lambda x, a: x[0] / a["other"],
    "pow": lambda x, a: torch.pow(x[0], x[1]),
    "pow_scalar": lambda x, a: torch.pow(x[0], a["exponent"]),
    "maximum": lambda x, a: torch.maximum(x[0], x[1]),
    "minimum": lambda x, a: torch.minimum(x[0], x[1]),
    # unary elementwise
    "neg": lambda x, a: -x[0],
    "exp": lambda x, a: torch.exp(x[0]),
    "log": lambda x, a: torch.log(x[0]),
    "sqrt": lambda x, a: torch.sqrt(x[0]),
    "rsqrt": lambda x, a: torch.rsqrt(x[0]),
    "abs": lambda x, a: torch.abs(x[0]),
    "clamp": lambda x, a: torch.clamp(x[0], a["min"], a["max"]),
    "relu": lambda x, a: F.relu(x[0]),
    "gelu": lambda x, a: F.gelu(x[0]),
    "gelu_tanh": lambda x, a: F.gelu(x[0], approximate="tanh"),
    "silu": lambda x, a: F.silu(x[0]),
    "sigmoid": lambda x, a: torch.sigmoid(x[0]),
    "tanh": lambda x, a: torch.tanh(x[0]),
    # comparisons (forward only, f32 0/1)
    "eq": lambda x, a: torch.eq(x[0], x[1]),
    "ne": lambda x, a: torch.ne(x[0], x[1]),
    "lt": lambda x, a: torch.lt(x[0], x[1]),
    "le": lambda x, a: torch.le(x[0], x[1]),
    "gt": lambda x, a: torch.gt(x[0], x[1]),
    "ge": lambda x, a: torch.ge(x[0], x[1]),
    # selection
    "where": lambda x, a: torch.where(x[0] != 0, x[1], x[2]),
    "masked_fill": lambda x, a: x[0].masked_fill(x[1] != 0, a["value"]),
    # reductions
    "sum": lambda x, a: _sum(x[0], a),
    "mean": lambda x, a: _mean(x[0], a),
    "max_all": lambda x, a: x[0].max(),
    "min_all": lambda x, a: x[0].min(),
    "max_dim": lambda x, a: x[0].max(dim=a["dim"], keepdim=a["keepdim"]).values,
    "min_dim": lambda x, a: x[0].min(dim=a["dim"], keepdim=a["keepdim"]).values,
    "argmax": lambda x, a: x[0].argmax(dim=a["dim"], keepdim=a["keepdim"]),
    "argmin": lambda x, a: x[0].argmin(dim=a["dim"], keepdim=a["keepdim"]),
    "var": lambda x, a: _var(x[0], a),
    # linear algebra
    "matmul": lambda x, a: torch.matmul(x[0], x[1]),
    # softmax family
    "softmax": lambda x, a: torch.softmax(x[0], a["dim"]),
    "log_softmax": lambda x, a: torch.log_softmax(x[0], a["dim"]),
    # indexing
    "index_select": lambda x, a: torch.index_select(x[0], a["dim"], x[1]),
    "gather": lambda x, a: torch.gather(x[0], a["dim"], x[1]),
    "embedding": lambda x, a: F.embedding(x[1], x[0]),  # inputs: [weight, ids]
    "scatter_add": lambda x, a: torch.scatter_add(x[0], a["dim"], x[1], x[2]),  # [input, index, src]
    "cat": lambda x, a: torch.cat(list(x), a["dim"]),
    "stack": lambda x, a: torch.stack(list(x), a["dim"]),
    "split": lambda x, a: list(torch.split(x[0], a["split_size"], a["dim"])),
    "chunk": lambda x, a: list(torch.chunk(x[0], a["chunks"], a["dim"])),
    "one_hot": lambda x, a: F.one_hot(x[0], a["num_classes"]),
    # view ops
    "reshape": lambda x, a: x[0].reshape(a["shape"]),
    "view": lambda x, a: x[0].view(a["shape"]),
    "permute": lambda x, a: x[0].permute(a["dims"]),
    "transpose": lambda x, a: x[0].transpose(a["dim0"], a["dim1"]),
    "t": lambda x, a: x[0].t(),
    "narrow": lambda x, a: x[0].narrow(a["dim"], a["start"], a["length"]),
    "slice": lambda x, a: x[0].narrow(a["dim"], a["start"], a["end"] - a["start"]),
    "expand": lambda x, a: x[0].expand(a["sizes"]),
    "squeeze": lambda x, a: x[0].squeeze(a["dim"]) if "dim" in a else x[0].squeeze(),
    "unsqueeze": lambda x, a: x[0].unsqueeze(a["dim"]),
    "contiguous": lambda x, a: x[0].contiguous(),
    "flatten": lambda x, a: x[0].flatten(),
}


def apply_view(x, v):
    op, a = v[0], v[1:]
    if op == "transpose":
        return x.transpose(a[0], a[1])
    if op == "permute":
        return x.permute(*a)
    if op == "narrow":
        return x.narrow(a[0], a[1], a[2])
    if op == "expand":
        return x.expand(*a)
    if op == "unsqueeze":
        return x.unsqueeze(a[0])
    if op == "squeeze":
        return x.squeeze(a[0])
    if op == "t":
        return x.t()
    raise ValueError("unknown view op " + op)


# --------------------------------------------------------------------------------------------
# Input generators (all float32)
# --------------------------------------------------------------------------------------------


def randn(*shape):
    return torch.randn(shape, dtype=torch.float32)


def pos(*shape, lo=0.5, hi=2.0):
    """Strictly positive values in [lo, hi)."""
    return (torch.rand(shape, dtype=torch.float32) * (hi - lo) + lo).float()


def away(*shape, gap=0.1):
    """randn pushed away from zero by gap (abs, relu, division by a signed tensor)."""
    x = randn(*shape)
    return torch.where(x >= 0, x + gap, x - gap)


def distinct(*shape, spacing=0.25):
    """Values with no ties and at least `spacing` between any two (max/min/argmax, maximum)."""
    n = 1
    for s in shape:
        n *= s
    perm = torch.randperm(n).float()
    noise = torch.rand(n) * 0.2 * spacing
    return ((perm - n / 2.0) * spacing + noise).reshape(*shape).float()


def mask01(*shape, p=0.5):
    return (torch.rand(shape) < p).float()


def ints(low, high, *shape):
    return torch.randint(low, high, shape, dtype=torch.int64)


class Inp:
    def __init__(self, base, requires_grad=None, view=None):
        self.base = base
        self.is_int = not base.is_floating_point()
        self.requires_grad = (not self.is_int) if requires_grad is None else requires_grad
        self.view = view or []


def I(base, view=None, rg=None):
    return Inp(base, rg, view)


def C(base, view=None):
    """A constant (non-differentiable) input: masks, conditions, indices."""
    return Inp(base, False, view)


# --------------------------------------------------------------------------------------------
# Case construction
# --------------------------------------------------------------------------------------------

CASES = []
NAMES = set()


def enc(t):
    """Encode a tensor (float -> float32 values, bool -> f32 0/1, int -> i32)."""
    t = t.detach()
    if t.dtype == torch.bool:
        t = t.float()
    if t.is_floating_point():
        data = [float(v) for v in t.float().reshape(-1).tolist()]
        return {"shape": list(t.shape), "dtype": "f32", "data": data}
    data = [int(v) for v in t.reshape(-1).tolist()]
    assert all(-(2 ** 31) <= v < 2 ** 31 for v in data)
    return {"shape": list(t.shape), "dtype": "i32", "data": data}


def run(op, inputs, args, fdtype, grad_outputs):
    leaves, xs = [], []
    for inp in inputs:
        b = inp.base.clone()
        if not inp.is_int:
            b = b.to(fdtype)
        if inp.requires_grad:
            b.requires_grad_(True)
        leaves.append(b)
        x = b
        for v in inp.view:
            x = apply_view(x, v)
        xs.append(x)
    out = OPS[op](xs, args)
    multi = isinstance(out, list)
    outs = out if multi else [out]
    grads = [None] * len(inputs)
    if grad_outputs is not None:
        gos = [g.to(fdtype) for g in grad_outputs]
        torch.autograd.backward(outs, gos)
        for i, (inp, leaf) in enumerate(zip(inputs, leaves)):
            if inp.requires_grad:
                grads[i] = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
    return outs, multi, grads


def maxerr(a, b):
    if a is None or b is None:
        return None
    if a.numel() == 0:
        return 0.0
    return float((a.double() - b.double()).abs().max())


def case(name, op, inputs, args=None, backward=True):
    assert name not in NAMES, "duplicate case name " + name
    assert op in OPS, op
    NAMES.add(name)
    args = args or {}
    # float64 forward to learn the output shapes, then a float32 grad_output per output.
    outs64, multi, _ = run(op, inputs, args, torch.float64, None)
    differentiable = (backward and any(i.requires_grad for i in inputs)
                      and all(o.is_floating_point() for o in outs64))
    gos = [randn(*o.shape) for o in outs64] if differentiable else None
    outs64, multi, grads64 = run(op, inputs, args, torch.float64, gos)
    outs32, _, grads32 = run(op, inputs, args, torch.float32, gos)

    c = {"name": name, "op": op, "args": args, "inputs": []}
    for inp in inputs:
        e = enc(inp.base)
        d = {"shape": e["shape"], "dtype": e["dtype"], "data": e["data"],
             "requires_grad": inp.requires_grad}
        if inp.view:
            d["view"] = inp.view
        c["inputs"].append(d)
    if multi:
        c["outputs"] = [enc(o) for o in outs64]
        c["grad_outputs"] = [enc(g) for g in gos] if gos is not None else None
    else:
        c["output"] = enc(outs64[0])
        c["grad_output"] = enc(gos[0]) if gos is not None else None
    c["grads"] = [enc(g) if g is not None else None for g in grads64]
    oerr = max((maxerr(o32.double() if o32.dtype != torch.bool else o32.double(),
                       o64.double() if o64.dtype != torch.bool else o64.double())
                for o32, o64 in zip(outs32, outs64)), default=0.0)
    c["torch_f32_err"] = {"output": float("%.3g" % oerr),
                          "grads": [None if maxerr(a, b) is None else float("%.3g" % maxerr(a, b))
                                    for a, b in zip(grads32, grads64)]}
    CASES.append(c)


# --------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------

T01 = [["transpose", 0, 1]]


def binary_cases():
    for op in ["add", "sub", "mul", "div"]:
        den = (lambda *s: away(*s, gap=0.5)) if op == "div" else randn
        case(f"{op}_same_3x4", op, [I(randn(3, 4)), I(den(3, 4))])
        case(f"{op}_broadcast_3x1x4_2x4", op, [I(randn(3, 1, 4)), I(den(2, 4))])
        case(f"{op}_broadcast_4x1_1x5", op, [I(randn(4, 1)), I(den(1, 5))])
        case(f"{op}_broadcast_row_3x4_4", op, [I(randn(3, 4)), I(den(4))])
        case(f"{op}_0dim_other", op, [I(randn(3, 4)), I(den())])
        case(f"{op}_0dim_self", op, [I(randn()), I(den(2, 3))])
        case(f"{op}_transposed_4x3T_row4", op, [I(randn(4, 3), T01), I(den(4))])
        case(f"{op}_both_transposed", op, [I(randn(4, 3), T01), I(den(4, 3), T01)])
        case(f"{op}_expanded_view", op, [I(randn(3, 1), [["expand", 3, 4]]), I(den(3, 4))])
        case(f"{op}_narrow_unsqueeze_views", op,
             [I(randn(5, 4), [["narrow", 0, 1, 3], ["unsqueeze", 0]]), I(den(2, 1, 4))])
        case(f"{op}_const_other", op, [I(randn(2, 3)), I(den(2, 3), rg=False)])
        s = {"add": 2.5, "sub": -1.25, "mul": -3.0, "div": 0.7}[op]
        case(f"{op}_scalar_3x4", f"{op}_scalar", [I(randn(3, 4))], {"other": s})
        case(f"{op}_scalar_permuted", f"{op}_scalar", [I(randn(2, 3, 4), [["permute", 2, 0, 1]])],
             {"other": -s})

    for e in [2.0, 0.5, 3.0, -1.0, -0.5, 1.5]:
        case(f"pow_scalar_{e:g}_pos", "pow_scalar", [I(pos(3, 4))], {"exponent": e})
    for e in [2.0, 3.0]:
        case(f"pow_scalar_{e:g}_signed", "pow_scalar", [I(away(3, 4))], {"exponent": e})
    case("pow_scalar_2_transposed", "pow_scalar", [I(randn(4, 3), T01)], {"exponent": 2.0})
    case("pow_tensor_same", "pow", [I(pos(3, 4)), I(randn(3, 4))])
    case("pow_tensor_broadcast_exp", "pow", [I(pos(3, 4)), I(randn(4))])
    case("pow_tensor_broadcast_base", "pow", [I(pos(3, 1)), I(randn(2, 3, 4))])

    for op in ["maximum", "minimum"]:
        v = distinct(2, 3, 4)
        case(f"{op}_same", op, [I(v[0]), I(v[1])])
        v = distinct(4, 4)
        case(f"{op}_broadcast_row", op, [I(v[:3].clone()), I(v[3].clone())])
        v = distinct(2, 12)
        case(f"{op}_transposed", op, [I(v[0].reshape(4, 3).clone(), T01), I(v[1].reshape(3, 4).clone())])


def unary_cases():
    case("neg_3x4", "neg", [I(randn(3, 4))])
    case("neg_permuted", "neg", [I(randn(2, 3, 4), [["permute", 1, 2, 0]])])
    case("exp_3x4", "exp", [I(randn(3, 4))])
    case("exp_transposed", "exp", [I(randn(4, 3), T01)])
    case("log_pos", "log", [I(pos(3, 4, lo=0.2, hi=5.0))])
    case("log_transposed", "log", [I(pos(4, 3, lo=0.2, hi=5.0), T01)])
    case("sqrt_pos", "sqrt", [I(pos(3, 4, lo=0.2, hi=5.0))])
    case("sqrt_expanded", "sqrt", [I(pos(1, 4, lo=0.2, hi=5.0), [["expand", 3, 4]])])
    case("rsqrt_pos", "rsqrt", [I(pos(3, 4, lo=0.2, hi=5.0))])
    case("rsqrt_transposed", "rsqrt", [I(pos(4, 3, lo=0.2, hi=5.0), T01)])
    case("abs_signed", "abs", [I(away(3, 4))])
    case("abs_permuted", "abs", [I(away(2, 3, 4), [["permute", 2, 1, 0]])])
    case("clamp_both", "clamp", [I(away(3, 4, gap=0.0) * 1.3)], {"min": -0.5, "max": 0.75})
    case("clamp_transposed", "clamp", [I(randn(4, 5), T01)], {"min": -1.0, "max": 0.25})
    case("clamp_narrow", "clamp", [I(randn(4, 6), [["narrow", 1, 2, 3]])], {"min": -0.3, "max": 0.3})
    for op in ["relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh"]:
        mk = away if op == "relu" else (lambda *s: randn(*s) * 2.0)
        case(f"{op}_3x4", op, [I(mk(3, 4))])
        case(f"{op}_permuted_2x3x4", op, [I(mk(2, 3, 4), [["permute", 2, 0, 1]])])
        case(f"{op}_expanded", op, [I(mk(3, 1), [["expand", 3, 4]])])


def comparison_cases():
    for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
        a = torch.round(randn(3, 4) * 2.0) / 2.0  # coarse values: plenty of ties
        b = torch.round(randn(3, 4) * 2.0) / 2.0
        b[0, :2] = a[0, :2]
        b[2, 3] = a[2, 3]
        case(f"{op}_same", op, [C(a), C(b)])
        a = torch.round(randn(3, 4) * 2.0) / 2.0
        row = a[1].clone()
        row[0] += 0.5
        case(f"{op}_broadcast_row", op, [C(a), C(row)])
        a = torch.round(randn(4, 3) * 2.0) / 2.0
        b = torch.round(randn(3, 1) * 2.0) / 2.0
        b[1, 0] = a[0, 1]
        case(f"{op}_transposed_broadcast", op, [C(a, T01), C(b)])


def selection_cases():
    case("where_same", "where", [C(mask01(3, 4)), I(randn(3, 4)), I(randn(3, 4))])
    case("where_broadcast", "where", [C(mask01(3, 1)), I(randn(1, 4)), I(randn(3, 4))])
    case("where_broadcast_cond_row", "where", [C(mask01(4)), I(randn(2, 3, 4)), I(randn(3, 1))])
    case("where_0dim_b", "where", [C(mask01(3, 4)), I(randn(3, 4)), I(randn())])
    case("where_transposed", "where", [C(mask01(3, 4)), I(randn(4, 3), T01), I(randn(3, 4), rg=False)])
    case("masked_fill_same", "masked_fill", [I(randn(3, 4)), C(mask01(3, 4))], {"value": 0.5})
    case("masked_fill_broadcast_neg_big", "masked_fill", [I(randn(2, 3, 4)), C(mask01(1, 4))],
         {"value": -1e9})
    case("masked_fill_transposed", "masked_fill", [I(randn(4, 3), T01), C(mask01(3, 1))],
         {"value": -2.0})


def reduction_cases():
    for op in ["sum", "mean"]:
        case(f"{op}_all_3x4", op, [I(randn(3, 4))], {"dims": None})
        case(f"{op}_all_permuted", op, [I(randn(2, 3, 4), [["permute", 2, 0, 1]])], {"dims": None})
        case(f"{op}_all_expanded", op, [I(randn(3, 1), [["expand", 3, 5]])], {"dims": None})
        case(f"{op}_dim0", op, [I(randn(3, 4))], {"dims": [0], "keepdim": False})
        case(f"{op}_dim1_keepdim", op, [I(randn(3, 4))], {"dims": [1], "keepdim": True})
        case(f"{op}_dim_neg1_3d", op, [I(randn(2, 3, 4))], {"dims": [-1], "keepdim": False})
        case(f"{op}_dim1_3d_keepdim", op, [I(randn(2, 3, 4))], {"dims": [1], "keepdim": True})
        case(f"{op}_dims02", op, [I(randn(2, 3, 4))], {"dims": [0, 2], "keepdim": False})
        case(f"{op}_dims02_keepdim", op, [I(randn(2, 3, 4))], {"dims": [0, 2], "keepdim": True})
        case(f"{op}_dims12_transposed", op, [I(randn(4, 3, 2), [["transpose", 0, 2]])],
             {"dims": [1, 2], "keepdim": False})
        case(f"{op}_dims_all3_keepdim", op, [I(randn(2, 3, 4))], {"dims": [0, 1, 2], "keepdim": True})
        case(f"{op}_dim0_transposed_keepdim", op, [I(randn(5, 3), T01)], {"dims": [0], "keepdim": True})

    for op in ["max", "min"]:
        case(f"{op}_all_3x4", f"{op}_all", [I(distinct(3, 4))])
        case(f"{op}_all_permuted", f"{op}_all", [I(distinct(2, 3, 4), [["permute", 1, 2, 0]])])
        case(f"{op}_dim1", f"{op}_dim", [I(distinct(3, 4))], {"dim": 1, "keepdim": False})
        case(f"{op}_dim0_keepdim", f"{op}_dim", [I(distinct(3, 4))], {"dim": 0, "keepdim": True})
        case(f"{op}_dim_neg1_3d", f"{op}_dim", [I(distinct(2, 3, 4))], {"dim": -1, "keepdim": False})
        case(f"{op}_dim1_3d_keepdim", f"{op}_dim", [I(distinct(2, 3, 4))], {"dim": 1, "keepdim": True})
        case(f"{op}_dim0_transposed", f"{op}_dim", [I(distinct(5, 3), T01)], {"dim": 0, "keepdim": False})
        a = f"arg{op}"
        case(f"{a}_dim1", a, [C(distinct(3, 4))], {"dim": 1, "keepdim": False})
        case(f"{a}_dim0_keepdim", a, [C(distinct(3, 4))], {"dim": 0, "keepdim": True})
        case(f"{a}_dim_neg1_3d", a, [C(distinct(2, 3, 4))], {"dim": -1, "keepdim": False})
        case(f"{a}_dim1_3d_transposed", a, [C(distinct(4, 3, 2), [["transpose", 0, 2]])],
             {"dim": 1, "keepdim": True})

    case("var_dims1_corr1", "var", [I(randn(3, 5))], {"dims": [1], "correction": 1, "keepdim": False})
    case("var_dims1_corr0_keepdim", "var", [I(randn(3, 5))], {"dims": [1], "correction": 0, "keepdim": True})
    case("var_dims02_corr1", "var", [I(randn(2, 3, 4))], {"dims": [0, 2], "correction": 1, "keepdim": False})
    case("var_dims02_corr0_keepdim", "var", [I(randn(2, 3, 4))],
         {"dims": [0, 2], "correction": 0, "keepdim": True})
    case("var_dims_all_corr1", "var", [I(randn(2, 3, 4))],
         {"dims": [0, 1, 2], "correction": 1, "keepdim": False})
    case("var_dims_neg1_transposed_corr0", "var", [I(randn(4, 3), T01)],
         {"dims": [-1], "correction": 0, "keepdim": False})
    case("var_dim1_default", "var", [I(randn(3, 5))], {"dim": 1, "keepdim": False})
    case("var_dim_neg1_keepdim_3d", "var", [I(randn(2, 3, 4))], {"dim": -1, "keepdim": True})
    case("var_dim0_offset_values", "var", [I(randn(6, 2) + 10.0)], {"dim": 0, "keepdim": False})


def matmul_cases():
    case("matmul_2d", "matmul", [I(randn(3, 4)), I(randn(4, 5))])
    case("matmul_batched", "matmul", [I(randn(2, 3, 4)), I(randn(2, 4, 5))])
    case("matmul_broadcast_batch", "matmul", [I(randn(2, 1, 3, 4)), I(randn(5, 4, 2))])
    case("matmul_3d_2d", "matmul", [I(randn(2, 3, 4)), I(randn(4, 5))])
    case("matmul_2d_3d", "matmul", [I(randn(3, 4)), I(randn(2, 4, 5))])
    case("matmul_1d_2d", "matmul", [I(randn(4)), I(randn(4, 5))])
    case("matmul_2d_1d", "matmul", [I(randn(3, 4)), I(randn(4))])
    case("matmul_1d_1d", "matmul", [I(randn(4)), I(randn(4))])
    case("matmul_1d_3d", "matmul", [I(randn(4)), I(randn(2, 4, 3))])
    case("matmul_3d_1d", "matmul", [I(randn(2, 3, 4)), I(randn(4))])
    case("matmul_lhs_transposed", "matmul", [I(randn(4, 3), T01), I(randn(4, 5))])
    case("matmul_rhs_transposed", "matmul", [I(randn(3, 4)), I(randn(5, 4), T01)])
    case("matmul_both_transposed", "matmul", [I(randn(4, 3), T01), I(randn(5, 4), T01)])
    case("matmul_batched_rhs_transposed", "matmul",
         [I(randn(2, 3, 4)), I(randn(2, 5, 4), [["transpose", 1, 2]])])
    case("matmul_batched_permuted_lhs", "matmul",
         [I(randn(3, 2, 4), [["permute", 1, 0, 2]]), I(randn(2, 4, 5))])
    case("matmul_expanded_rhs", "matmul", [I(randn(2, 3, 4)), I(randn(4, 5), [["expand", 2, 4, 5]])])
    case("matmul_const_rhs", "matmul", [I(randn(3, 4)), I(randn(4, 2), rg=False)])


def softmax_cases():
    for op in ["softmax", "log_softmax"]:
        case(f"{op}_2d_dim1", op, [I(randn(3, 4) * 2)], {"dim": 1})
        case(f"{op}_2d_dim0", op, [I(randn(3, 4) * 2)], {"dim": 0})
        case(f"{op}_3d_dim0", op, [I(randn(2, 3, 4) * 2)], {"dim": 0})
        case(f"{op}_3d_dim1", op, [I(randn(2, 3, 4) * 2)], {"dim": 1})
        case(f"{op}_3d_dim_neg1", op, [I(randn(2, 3, 4) * 2)], {"dim": -1})
        case(f"{op}_transposed_dim_neg1", op, [I(randn(4, 3) * 2, T01)], {"dim": -1})
        case(f"{op}_large_logits", op, [I(randn(2, 5) * 30 + 50)], {"dim": -1})


def indexing_cases():
    case("index_select_dim0_repeats", "index_select",
         [I(randn(5, 3)), C(torch.tensor([4, 0, 2, 0]))], {"dim": 0})
    case("index_select_dim1", "index_select", [I(randn(3, 5)), C(torch.tensor([1, 1, 3]))], {"dim": 1})
    case("index_select_3d_dim2", "index_select", [I(randn(2, 3, 4)), C(torch.tensor([3, 0]))], {"dim": 2})
    case("index_select_transposed", "index_select",
         [I(randn(4, 3), T01), C(torch.tensor([2, 0, 2, 1, 3]))], {"dim": 1})
    case("gather_dim1_repeats", "gather", [I(randn(3, 4)), C(ints(0, 4, 3, 5))], {"dim": 1})
    case("gather_dim0", "gather", [I(randn(3, 4)), C(ints(0, 3, 2, 4))], {"dim": 0})
    case("gather_dim1_smaller", "gather", [I(randn(3, 4)), C(ints(0, 4, 2, 1))], {"dim": 1})
    case("gather_3d_dim2", "gather", [I(randn(2, 3, 4)), C(ints(0, 4, 2, 3, 2))], {"dim": 2})
    case("gather_dim_neg1_transposed", "gather", [I(randn(4, 3), T01), C(ints(0, 4, 3, 1))], {"dim": -1})
    case("embedding_2d_ids", "embedding", [I(randn(6, 4)), C(torch.tensor([[0, 5, 2], [5, 5, 1]]))])
    case("embedding_1d_ids", "embedding", [I(randn(6, 3)), C(torch.tensor([3, 0, 3, 1, 4]))])
    case("scatter_add_dim1", "scatter_add", [I(randn(3, 5)), C(ints(0, 5, 3, 4)), I(randn(3, 4))], {"dim": 1})
    case("scatter_add_dim0", "scatter_add", [I(randn(4, 3)), C(ints(0, 4, 5, 3)), I(randn(5, 3))], {"dim": 0})
    case("scatter_add_3d_dim_neg1", "scatter_add",
         [I(randn(2, 3, 4)), C(ints(0, 4, 2, 3, 6)), I(randn(2, 3, 6))], {"dim": -1})
    case("scatter_add_const_input", "scatter_add",
         [I(torch.zeros(3, 4), rg=False), C(ints(0, 4, 3, 3)), I(randn(3, 3))], {"dim": 1})
    case("cat_dim0", "cat", [I(randn(2, 4)), I(randn(3, 4))], {"dim": 0})
    case("cat_dim1_three", "cat", [I(randn(3, 2)), I(randn(3, 1)), I(randn(3, 3))], {"dim": 1})
    case("cat_3d_dim_neg1", "cat", [I(randn(2, 3, 1)), I(randn(2, 3, 2))], {"dim": -1})
    case("cat_transposed_and_const", "cat", [I(randn(4, 3), T01), I(randn(2, 4), rg=False)], {"dim": 0})
    case("cat_3d_dim1", "cat", [I(randn(2, 1, 3)), I(randn(2, 2, 3))], {"dim": 1})
    case("stack_dim0", "stack", [I(randn(3, 4)), I(randn(3, 4)), I(randn(3, 4))], {"dim": 0})
    case("stack_dim1", "stack", [I(randn(3, 4)), I(randn(3, 4))], {"dim": 1})
    case("stack_dim_neg1", "stack", [I(randn(2, 3)), I(randn(2, 3))], {"dim": -1})
    case("stack_transposed", "stack", [I(randn(4, 3), T01), I(randn(3, 4))], {"dim": 2})
    case("split_dim0_uneven", "split", [I(randn(5, 4))], {"split_size": 2, "dim": 0})
    case("split_dim1_even", "split", [I(randn(3, 6))], {"split_size": 3, "dim": 1})
    case("split_transposed_dim_neg1", "split", [I(randn(5, 3), T01)], {"split_size": 2, "dim": -1})
    case("split_3d_dim1", "split", [I(randn(2, 5, 2))], {"split_size": 4, "dim": 1})
    case("chunk_dim0_uneven", "chunk", [I(randn(5, 4))], {"chunks": 3, "dim": 0})
    case("chunk_dim1", "chunk", [I(randn(3, 7))], {"chunks": 2, "dim": 1})
    case("chunk_fewer_than_asked", "chunk", [I(randn(2, 6))], {"chunks": 4, "dim": 1})
    case("chunk_transposed", "chunk", [I(randn(4, 3), T01)], {"chunks": 2, "dim": 1})
    case("one_hot_1d", "one_hot", [C(torch.tensor([0, 3, 1, 3, 2]))], {"num_classes": 4})
    case("one_hot_2d", "one_hot", [C(torch.tensor([[4, 0, 1], [2, 2, 3]]))], {"num_classes": 5})


def view_cases():
    case("reshape_3x4_to_2x6", "reshape", [I(randn(3, 4))], {"shape": [2, 6]})
    case("reshape_infer", "reshape", [I(randn(2, 3, 4))], {"shape": [4, -1]})
    case("reshape_transposed_copy", "reshape", [I(randn(4, 3), T01)], {"shape": [12]})
    case("reshape_to_3d", "reshape", [I(randn(6, 4))], {"shape": [2, 3, 4]})
    case("view_2x3x4_to_6x4", "view", [I(randn(2, 3, 4))], {"shape": [6, 4]})
    case("view_infer", "view", [I(randn(3, 4))], {"shape": [-1, 2, 2]})
    case("permute_3d", "permute", [I(randn(2, 3, 4))], {"dims": [2, 0, 1]})
    case("permute_4d", "permute", [I(randn(2, 1, 3, 2))], {"dims": [3, 1, 0, 2]})
    case("transpose_3d_0_2", "transpose", [I(randn(2, 3, 4))], {"dim0": 0, "dim1": 2})
    case("transpose_neg_dims", "transpose", [I(randn(2, 3, 4))], {"dim0": -1, "dim1": -2})
    case("t_2d", "t", [I(randn(3, 4))])
    case("narrow_dim1", "narrow", [I(randn(4, 5))], {"dim": 1, "start": 1, "length": 3})
    case("narrow_dim0_transposed", "narrow", [I(randn(4, 5), T01)], {"dim": 0, "start": 2, "length": 2})
    case("slice_dim0", "slice", [I(randn(4, 3))], {"dim": 0, "start": 1, "end": 3})
    case("slice_3d_dim_neg1", "slice", [I(randn(2, 3, 5))], {"dim": -1, "start": 2, "end": 5})
    case("expand_col", "expand", [I(randn(3, 1))], {"sizes": [3, 4]})
    case("expand_new_leading_dims", "expand", [I(randn(4))], {"sizes": [2, 3, 4]})
    case("expand_middle", "expand", [I(randn(2, 1, 3))], {"sizes": [2, 4, 3]})
    case("squeeze_dim", "squeeze", [I(randn(3, 1, 4))], {"dim": 1})
    case("squeeze_all", "squeeze", [I(randn(1, 3, 1, 4))])
    case("squeeze_dim_not_one", "squeeze", [I(randn(3, 4))], {"dim": 0})
    case("unsqueeze_0", "unsqueeze", [I(randn(3, 4))], {"dim": 0})
    case("unsqueeze_middle", "unsqueeze", [I(randn(3, 4))], {"dim": 1})
    case("unsqueeze_neg1", "unsqueeze", [I(randn(3, 4))], {"dim": -1})
    case("contiguous_transposed", "contiguous", [I(randn(4, 3), T01)])
    case("contiguous_already", "contiguous", [I(randn(3, 4))])
    case("flatten_3d", "flatten", [I(randn(2, 3, 4))])
    case("flatten_permuted", "flatten", [I(randn(2, 3, 4), [["permute", 2, 0, 1]])])


def main():
    binary_cases()
    unary_cases()
    comparison_cases()
    selection_cases()
    reduction_cases()
    matmul_cases()
    softmax_cases()
    indexing_cases()
    view_cases()
    missing = set(OPS) - {c["op"] for c in CASES}
    assert not missing, "ops without a case: %s" % sorted(missing)

    header = {"format": 1, "generator": "tools/reference/make_op_fixtures.py",
              "torch_version": torch.__version__.split("+")[0], "reference": "float64"}
    lines = []
    for c in CASES:
        lines.append(json.dumps(c, separators=(",", ":"), allow_nan=False))
    text = json.dumps(header, separators=(",", ":"))[:-1] + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    counts = {}
    for c in CASES:
        counts[c["op"]] = counts.get(c["op"], 0) + 1
    print("wrote %s: %d cases, %d ops, %d bytes" % (os.path.relpath(OUT, ROOT), len(CASES), len(counts),
                                                   len(text.encode())), file=sys.stderr)
    for op in sorted(counts):
        print("  %-14s %d" % (op, counts[op]), file=sys.stderr)


if __name__ == "__main__":
    main()
