#!/usr/bin/env python3
"""An independent numpy check of GGUF files in llama.cpp's gpt2 layout, as `moxing convert` writes them.

Run from the repository root with the system interpreter (numpy only):

    /usr/bin/python3 tools/reference/gpt2_gguf_reference.py --check FILE.gguf   # layout + tokenizer checks
    /usr/bin/python3 tools/reference/gpt2_gguf_reference.py --write              # checks, then the fixture

--write reads moxing-llm/src/test/resources/reference/gguf/moxing-gpt2-tiny.gguf (written by
Gpt2ExportReferenceTest with -Dmoxing.writeFixtures=true from a seeded model) and writes
moxing-gpt2-tiny.json beside it, which dev.moxing.llm.format.Gpt2ExportReferenceTest replays.

What is checked, with the GGUF reader of gguf_reference.py (its own parser, ggml's dequantizers):
  * metadata: general.architecture = gpt2 and the keys llama.cpp's LLM_ARCH_GPT2 loader reads
    (gpt2.context_length, embedding_length, feed_forward_length, block_count,
    attention.head_count, attention.layer_norm_epsilon), with GGUF's value types;
  * tensors: exactly the names llama.cpp's loader creates for gpt2 (llama-model.cpp, case
    LLM_ARCH_GPT2: every bias required, output.weight optional), each with its ggml ne order
    (token_embd {n_embd, n_vocab}, position_embd {n_embd, n_ctx_train}, attn_qkv {n_embd, 3 n_embd},
    ffn_up {n_embd, n_ff}, ffn_down {n_ff, n_embd} ...); vectors and position_embd F32;
  * tokenizer: model gpt2, tokens/token_type/merges of equal standing; every token decodes from
    GPT-2's byte alphabet. The prompt is encoded here with llama.cpp's BPE procedure (lowest-rank
    adjacent pair merged first, then a token per symbol), not with Moxing's tokenizer;
  * forward, llama.cpp's gpt2 graph in float64 on the dequantized weights:
        x = token_embd[ids] + position_embd[0..T-1]
        per block: h = LN(x) * attn_norm + attn_norm_b ; qkv = h Wqkv^T + bqkv, split q | k | v
                   att = softmax(q k^T / sqrt(D) + causal mask) v per head ; x += att Wo^T + bo
                   h = LN(x) * ffn_norm + ffn_norm_b ; x += gelu_tanh(h Wup^T + bup) Wdown^T + bdown
        logits = (LN(x) * output_norm + output_norm_b) Wout^T, Wout = output.weight or token_embd
        LN(x) = (x - mean) / sqrt(var + eps), eps = gpt2.attention.layer_norm_epsilon
    and greedy decoding from the prompt (full prefix per step).
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_reference import Gguf, OUT, f32s  # noqa: E402

FIXTURE = os.path.join(OUT, "moxing-gpt2-tiny")
PROMPT = "To be: 举头望明月"
# GGUF value types: 4 uint32, 6 float32, 8 string
KEYS = {"general.architecture": 8, "gpt2.context_length": 4, "gpt2.embedding_length": 4,
        "gpt2.feed_forward_length": 4, "gpt2.block_count": 4, "gpt2.attention.head_count": 4,
        "gpt2.attention.layer_norm_epsilon": 6}


def byte_decoder():
    """GPT-2's bytes_to_unicode, inverted: character -> byte."""
    kept = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars, n = {}, 0
    for b in range(256):
        if b in kept:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + n)
            n += 1
    return {c: b for b, c in chars.items()}, chars


def expected_tensors(g):
    m = g.meta
    c, ff, layers = m["gpt2.embedding_length"], m["gpt2.feed_forward_length"], m["gpt2.block_count"]
    v, t = len(m["tokenizer.ggml.tokens"]), m["gpt2.context_length"]
    want = {"token_embd.weight": [c, v], "position_embd.weight": [c, t],
            "output_norm.weight": [c], "output_norm.bias": [c]}
    for i in range(layers):
        b = "blk.%d." % i
        for n in ("attn_norm", "ffn_norm"):
            want[b + n + ".weight"] = [c]
            want[b + n + ".bias"] = [c]
        want.update({b + "attn_qkv.weight": [c, 3 * c], b + "attn_qkv.bias": [3 * c],
                     b + "attn_output.weight": [c, c], b + "attn_output.bias": [c],
                     b + "ffn_up.weight": [c, ff], b + "ffn_up.bias": [ff],
                     b + "ffn_down.weight": [ff, c], b + "ffn_down.bias": [c]})
    if "output.weight" in g.tensors:
        want["output.weight"] = [c, v]
    return want


def check_layout(g):
    for k, t in KEYS.items():
        assert k in g.meta, "missing metadata key " + k
        assert g.types[k] == t, "%s has GGUF type %d, llama.cpp reads %d" % (k, g.types[k], t)
    assert g.meta["general.architecture"] == "gpt2"
    want = expected_tensors(g)
    got = {n: ne for n, (_, ne, _) in g.tensors.items()}
    assert got == want, "tensors differ from llama.cpp's gpt2 table:\n  extra %s\n  missing %s\n  misshapen %s" % (
        sorted(set(got) - set(want)), sorted(set(want) - set(got)),
        sorted(n for n in want if n in got and got[n] != want[n]))
    for n, (t, ne, _) in g.tensors.items():
        if len(ne) == 1 or n == "position_embd.weight":
            assert t == "F32", "%s is %s; llama.cpp's converter writes it F32" % (n, t)


def check_tokenizer(g):
    m = g.meta
    assert m["tokenizer.ggml.model"] == "gpt2"
    tokens, merges = m["tokenizer.ggml.tokens"], m["tokenizer.ggml.merges"]
    assert len(m["tokenizer.ggml.token_type"]) == len(tokens)
    assert len(set(tokens)) == len(tokens), "tokens repeat"
    dec, _ = byte_decoder()
    for i, tok in enumerate(tokens):
        if m["tokenizer.ggml.token_type"][i] == 1:
            assert all(ch in dec for ch in tok), "token %d %r is not in GPT-2's byte alphabet" % (i, tok)
    for r, line in enumerate(merges):
        assert line.find(" ", 1) > 0, "merge %d %r" % (r, line)
    if m.get("moxing.tokenizer.model") == "char":  # one character per token, ascending, merges rebuild them
        cps = [ord(bytes(dec[ch] for ch in tok).decode("utf-8")) for tok in tokens]
        assert cps == sorted(set(cps)), "characters not ascending"
        derived = []
        for tok in tokens:
            for k in range(2, len(tok) + 1):
                line = tok[:k - 1] + " " + tok[k - 1]
                if line not in derived:
                    derived.append(line)
        assert derived == list(merges), "merges are not the characters' byte merges"


def encode(g, text):
    """llama.cpp's BPE on one piece (the merges of these files never cross a pre-tokenizer split)."""
    m = g.meta
    ids = {t: i for i, t in enumerate(m["tokenizer.ggml.tokens"])}
    ranks = {line: r for r, line in enumerate(m["tokenizer.ggml.merges"])}
    _, chars = byte_decoder()
    sym = [chars[b] for b in text.encode("utf-8")]
    while True:
        pairs = [(ranks[sym[i] + " " + sym[i + 1]], i) for i in range(len(sym) - 1) if sym[i] + " " + sym[i + 1] in ranks]
        if not pairs:
            break
        _, i = min(pairs)
        sym[i:i + 2] = [sym[i] + sym[i + 1]]
    return [ids[s] for s in sym]


def weights(g):
    return {n: g.tensor(n).astype(np.float64) for n in g.tensors}


def ln(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def forward(g, w, ids):
    m = g.meta
    c, heads, eps = m["gpt2.embedding_length"], m["gpt2.attention.head_count"], m["gpt2.attention.layer_norm_epsilon"]
    d, t = c // heads, len(ids)
    x = w["token_embd.weight"][ids] + w["position_embd.weight"][:t]
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for i in range(m["gpt2.block_count"]):
        b = "blk.%d." % i
        h = ln(x, w[b + "attn_norm.weight"], w[b + "attn_norm.bias"], eps)
        qkv = h @ w[b + "attn_qkv.weight"].T + w[b + "attn_qkv.bias"]
        q, k, v = (qkv[:, j * c:(j + 1) * c].reshape(t, heads, d).transpose(1, 0, 2) for j in range(3))
        s = q @ k.transpose(0, 2, 1) / np.sqrt(d) + mask
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        att = (p @ v).transpose(1, 0, 2).reshape(t, c)
        x = x + att @ w[b + "attn_output.weight"].T + w[b + "attn_output.bias"]
        h = ln(x, w[b + "ffn_norm.weight"], w[b + "ffn_norm.bias"], eps)
        x = x + gelu(h @ w[b + "ffn_up.weight"].T + w[b + "ffn_up.bias"]) @ w[b + "ffn_down.weight"].T + w[b + "ffn_down.bias"]
    out = w.get("output.weight", w["token_embd.weight"])
    return ln(x, w["output_norm.weight"], w["output_norm.bias"], eps) @ out.T


def check(path):
    g = Gguf(path)
    check_layout(g)
    check_tokenizer(g)
    print("%s: gpt2 layout, %d tensors and tokenizer (%d tokens, %d merges) as llama.cpp reads them" % (
        path, len(g.tensors), len(g.meta["tokenizer.ggml.tokens"]), len(g.meta["tokenizer.ggml.merges"])))
    return g


def write():
    path = FIXTURE + ".gguf"
    g = check(path)
    w = weights(g)
    ids = encode(g, PROMPT)
    logits = forward(g, w, ids)
    greedy, seq = [], list(ids)
    while len(greedy) < 8 and len(seq) < g.meta["gpt2.context_length"]:
        nxt = int(np.argmax(forward(g, w, seq)[-1]))
        greedy.append(nxt)
        seq.append(nxt)
    # float32 forward: how far float32 arithmetic alone moves the logits (the Java tolerance must exceed it)
    w32 = {n: a.astype(np.float32) for n, a in w.items()}
    err32 = float(np.abs(forward(g, w32, ids).astype(np.float64) - logits).max())
    with open(path, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    lines = ['"file": "%s"' % os.path.basename(path), '"sha256": "%s"' % sha, '"prompt": %s' % json.dumps(PROMPT, ensure_ascii=False),
             '"ids": %s' % json.dumps(ids), '"greedy": %s' % json.dumps(greedy), '"float32_error": %s' % f32s(err32),
             '"logits": [%s]' % ", ".join("[%s]" % ", ".join(f32s(v) for v in row) for row in logits)]
    with open(FIXTURE + ".json", "w", encoding="utf-8") as fh:
        fh.write("{\n" + ",\n".join(lines) + "\n}\n")
    print("wrote %s.json: %d prompt ids, greedy %s, max |logit| %.3f, float32 error %.2e" % (
        FIXTURE, len(ids), greedy, np.abs(logits).max(), err32))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", metavar="FILE")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    if a.check:
        check(a.check)
    if a.write:
        write()
    if not a.check and not a.write:
        ap.print_help()


if __name__ == "__main__":
    main()
