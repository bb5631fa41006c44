#!/usr/bin/env python3
"""Reference logits of stories260K when the KV cache stores keys and values as F16.

Run from the repository root with the system interpreter (numpy only):

    /usr/bin/python3 tools/reference/kv_cache_reference.py

Reuses gguf_reference.py's reader and float64 Llama forward, with one change: every key (after
RoPE) and value is rounded float64 -> float32 -> float16 -> back, which is what an F16 cache
stores (the cache rounds the float32 values the projections produce). Rounding is per position,
so one causal pass over prompt + path gives what token-by-token decoding through the cache gives.

Writes moxing-llm/src/test/resources/reference/kvcache/stories260K-f16.json (prompt, the 32-token
greedy path of the unrounded model, the F16-vs-F32 gap) and stories260K-f16.npy, float32
(33, 512): logits of the prompt's last position and of each path position. Replayed by
dev.moxing.llm.model.KvCacheTypeTest. Deterministic.
"""
import json
import os

import numpy as np

import gguf_reference as R

PROMPT = [1, 403, 407, 261, 378, 429, 16, 394, 285, 261, 378]   # BOS, then arbitrary ids below 512
STEPS = 32
OUT = os.path.join(R.RES, "reference/kvcache")


def f16(a):
    return a.astype(np.float32).astype(np.float16).astype(np.float64)


def forward(cfg, w, ids, round_kv):
    """gguf_reference.forward in float64 with keys and values passed through round_kv."""
    H, Hkv, C = cfg["heads"], cfg["kv_heads"], cfg["width"]
    D, T, eps = C // H, len(ids), cfg["eps"]
    pos = np.arange(T, dtype=np.float64)
    x = w["tok"][np.asarray(ids)].copy()
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for blk in w["blocks"]:
        h = R.rms(x, blk["attn_norm"], eps)
        q = R.rope((h @ blk["attn_q"].T).reshape(T, H, D), pos, cfg["freq_base"])
        k = round_kv(R.rope((h @ blk["attn_k"].T).reshape(T, Hkv, D), pos, cfg["freq_base"]))
        v = round_kv((h @ blk["attn_v"].T).reshape(T, Hkv, D))
        kv = np.arange(H) // (H // Hkv)
        att = np.einsum("thd,shd->hts", q, k[:, kv]) / np.sqrt(D) + mask
        att = np.exp(att - att.max(axis=-1, keepdims=True))
        att = att / att.sum(axis=-1, keepdims=True)
        x = x + np.einsum("hts,shd->thd", att, v[:, kv]).reshape(T, C) @ blk["attn_output"].T
        h = R.rms(x, blk["ffn_norm"], eps)
        g = h @ blk["ffn_gate"].T
        x = x + ((g / (1 + np.exp(-g))) * (h @ blk["ffn_up"].T)) @ blk["ffn_down"].T
    return R.rms(x, w["norm"], eps) @ w["out"].T


def main():
    cfg, w = R.load_llama(R.Gguf(os.path.join(R.STORIES, "stories260K.gguf")))
    ident = lambda a: a
    ids = list(PROMPT)
    for _ in range(STEPS):  # greedy path of the exact (F32-cache) model
        ids.append(int(np.argmax(forward(cfg, w, ids, ident)[-1])))
    exact = forward(cfg, w, ids, ident)
    assert np.array_equal(exact, R.forward(cfg, w, ids)), "the copy of the forward drifted from gguf_reference"
    first = len(PROMPT) - 1
    want = exact[first:]
    rounded = forward(cfg, w, ids, f16)[first:]                  # (33, V)
    gap = float(np.max(np.abs(rounded - want)))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "stories260K-f16.json"), "w") as fh:
        json.dump({"prompt": PROMPT, "path": ids[len(PROMPT):], "f16_vs_f32_max_abs": gap,
                   "max_abs": float(np.max(np.abs(want)))}, fh)
        fh.write("\n")
    np.save(os.path.join(OUT, "stories260K-f16.npy"), rounded.astype("<f4"), allow_pickle=False)
    print("stories260K: path %s\n  max |logit(F16 K/V) - logit(exact)| over %d positions = %.4g (max |logit| %.3g)"
          % (ids[len(PROMPT):], len(want), gap, np.max(np.abs(want))))


if __name__ == "__main__":
    main()
