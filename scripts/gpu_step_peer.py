"""PyTorch peer of `gpu-checks.mjs step` for scripts/device-check.sh: one dcase-crnn training step
(the DESED_task CRNN of crnn_peer.py; Adam lr 1e-3, BCE on the clip output) on CUDA, batch 8,
input 1 x 128 x 626, seeded random data, eager mode, cudnn.benchmark on.

    python3 scripts/gpu_step_peer.py STEPS

Timed twice: with TF32 off (FP32 arithmetic like sedjoule's kernels: the fair comparison) and with
PyTorch's defaults (cuDNN may use TF32 tensor cores for convolutions). Prints one JSON object.
"""
import json
import sys
import time

import torch
from torch import nn

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from crnn_peer import CRNN  # noqa: E402


def timed(model, optimizer, x, y, steps):
    loss_fn = nn.BCELoss()
    for _ in range(5):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()  # one loss out per step, as sedjoule's trainStep
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps * 1000


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    torch.manual_seed(1)
    torch.backends.cudnn.benchmark = True
    device = torch.device('cuda')
    model = CRNN(10).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(8, 128, 626, device=device)  # CRNN.forward takes [batch, mels, frames]
    y = (torch.rand(8, 10, device=device) < 0.3).float()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    fp32 = timed(model, optimizer, x, y, steps)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    tf32 = timed(model, optimizer, x, y, steps)
    print(json.dumps({
        'peer': 'PyTorch eager', 'torch': torch.__version__, 'gpu': torch.cuda.get_device_name(0),
        'params': sum(p.numel() for p in model.parameters() if p.requires_grad),
        'steps': steps, 'msPerStepFp32': fp32, 'msPerStepTf32Default': tf32,
    }))


if __name__ == '__main__':
    main()
