#!/usr/bin/env python3
"""PyTorch peer for `moxing train gpt`: the same nanoGPT-style model, batch and AdamW step.

  /usr/bin/python3 bench/gpt_train_torch.py --config S --threads 1 [--steps 25 --warmup-steps 5]

Model: token + learned position embeddings, pre-LayerNorm blocks of causal multi-head attention
(fused qkv projection, biases) and a 4x GELU MLP, final LayerNorm, head tied to the token
embedding; dropout 0 (the benchmark runs Moxing with --dropout 0 too). One step = forward,
cross-entropy, backward, global-norm clipping at 1.0, AdamW (decay 0.1 on matrices only). Batches
are random windows of the character-encoded text, as `moxing train gpt` samples them.

Prints `torch config=S threads=T blas_threads=B tokens_per_s=... peak_rss_mb=...`, the median
over the timed steps (the first --warmup-steps are not timed). Thread settings: torch.set_num_threads
for intra-op (OpenMP), OPENBLAS_NUM_THREADS from the environment; bench/gpt-train.sh tries the splits.
"""
import argparse, math, os, resource, statistics, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {  # layers, heads, width, context, batch
    'S': (4, 4, 128, 128, 32),
    'M': (6, 6, 384, 256, 8),
}


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.out = nn.Linear(4 * width, width)

    def forward(self, x, mask):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)                      # (B, T, C) each
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))      # (B, H, T, T)
        att = F.softmax(att.masked_fill(mask[:, :, :t, :t] == 0, float('-inf')), dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab, layers, heads, width, context):
        super().__init__()
        self.tok = nn.Embedding(vocab, width)
        self.pos = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.register_buffer('mask', torch.tril(torch.ones(context, context)).view(1, 1, context, context))
        for name, p in self.named_parameters():  # GPT-2 initialisation
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(('proj.weight', 'out.weight')) else 0.02
                nn.init.normal_(p, 0.0, std)
            elif name.endswith('bias'):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        t = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(t))
        for blk in self.blocks:
            x = blk(x, self.mask)
        logits = self.ln_f(x) @ self.tok.weight.t()                           # (B, T, V)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', default='S', choices=sorted(CONFIGS))
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=25)
    ap.add_argument('--warmup-steps', type=int, default=5)
    ap.add_argument('--text', default=os.path.join(os.path.dirname(__file__), '..', 'data', 'tinyshakespeare', 'input.txt'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    layers, heads, width, context, batch = CONFIGS[a.config]
    text = open(a.text, encoding='utf-8').read()
    chars = sorted(set(text))
    data = torch.tensor([chars.index(c) for c in text[:200_000]], dtype=torch.long)
    model = Gpt(len(chars), layers, heads, width, context)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))
    rng = np.random.default_rng(0)
    times = []
    for step in range(a.warmup_steps + a.steps):
        starts = rng.integers(0, len(data) - context - 1, batch)
        x = torch.stack([data[s:s + context] for s in starts])
        y = torch.stack([data[s + 1:s + 1 + context] for s in starts])
        t0 = time.perf_counter()
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step >= a.warmup_steps:
            times.append(time.perf_counter() - t0)
    tps = batch * context / statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch config={a.config} threads={a.threads} blas_threads={os.environ.get('OPENBLAS_NUM_THREADS', 'default')} "
          f"tokens_per_s={tps:.0f} loss={loss.item():.4f} peak_rss_mb={rss:.0f}", flush=True)


if __name__ == '__main__':
    main()
