"""A PyTorch training script with energy markers, as `sedjoule measure` sees one:

    npx sedjoule measure --out energy/ -- /usr/bin/python3 examples/pytorch_crnn_markers.py --epochs 2

It trains the DCASE 2023 task 4 baseline CRNN (scripts/crnn_peer.py) on seeded random log-mel
features and tests it, and marks the windows `train`, `epoch-N` and `test` with the three-line
`mark` below, which does nothing when the script runs outside `sedjoule measure`. Prints the
losses; the energy goes to sedjoule's --out.
"""
import argparse
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from crnn_peer import CRNN  # noqa: E402


def mark(line):
    if "SEDJOULE_MARKERS" in os.environ:
        with open(os.environ["SEDJOULE_MARKERS"], "w") as markers:
            markers.write(line + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--clips", type=int, default=32)
    parser.add_argument("--test-clips", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--frames", type=int, default=626)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    mels, classes = 128, 10
    x = torch.randn(args.clips + args.test_clips, mels, args.frames)
    y = (torch.rand(args.clips + args.test_clips, classes) < 0.3).float()
    model = CRNN(classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCELoss()

    mark("begin train")
    model.train()
    for epoch in range(args.epochs):
        mark(f"begin epoch-{epoch + 1}")
        total = 0.0
        for i in range(0, args.clips, args.batch):
            optimizer.zero_grad()
            loss = loss_fn(model(x[i : i + args.batch]), y[i : i + args.batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * min(args.batch, args.clips - i)
        mark(f"end epoch-{epoch + 1}")
        print(f"epoch {epoch + 1}: mean loss {total / args.clips:.4f}", flush=True)
    mark("end train")

    mark("begin test")
    model.eval()
    with torch.no_grad():
        test = loss_fn(model(x[args.clips :]), y[args.clips :]).item()
    mark("end test")
    print(f"test loss {test:.4f}", flush=True)


if __name__ == "__main__":
    main()
