#!/usr/bin/env python3
"""Write tiny random Hugging Face-layout checkpoints and reference logits for Moxing's HF loader.

Run from anywhere with the system interpreter (Debian python3-torch 1.13; neither `transformers`
nor `safetensors` is needed or used):

    /usr/bin/python3 tools/reference/make_hf_fixtures.py

It writes, under moxing-llm/src/test/resources/hf/:

    llama-tiny/          config.json, model.safetensors, expected.json   (LlamaForCausalLM, GQA 4:2)
    llama-tiny-sharded/  config.json, model-0000{1,2}-of-00002.safetensors,
                         model.safetensors.index.json                    (the same weights, 2 shards;
                                                                          use llama-tiny/expected.json)
    qwen2-tiny/          config.json, model.safetensors, expected.json   (Qwen2ForCausalLM: q/k/v
                                                                          biases, tied embeddings)
    gpt2-tiny/           config.json, model.safetensors, expected.json   (GPT2LMHeadModel: Conv1D
                                                                          weights, fused c_attn)
    llama3-tiny/         config.json, model.safetensors, expected.json   (llama-tiny's shape with
                                                                          Llama 3.1 "llama3" rope_scaling,
                                                                          original context 16, factor 4)

Tensor names, shapes and config.json keys are the ones `transformers` reads and writes. The
forward passes below are written by hand to match transformers' modeling_llama.py,
modeling_qwen2.py and modeling_gpt2.py (eager attention, no padding, positions 0..T-1):

  Llama / Qwen2
    x = embed_tokens[ids]
    per layer:  h = RMSNorm(x) ; q,k,v = h W^T (+ b for Qwen2) ; split heads (head_dim = C / H)
                RoPE "rotate_half": inv_freq = 1 / theta^(arange(0, D, 2) / D) in float32,
                  angle[t, j] = t * inv_freq[j mod D/2] over D lanes (cat(freqs, freqs)),
                  q' = q cos + rotate_half(q) sin, rotate_half(q) = cat(-q[D/2:], q[:D/2]),
                  i.e. lane j is paired with lane j + D/2 (NOT the interleaved (2j, 2j+1) pairs of
                  Meta / llama.cpp / llama2.c; HF's converter permutes q/k rows to get here)
                GQA: query head h reads kv head h // (H / KV)   (repeat_kv)
                softmax(q k^T / sqrt(D) + causal mask) v ; x += o_proj(attn)
                h = RMSNorm(x) ; x += down(silu(gate(h)) * up(h))
    RMSNorm(x) = x * rsqrt(mean(x^2) + eps) * weight     (weight multiplies, not 1 + weight)
    logits = RMSNorm(x) lm_head^T, lm_head = embed_tokens when tie_word_embeddings

  GPT-2
    x = wte[ids] + wpe[0..T-1]
    per layer:  h = LayerNorm(x) ; qkv = h W_attn + b_attn with W_attn stored (C, 3C) = (in, out)
                q, k, v = qkv[:, :C], qkv[:, C:2C], qkv[:, 2C:]  ; heads of D = C / H
                softmax(q k^T / sqrt(D) + causal mask) v ; x += attn W_proj + b_proj (W (in, out))
                h = LayerNorm(x) ; x += gelu_new(h W_fc + b_fc) W_mproj + b_mproj
    gelu_new(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    logits = LayerNorm_f(x) wte^T  (lm_head always tied, not stored)

Numbers: weights are float32 (stored F32). The expected logits are computed in float64 on those
exact float32 weights (RoPE frequencies computed in float32 first, as HF does), then rounded to
float32 and written as the shortest decimal that parses back to that float32. The same forward run
in float32 (as HF would run it) differs from that by "torch_f32_max_abs_diff", recorded per file;
a float32 Java implementation should land within a few times that (use atol ~1e-4).

expected.json:
    {
      "model": "llama-tiny",
      "source": "...",
      "input_ids": [[12 ids], [12 ids]],          batch 2, T 12, no padding, positions 0..11
      "logits": [[[64 floats] x 12] x 2],          (B, T, V)
      "torch_f32_max_abs_diff": 2e-06,
      "greedy_prompt": [4 ids],                     = input_ids[0][:4]
      "greedy": [10 ids],                           greedy continuation: argmax of the last
                                                    position, appended, full prefix re-run each
                                                    step (no KV cache); prompt not included
      "greedy_min_margin": 0.05                     smallest top-1 minus top-2 logit over the 10
                                                    steps (so ties cannot flip the argmax)
    }

The script asserts, before writing anything: the vectorized forward equals an independent
loop-based forward (per token / per head, explicit softmax and norms) for every model; HF's
rotate_half RoPE equals Meta's interleaved complex RoPE after HF's q/k row permutation; the
hand-written LayerNorm / gelu_new equal torch's; the float32 and float64 forwards agree and give
the same greedy tokens; every written safetensors file reads back bit-exactly through the
independent reader in read_safetensors.py. Output is deterministic (fixed seeds, one thread).
"""

import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "moxing-llm", "src", "test", "resources", "hf")
sys.path.insert(0, HERE)
import read_safetensors  # noqa: E402  (independent json + numpy reader, for the read-back check)

SOURCE = "tools/reference/make_hf_fixtures.py, own PyTorch forward written to match transformers' modeling_%s.py"
B, T, N_GREEDY, N_PROMPT = 2, 12, 10, 4

LLAMA_CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 64,
    "hidden_size": 32,
    "intermediate_size": 48,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 64,
    "rms_norm_eps": 1e-5,
    "rope_theta": 10000.0,
    "tie_word_embeddings": False,
    "hidden_act": "silu",
    "torch_dtype": "float32",
    "bos_token_id": 1,
    "eos_token_id": 2,
}

QWEN2_CONFIG = dict(LLAMA_CONFIG, architectures=["Qwen2ForCausalLM"], model_type="qwen2",
                    rope_theta=1000000.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
                    use_sliding_window=False)

# Llama 3.1-style "llama3" rope scaling at a scale where, with head dim 8 and theta 10000, the four
# pair wavelengths 2*pi*theta^(2i/D) = 6.3, 63, 628, 6283 fall in all three bands: under
# original/high = 8 (unchanged), between 8 and original/low = 128 (smoothed), over 128 (divided by
# factor). max_position_embeddings 64 is the extended context, as in real Llama 3.1 configs.
LLAMA3_CONFIG = dict(LLAMA_CONFIG, rope_scaling={"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 0.25,
                                                 "high_freq_factor": 4.0, "original_max_position_embeddings": 32})

# As in the real openai-community/gpt2 config.json, tie_word_embeddings is absent (default true).
GPT2_CONFIG = {
    "architectures": ["GPT2LMHeadModel"],
    "model_type": "gpt2",
    "vocab_size": 64,
    "n_embd": 32,
    "n_layer": 2,
    "n_head": 4,
    "n_positions": 64,
    "n_ctx": 64,
    "n_inner": None,
    "layer_norm_epsilon": 1e-5,
    "activation_function": "gelu_new",
    "torch_dtype": "float32",
    "bos_token_id": 63,
    "eos_token_id": 63,
}


# ----------------------------------------------------------------------------------------------
# Weights

def make_llama_weights(cfg, seed, qkv_bias):
    g = torch.Generator().manual_seed(seed)

    def normal(*shape, std=0.2, mean=0.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float32) * std + mean).contiguous()

    C, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = C // H
    w = {"model.embed_tokens.weight": normal(V, C)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = normal(C, std=0.1, mean=1.0)
        w[p + "self_attn.q_proj.weight"] = normal(H * D, C)
        w[p + "self_attn.k_proj.weight"] = normal(KV * D, C)
        w[p + "self_attn.v_proj.weight"] = normal(KV * D, C)
        if qkv_bias:
            w[p + "self_attn.q_proj.bias"] = normal(H * D)
            w[p + "self_attn.k_proj.bias"] = normal(KV * D)
            w[p + "self_attn.v_proj.bias"] = normal(KV * D)
        w[p + "self_attn.o_proj.weight"] = normal(C, H * D)
        w[p + "post_attention_layernorm.weight"] = normal(C, std=0.1, mean=1.0)
        w[p + "mlp.gate_proj.weight"] = normal(I, C)
        w[p + "mlp.up_proj.weight"] = normal(I, C)
        w[p + "mlp.down_proj.weight"] = normal(C, I)
    w["model.norm.weight"] = normal(C, std=0.1, mean=1.0)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = normal(V, C)
    return w


def make_gpt2_weights(cfg, seed):
    g = torch.Generator().manual_seed(seed)

    def normal(*shape, std=0.2, mean=0.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float32) * std + mean).contiguous()

    C, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    inner = cfg["n_inner"] or 4 * C
    w = {"wte.weight": normal(V, C), "wpe.weight": normal(P, C)}
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        w[p + "ln_1.weight"] = normal(C, std=0.1, mean=1.0)
        w[p + "ln_1.bias"] = normal(C, std=0.1)
        w[p + "attn.c_attn.weight"] = normal(C, 3 * C)       # Conv1D: (in, out)
        w[p + "attn.c_attn.bias"] = normal(3 * C, std=0.1)
        w[p + "attn.c_proj.weight"] = normal(C, C)
        w[p + "attn.c_proj.bias"] = normal(C, std=0.1)
        w[p + "ln_2.weight"] = normal(C, std=0.1, mean=1.0)
        w[p + "ln_2.bias"] = normal(C, std=0.1)
        w[p + "mlp.c_fc.weight"] = normal(C, inner)
        w[p + "mlp.c_fc.bias"] = normal(inner, std=0.1)
        w[p + "mlp.c_proj.weight"] = normal(inner, C)
        w[p + "mlp.c_proj.bias"] = normal(C, std=0.1)
    w["ln_f.weight"] = normal(C, std=0.1, mean=1.0)
    w["ln_f.bias"] = normal(C, std=0.1)
    return w


# ----------------------------------------------------------------------------------------------
# Llama / Qwen2 forward (vectorized, as in modeling_llama.py / modeling_qwen2.py)

def rope_inv_freq(D, theta, scaling=None):
    # exactly HF's expression, evaluated in float32
    inv_freq = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))
    if scaling is None:
        return inv_freq
    assert scaling["rope_type"] == "llama3", scaling
    # transformers' modeling_rope_utils._compute_llama3_parameters, verbatim (float32 tensors)
    factor = scaling["factor"]
    low_freq_factor = scaling["low_freq_factor"]
    high_freq_factor = scaling["high_freq_factor"]
    old_context_len = scaling["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def rope_cos_sin(T_, D, theta, dtype, scaling=None):
    inv_freq = rope_inv_freq(D, theta, scaling)
    if dtype == torch.float32:
        freqs = torch.arange(T_, dtype=torch.float32)[:, None] * inv_freq[None, :]
    else:  # float64 angles from the float32 frequencies
        freqs = torch.arange(T_, dtype=dtype)[:, None] * inv_freq.to(dtype)[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)  # (T, D)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat([-x2, x1], dim=-1)


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def causal_attention(q, k, v):
    # q, k, v: (B, H, T, D)
    D = q.shape[-1]
    scores = q @ k.transpose(-1, -2) / math.sqrt(D)
    Tq = q.shape[-2]
    mask = torch.triu(torch.ones(Tq, Tq, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def linear(x, w, b=None):
    y = x @ w.t()
    return y + b if b is not None else y


def llama_forward(w, cfg, ids, dtype):
    w = {k: v.to(dtype) for k, v in w.items()}
    C, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D, eps = C // H, cfg["rms_norm_eps"]
    Bn, Tn = ids.shape
    cos, sin = rope_cos_sin(Tn, D, cfg["rope_theta"], dtype, cfg.get("rope_scaling"))
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(h, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias"))
        k = linear(h, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias"))
        v = linear(h, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias"))
        q = q.view(Bn, Tn, H, D).transpose(1, 2)
        k = k.view(Bn, Tn, KV, D).transpose(1, 2)
        v = v.view(Bn, Tn, KV, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        n_rep = H // KV  # repeat_kv: (B, KV, T, D) -> (B, KV * n_rep, T, D)
        k = k[:, :, None].expand(Bn, KV, n_rep, Tn, D).reshape(Bn, H, Tn, D)
        v = v[:, :, None].expand(Bn, KV, n_rep, Tn, D).reshape(Bn, H, Tn, D)
        a = causal_attention(q, k, v).transpose(1, 2).reshape(Bn, Tn, H * D)
        x = x + linear(a, w[p + "self_attn.o_proj.weight"])
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + linear(F.silu(linear(h, w[p + "mlp.gate_proj.weight"])) * linear(h, w[p + "mlp.up_proj.weight"]),
                       w[p + "mlp.down_proj.weight"])
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.t()


def llama_forward_loops(w, cfg, ids):
    """Independent float64 formulation: one token at a time, one head at a time; RoPE as a complex
    rotation of the (j, j + D/2) lane pairs, explicit max-subtracted softmax, explicit norms."""
    w = {k: v.double() for k, v in w.items()}
    C, H, KV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D, eps = C // H, cfg["rms_norm_eps"]
    half = D // 2
    inv_freq = [float(f) for f in rope_inv_freq(D, cfg["rope_theta"], cfg.get("rope_scaling"))]

    def norm(vec, weight):
        ms = sum(float(e) ** 2 for e in vec) / len(vec)
        return vec / math.sqrt(ms + eps) * weight

    def rope(vec, pos):  # vec: (D,), pairs (j, j + half)
        out = vec.clone()
        for j in range(half):
            z = complex(float(vec[j]), float(vec[j + half])) * complex(math.cos(pos * inv_freq[j]),
                                                                       math.sin(pos * inv_freq[j]))
            out[j], out[j + half] = z.real, z.imag
        return out

    out = torch.zeros(ids.shape[0], ids.shape[1], cfg["vocab_size"], dtype=torch.float64)
    for b in range(ids.shape[0]):
        xs = [w["model.embed_tokens.weight"][int(t)].clone() for t in ids[b]]
        for i in range(cfg["num_hidden_layers"]):
            p = "model.layers.%d." % i
            qs, ks, vs = [], [], []
            for t, x in enumerate(xs):
                h = norm(x, w[p + "input_layernorm.weight"])
                q = w[p + "self_attn.q_proj.weight"] @ h
                k = w[p + "self_attn.k_proj.weight"] @ h
                v = w[p + "self_attn.v_proj.weight"] @ h
                if p + "self_attn.q_proj.bias" in w:
                    q = q + w[p + "self_attn.q_proj.bias"]
                    k = k + w[p + "self_attn.k_proj.bias"]
                    v = v + w[p + "self_attn.v_proj.bias"]
                qs.append([rope(q[hh * D:(hh + 1) * D], t) for hh in range(H)])
                ks.append([rope(k[g * D:(g + 1) * D], t) for g in range(KV)])
                vs.append([v[g * D:(g + 1) * D] for g in range(KV)])
            new = []
            for t, x in enumerate(xs):
                heads = []
                for hh in range(H):
                    g = hh // (H // KV)
                    s = [float(qs[t][hh] @ ks[u][g]) / math.sqrt(D) for u in range(t + 1)]
                    m = max(s)
                    e = [math.exp(si - m) for si in s]
                    z = sum(e)
                    heads.append(sum(e[u] / z * vs[u][g] for u in range(t + 1)))
                x = x + w[p + "self_attn.o_proj.weight"] @ torch.cat(heads)
                h = norm(x, w[p + "post_attention_layernorm.weight"])
                gate = w[p + "mlp.gate_proj.weight"] @ h
                up = w[p + "mlp.up_proj.weight"] @ h
                act = torch.tensor([float(gg) / (1.0 + math.exp(-float(gg))) for gg in gate], dtype=torch.float64)
                new.append(x + w[p + "mlp.down_proj.weight"] @ (act * up))
            xs = new
        head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
        for t, x in enumerate(xs):
            out[b, t] = head @ norm(x, w["model.norm.weight"])
    return out


def check_rope_against_meta_interleaved(w, cfg):
    """HF's rotate_half RoPE on HF-layout q == Meta's interleaved complex RoPE on the un-permuted
    (Meta-layout) q_proj, after mapping Meta lanes (2j, 2j+1) to HF lanes (j, j + D/2).
    HF's convert_llama_weights_to_hf.py: W_hf = W_meta.view(H, D/2, 2, C).transpose(1, 2).reshape(H*D, C)."""
    C, H = cfg["hidden_size"], cfg["num_attention_heads"]
    D = C // H
    W_hf = w["model.layers.0.self_attn.q_proj.weight"].double()
    W_meta = W_hf.view(H, 2, D // 2, C).transpose(1, 2).reshape(H * D, C)  # inverse permutation
    assert torch.equal(W_meta.view(H, D // 2, 2, C).transpose(1, 2).reshape(H * D, C), W_hf)
    x = torch.randn(T, C, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    cos, sin = rope_cos_sin(T, D, cfg["rope_theta"], torch.float64)
    q_hf = (x @ W_hf.t()).view(T, H, D).transpose(0, 1)  # (H, T, D)
    q_hf = q_hf * cos + rotate_half(q_hf) * sin
    q_meta = (x @ W_meta.t()).view(T, H, D // 2, 2).transpose(0, 1).contiguous()  # (H, T, D/2, 2)
    angles = torch.arange(T, dtype=torch.float64)[:, None] * rope_inv_freq(D, cfg["rope_theta"]).double()[None, :]
    rot = torch.view_as_real(torch.view_as_complex(q_meta) * torch.polar(torch.ones_like(angles), angles))
    q_meta_in_hf_lanes = rot.transpose(-1, -2).reshape(H, T, D)  # (2j, 2j+1) -> (j, j + D/2)
    err = (q_meta_in_hf_lanes - q_hf).abs().max().item()
    assert err < 1e-12, "rotate_half RoPE != permuted interleaved RoPE: %g" % err


# ----------------------------------------------------------------------------------------------
# GPT-2 forward (as in modeling_gpt2.py)

def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)  # biased variance
    return (x - mean) / torch.sqrt(var + eps) * weight + bias


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_forward(w, cfg, ids, dtype):
    w = {k: v.to(dtype) for k, v in w.items()}
    C, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    D = C // H
    Bn, Tn = ids.shape
    x = w["wte.weight"][ids] + w["wpe.weight"][torch.arange(Tn)]
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        h = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # Conv1D: x W + b, W (in, out)
        q, k, v = qkv.split(C, dim=-1)
        q, k, v = (t.view(Bn, Tn, H, D).transpose(1, 2) for t in (q, k, v))
        a = causal_attention(q, k, v).transpose(1, 2).reshape(Bn, Tn, C)
        x = x + a @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = gelu_new(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["ln_f.weight"], w["ln_f.bias"], eps)
    return x @ w["wte.weight"].t()


def gpt2_forward_loops(w, cfg, ids):
    """Independent float64 formulation: per token, per head, nn.Linear-style (out, in) weights
    obtained by transposing the Conv1D ones, torch's own layer_norm and tanh-GELU."""
    w = {k: v.double() for k, v in w.items()}
    C, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    D = C // H
    out = torch.zeros(ids.shape[0], ids.shape[1], cfg["vocab_size"], dtype=torch.float64)
    for b in range(ids.shape[0]):
        xs = [w["wte.weight"][int(tok)] + w["wpe.weight"][t] for t, tok in enumerate(ids[b])]
        for i in range(cfg["n_layer"]):
            p = "h.%d." % i
            lin = {n: w[p + n + ".weight"].t().contiguous() for n in ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")}
            qkv = [lin["attn.c_attn"] @ F.layer_norm(x, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
                   + w[p + "attn.c_attn.bias"] for x in xs]
            new = []
            for t, x in enumerate(xs):
                heads = []
                for hh in range(H):
                    q = qkv[t][hh * D:(hh + 1) * D]
                    s = torch.tensor([float(q @ qkv[u][C + hh * D:C + (hh + 1) * D]) / math.sqrt(D) for u in range(t + 1)],
                                     dtype=torch.float64)
                    e = torch.exp(s - s.max())
                    pr = e / e.sum()
                    heads.append(sum(pr[u] * qkv[u][2 * C + hh * D:2 * C + (hh + 1) * D] for u in range(t + 1)))
                x = x + lin["attn.c_proj"] @ torch.cat(heads) + w[p + "attn.c_proj.bias"]
                h = F.layer_norm(x, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
                m = F.gelu(lin["mlp.c_fc"] @ h + w[p + "mlp.c_fc.bias"], approximate="tanh")
                new.append(x + lin["mlp.c_proj"] @ m + w[p + "mlp.c_proj.bias"])
            xs = new
        for t, x in enumerate(xs):
            out[b, t] = w["wte.weight"] @ F.layer_norm(x, (C,), w["ln_f.weight"], w["ln_f.bias"], eps)
    return out


# ----------------------------------------------------------------------------------------------
# Output

def safetensors_bytes(tensors):
    """tensors: list of (name, float32 tensor), written in this order (header and data)."""
    header, blobs, pos = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors:
        assert t.dtype == torch.float32
        raw = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_safetensors(path, tensors):
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors))
    meta, back = read_safetensors.read(path)  # independent reader: names, shapes, bits
    assert meta == {"format": "pt"}
    assert [n for n, *_ in back] == [n for n, _ in tensors]
    for (name, dtype, shape, arr, _), (_, t) in zip(back, tensors):
        assert dtype == "F32" and shape == list(t.shape)
        assert np.array_equal(arr.astype(np.float32).view(np.uint32), t.numpy().view(np.uint32)), name


def write_json(path, obj):
    with open(path, "w") as f:
        f.write(json.dumps(obj, indent=2) + "\n")


def fmt_f32(v):
    s = np.format_float_positional(np.float32(v), unique=True, trim="-") \
        if 1e-4 <= abs(v) < 1e6 or v == 0 else np.format_float_scientific(np.float32(v), unique=True, trim="-")
    assert np.float32(float(s)) == np.float32(v), (s, v)
    return s


def write_expected(path, name, modeling, input_ids, logits, f32_diff, prompt, greedy, margin):
    lines = ['{',
             '  "model": %s,' % json.dumps(name),
             '  "source": %s,' % json.dumps(SOURCE % modeling),
             '  "input_ids": %s,' % json.dumps(input_ids.tolist()),
             '  "logits": [']
    rows = []
    for b in range(logits.shape[0]):
        pos = ["    [" + ", ".join(fmt_f32(v) for v in logits[b, t].tolist()) + "]" for t in range(logits.shape[1])]
        rows.append("   [\n" + ",\n".join(pos) + "\n   ]")
    lines.append(",\n".join(rows))
    lines.append('  ],')
    lines.append('  "torch_f32_max_abs_diff": %s,' % ("%.3g" % f32_diff))
    lines.append('  "greedy_prompt": %s,' % json.dumps(prompt))
    lines.append('  "greedy": %s,' % json.dumps(greedy))
    lines.append('  "greedy_min_margin": %s' % ("%.4g" % margin))
    lines.append('}')
    text = "\n".join(lines) + "\n"
    back = json.loads(text)
    assert np.array_equal(np.array(back["logits"], dtype=np.float32), logits.float().numpy())
    with open(path, "w") as f:
        f.write(text)


def greedy(forward, prompt, n):
    ids, margin = list(prompt), float("inf")
    for _ in range(n):
        last = forward(torch.tensor([ids]))[0, -1]
        top = torch.topk(last, 2).values
        margin = min(margin, float(top[0] - top[1]))
        ids.append(int(last.argmax()))
    return ids[len(prompt):], margin


def build(name, modeling, cfg, w, forward, forward_loops, ids):
    f64 = forward(w, cfg, ids, torch.float64)
    f32 = forward(w, cfg, ids, torch.float32)
    loops = forward_loops(w, cfg, ids)
    err_loops = (loops - f64).abs().max().item()
    assert err_loops < 1e-10, "%s: loop forward differs by %g" % (name, err_loops)
    f32_diff = (f32.double() - f64).abs().max().item()
    assert f32_diff < 1e-4, "%s: float32 forward differs by %g" % (name, f32_diff)
    prompt = ids[0, :N_PROMPT].tolist()
    gen64, margin = greedy(lambda x: forward(w, cfg, x, torch.float64), prompt, N_GREEDY)
    gen32, _ = greedy(lambda x: forward(w, cfg, x, torch.float32), prompt, N_GREEDY)
    assert gen64 == gen32, (gen64, gen32)
    assert margin > 1e-3, "%s: greedy margin %g too small" % (name, margin)
    # the no-cache greedy step equals reading the full forward at the same prefix
    full = forward(w, cfg, torch.tensor([prompt + gen64]), torch.float64)[0]
    assert [int(full[N_PROMPT - 1 + s].argmax()) for s in range(N_GREEDY)] == gen64
    print("%-12s |logits| max %.3f, std %.3f; f32 vs f64 %.2e; loops vs f64 %.1e; greedy %s (margin %.3f)"
          % (name, f64.abs().max().item(), f64.std().item(), f32_diff, err_loops, gen64, margin))
    return f64, f32_diff, prompt, gen64, margin


def main():
    ids = torch.randint(0, 64, (B, T), generator=torch.Generator().manual_seed(1234))
    ids[:, 0] = 1  # start with bos, as tokenizers do

    # self-checks of the building blocks
    xg = torch.randn(1000, dtype=torch.float64, generator=torch.Generator().manual_seed(3)) * 3
    assert (gelu_new(xg) - F.gelu(xg, approximate="tanh")).abs().max().item() < 1e-12
    xl = torch.randn(5, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    wl, bl = torch.rand(32, dtype=torch.float64), torch.rand(32, dtype=torch.float64)
    assert (layer_norm(xl, wl, bl, 1e-5) - F.layer_norm(xl, (32,), wl, bl, 1e-5)).abs().max().item() < 1e-12

    llama_w = make_llama_weights(LLAMA_CONFIG, seed=101, qkv_bias=False)
    qwen_w = make_llama_weights(QWEN2_CONFIG, seed=202, qkv_bias=True)
    gpt2_w = make_gpt2_weights(GPT2_CONFIG, seed=303)
    llama3_w = make_llama_weights(LLAMA3_CONFIG, seed=404, qkv_bias=False)
    plain = rope_inv_freq(8, 10000.0)
    scaled = rope_inv_freq(8, 10000.0, LLAMA3_CONFIG["rope_scaling"])
    ratio = (plain / scaled).tolist()
    print("llama3-tiny inv_freq divisors", ratio)
    assert ratio[0] == 1.0 and 1.0 < ratio[1] < 4.0 and ratio[2] == ratio[3] == 4.0, ratio
    check_rope_against_meta_interleaved(llama_w, LLAMA_CONFIG)
    check_rope_against_meta_interleaved(qwen_w, QWEN2_CONFIG)

    models = [
        ("llama-tiny", "llama", LLAMA_CONFIG, llama_w, llama_forward, llama_forward_loops),
        ("qwen2-tiny", "qwen2", QWEN2_CONFIG, qwen_w, llama_forward, llama_forward_loops),
        ("gpt2-tiny", "gpt2", GPT2_CONFIG, gpt2_w, gpt2_forward, gpt2_forward_loops),
        ("llama3-tiny", "llama", LLAMA3_CONFIG, llama3_w, llama_forward, llama_forward_loops),
    ]
    results = {m[0]: build(*m, ids) for m in models}  # all checks pass before anything is written

    for name, modeling, cfg, w, _, _ in models:
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        write_json(os.path.join(d, "config.json"), cfg)
        write_safetensors(os.path.join(d, "model.safetensors"), sorted(w.items()))
        write_expected(os.path.join(d, "expected.json"), name, modeling, ids, *results[name])

    # the llama weights again, as a two-shard checkpoint (same expected logits as llama-tiny)
    d = os.path.join(OUT, "llama-tiny-sharded")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), LLAMA_CONFIG)
    in_first = lambda n: n == "model.embed_tokens.weight" or n.startswith("model.layers.0.")
    shard1 = sorted((n, t) for n, t in llama_w.items() if in_first(n))
    shard2 = sorted((n, t) for n, t in llama_w.items() if not in_first(n))
    assert len(shard1) + len(shard2) == len(llama_w)
    files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    weight_map = {}
    for fname, shard in zip(files, (shard1, shard2)):
        write_safetensors(os.path.join(d, fname), shard)
        weight_map.update({n: fname for n, _ in shard})
    total = sum(t.numel() * t.element_size() for t in llama_w.values())  # tensor bytes, as HF counts
    write_json(os.path.join(d, "model.safetensors.index.json"),
               {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))})

    size = 0
    for dirpath, _, fnames in sorted(os.walk(OUT)):
        for fn in sorted(fnames):
            p = os.path.join(dirpath, fn)
            size += os.path.getsize(p)
            print("  %-62s %7d" % (os.path.relpath(p, ROOT), os.path.getsize(p)))
    print("total %d bytes" % size)


if __name__ == "__main__":
    main()
