"""Peer for `npm run bench`'s onnx section: one training epoch of a reference model
(scripts/make-reference-models.py, full size) in PyTorch eager on the same features, labels,
batch size and thread count as sedjoule's run of the same model imported from ONNX.

    /usr/bin/python3 scripts/reference_peer.py NAME FEATURES.f32 LABELS.f32 CLIPS MELS FRAMES CLASSES THREADS BATCH

FEATURES.f32: float32 [CLIPS x 1 x MELS x FRAMES]; LABELS.f32: float32 [CLIPS x CLASSES]. Adam lr
1e-3, BCE-with-logits, batches in file order, dropout on (train mode), as sedjoule trains. Prints
one JSON object.
"""
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

spec = importlib.util.spec_from_file_location(
    'reference_models', os.path.join(os.path.dirname(__file__), 'make-reference-models.py'))
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)


def main():
    name, features, labels = sys.argv[1:4]
    clips, mels, frames, classes, threads, batch = (int(v) for v in sys.argv[4:10])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    shape, make = reference.MODELS['full'][name]
    if shape != [mels, frames]:
        raise SystemExit(f'{name} takes [{shape[0]}, {shape[1]}] features, not [{mels}, {frames}]')
    model = make()
    x = torch.from_numpy(np.fromfile(features, dtype=np.float32).reshape(clips, 1, mels, frames))
    y = torch.from_numpy(np.fromfile(labels, dtype=np.float32).reshape(clips, classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    start = time.perf_counter()
    total = 0.0
    for at in range(0, clips, batch):
        optimizer.zero_grad()
        loss = loss_fn(model(x[at:at + batch]), y[at:at + batch])
        loss.backward()
        optimizer.step()
        total += float(loss)
    seconds = time.perf_counter() - start
    print(json.dumps({
        'peer': 'pytorch-eager', 'torch': torch.__version__, 'threads': torch.get_num_threads(),
        'params': sum(p.numel() for p in model.parameters()), 'seconds': seconds,
        'clipsPerSecond': clips / seconds, 'meanLoss': total / ((clips + batch - 1) // batch),
    }))


if __name__ == '__main__':
    main()
