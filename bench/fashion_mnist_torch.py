#!/usr/bin/env python3
"""PyTorch peer for `moxing train fashion-mnist`: the same MLP / CNN, batch, optimizer and data.

  /usr/bin/python3 bench/fashion_mnist_torch.py --model mlp --epochs 2 --threads 1 [--data DIR]

Prints one line per epoch `torch model=mlp epoch=1 seconds=1.23 loss=... threads=T interop=...`, then the
test accuracy. Thread settings: torch.set_num_threads(T) for intra-op (OpenMP) and OPENBLAS_NUM_THREADS
from the environment for BLAS; bench/fashion-mnist.sh tries the combinations and keeps the best.
"""
import argparse, gzip, os, struct, time
import numpy as np
import torch
import torch.nn as nn


def idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    rank = magic & 0xff
    dims = struct.unpack('>' + 'I' * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='mlp', choices=['mlp', 'cnn'])
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--batch-size', type=int, default=128)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    xtr = torch.from_numpy(idx(os.path.join(a.data, 'train-images-idx3-ubyte.gz')).astype(np.float32) / 255)
    ytr = torch.from_numpy(idx(os.path.join(a.data, 'train-labels-idx1-ubyte.gz')).astype(np.int64))
    xte = torch.from_numpy(idx(os.path.join(a.data, 't10k-images-idx3-ubyte.gz')).astype(np.float32) / 255)
    yte = torch.from_numpy(idx(os.path.join(a.data, 't10k-labels-idx1-ubyte.gz')).astype(np.int64))
    if a.model == 'mlp':
        xtr, xte = xtr.reshape(-1, 784), xte.reshape(-1, 784)
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    else:
        xtr, xte = xtr.reshape(-1, 1, 28, 28), xte.reshape(-1, 1, 28, 28)
        # 'same' padding, as Moxing's CNN example (28 -> 14 -> 7), so the timings compare like for like
        model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()  # softmax + categorical cross-entropy, as the Keras model
    n = xtr.shape[0]
    for epoch in range(1, a.epochs + 1):
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        total = 0.0
        for i in range(0, n, a.batch_size):
            idx_ = perm[i:i + a.batch_size]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx_]), ytr[idx_])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx_)
        dt = time.perf_counter() - t0
        print(f"torch model={a.model} epoch={epoch} seconds={dt:.3f} loss={total / n:.4f} threads={a.threads} "
              f"blas_threads={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}", flush=True)
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print(f"torch model={a.model} test_accuracy={acc:.4f}")


if __name__ == '__main__':
    main()
