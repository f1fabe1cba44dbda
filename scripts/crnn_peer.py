"""Peer for `npm run bench`: one training epoch of the DCASE 2023 task 4 baseline CRNN in PyTorch
(DESED_task's CNN + BiGRU + attention head, as in desed_task/nnet/CNN.py and CRNN.py) on the same
features, labels and thread count as sedjoule's run, in the same `npm run bench`.

    /usr/bin/python3 scripts/crnn_peer.py FEATURES.f32 LABELS.f32 CLIPS MELS FRAMES CLASSES THREADS BATCH

FEATURES.f32: float32 [CLIPS x MELS x FRAMES]; LABELS.f32: float32 [CLIPS x CLASSES]. Adam lr 1e-3,
BCE on the clip-level output, batches in file order. Prints one JSON object.

    /usr/bin/python3 scripts/crnn_peer.py --memory MELS FRAMES CLASSES THREADS BATCH STEPS

The memory of training, for the bench's targets section (scripts/bench/train-memory.mjs measures
sedjoule the same way): with torch loaded and one batch of random features and labels made, the
resident set size (RSS) is read; then the model and its optimiser are built (RSS read again) and
STEPS training steps run. Prints the RSS figures and the process's peak RSS, in kB: VmRSS and VmHWM
of /proc/self/status (proc(5)). Not getrusage's ru_maxrss: Linux carries the high-water mark of
the process image replaced by execve into it, so a child of a large parent would start at the
parent's RSS.
"""
import json
import sys
import time

import numpy as np
import torch
from torch import nn


class GLU(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.linear = nn.Linear(channels, channels)

    def forward(self, x):
        lin = self.linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return lin * torch.sigmoid(x)


class CRNN(nn.Module):
    def __init__(self, classes):
        super().__init__()
        filters = [16, 32, 64, 128, 128, 128, 128]
        pools = [[2, 2], [2, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]
        blocks = []
        cin = 1
        for cout, pool in zip(filters, pools):
            blocks += [nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout, eps=0.001, momentum=0.99), GLU(cout), nn.Dropout(0.5), nn.AvgPool2d(pool)]
            cin = cout
        self.cnn = nn.Sequential(*blocks)
        self.rnn = nn.GRU(128, 128, num_layers=2, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.5)
        self.dense = nn.Linear(256, classes)
        self.dense_softmax = nn.Linear(256, classes)

    def forward(self, x):  # x: [batch, mels, frames]
        x = self.cnn(x.transpose(1, 2).unsqueeze(1))
        x = x.squeeze(-1).permute(0, 2, 1)
        x, _ = self.rnn(x)
        x = self.dropout(x)
        strong = torch.sigmoid(self.dense(x))
        sof = torch.clamp(torch.softmax(self.dense_softmax(x), dim=-1), min=1e-7, max=1)
        return (strong * sof).sum(1) / sof.sum(1)


def status_kb(field):
    """A kB field of /proc/self/status: VmRSS (resident now) or VmHWM (its peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def memory(mels, frames, classes, threads, batch, steps):
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    x = torch.rand(batch, mels, frames) - 0.5
    y = (torch.rand(batch, classes) < 0.3).float()
    before_model = status_kb("VmRSS")
    model = CRNN(classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    model.train()
    before_step = status_kb("VmRSS")
    max_before_step = status_kb("VmHWM")
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    print(json.dumps({
        "rssBeforeModelKb": before_model,
        "rssBeforeStepKb": before_step,
        "maxRssBeforeStepKb": max_before_step,
        "peakKb": status_kb("VmHWM"),
        "steps": steps,
        "torch": torch.__version__,
    }))


def main():
    if sys.argv[1] == "--memory":
        memory(*(int(v) for v in sys.argv[2:8]))
        return
    features, labels = sys.argv[1], sys.argv[2]
    clips, mels, frames, classes, threads, batch = (int(v) for v in sys.argv[3:9])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    x = torch.from_numpy(np.fromfile(features, dtype="<f4").reshape(clips, mels, frames))
    y = torch.from_numpy(np.fromfile(labels, dtype="<f4").reshape(clips, classes))
    model = CRNN(classes)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()
    model.train()
    start = time.perf_counter()
    total = 0.0
    for i in range(0, clips, batch):
        optimizer.zero_grad()
        loss = loss_fn(model(x[i : i + batch]), y[i : i + batch])
        loss.backward()
        optimizer.step()
        total += loss.item() * min(batch, clips - i)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "seconds": seconds,
        "clipsPerSecond": clips / seconds,
        "meanLoss": total / clips,
        "params": params,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "peer": "PyTorch eager (Debian python3-torch), DESED_task CRNN",
    }))


if __name__ == "__main__":
    main()
