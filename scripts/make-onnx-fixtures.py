"""Writes the ONNX fixtures of test/onnx-import.test.ts and test/onnx-graph-import.test.ts: small PyTorch models exported with
torch.onnx.export, each with a JSON sidecar that holds what the tests compare sedjoule with.

    /usr/bin/python3 scripts/make-onnx-fixtures.py [OUT_DIR]   (default test/fixtures/onnx)

Needs PyTorch (1.13 was used; the Debian package); not the `onnx` Python package. Models are seeded,
so a rerun on the same PyTorch writes the same files.

Exports use training=TrainingMode.PRESERVE on a model in eval mode: BatchNormalization nodes are
then kept in their inference form. The default (TrainingMode.EVAL) runs PyTorch's eval peephole,
which folds a BatchNorm that follows a Conv into the Conv's weights (cnn_tagger_fused_opset13.onnx
is such an export): right for inference, but sedjoule would then train a network without the
batch norm.

Each sidecar (<model>.json) is scripts/onnx_sidecar.py's: PyTorch's input, outputs, parameter
count, targets, loss, one step's gradients (float64, batch norm from elementary ops) and a few SGD
losses.
"""
import importlib.util
import os
import sys

import torch
from torch import nn

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'onnx')
MELS, FRAMES, CLASSES, BATCH = 16, 20, 3, 4


class CnnTagger(nn.Module):
    """conv/BN/ReLU/max-pool twice, flatten, linear."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(6 * (MELS // 4) * (FRAMES // 4), CLASSES)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class Crnn(nn.Module):
    """conv/BN/ReLU/pool, permute to time-major and reshape, bidirectional 2-layer GRU, linear,
    mean over time. The reshape uses x.size(0), so the export computes its target from Shape."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AvgPool2d(2))
        self.gru = nn.GRU(4 * (MELS // 2), 8, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(16, CLASSES)

    def forward(self, x):
        x = self.conv(x)  # [B, 4, 8, 10]
        x = x.permute(0, 3, 1, 2)  # [B, frames, channels, mels]
        x = x.reshape(x.size(0), x.size(1), -1)
        x, _ = self.gru(x)
        return self.head(x).mean(dim=1)


class LstmTagger(nn.Module):
    """The frames as a sequence of mel vectors (permute and reshape, as in the CRNN), a bidirectional
    2-layer LSTM, linear, mean over time."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(MELS, 6, num_layers=2, bidirectional=True, batch_first=True)
        self.head = nn.Linear(12, CLASSES)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)  # [B, frames, 1, mels]
        x = x.reshape(x.size(0), x.size(1), -1)
        x, _ = self.lstm(x)
        return self.head(x).mean(dim=1)


class Unsupported(nn.Module):
    """Four nodes sedjoule does not import, on four branches so that none hides another: a
    reflection Pad before a convolution, a ceil-mode MaxPool, an Erf that is not part of a GELU and
    a GlobalMaxPool; the refusal lists every one at once."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(1, 2, 3))
        self.head = nn.LazyLinear(CLASSES)

    def forward(self, x):
        a = torch.flatten(self.conv(x), 1)
        b = torch.flatten(nn.functional.max_pool2d(x, 3, stride=2, ceil_mode=True), 1)
        c = torch.flatten(torch.erf(x), 1)
        d = torch.flatten(nn.functional.adaptive_max_pool2d(x, 1), 1)
        return self.head(torch.cat([a, b, c, d], 1))


class Residual(nn.Module):
    """A skip connection (x + relu(conv(x))): the input read by two nodes."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 3, padding=1)
        self.head = nn.Linear(MELS * FRAMES, CLASSES)

    def forward(self, x):
        return self.head(torch.flatten(x + torch.relu(self.conv(x)), 1))


class InvertedResidualSe(nn.Module):
    """A MobileNetV2/V3-style block: a Hardswish stem; an inverted residual with a ReLU6 expansion,
    a depthwise convolution (dilation 2, asymmetric zero padding from ZeroPad2d), a
    squeeze-excitation (GlobalAveragePool, 1x1 convolutions, Hardsigmoid, Mul) and a linear
    projection added to the block input; global average pooling and a linear head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.Hardswish())
        self.expand = nn.Sequential(nn.Conv2d(8, 16, 1), nn.BatchNorm2d(16), nn.ReLU6())
        self.depthwise = nn.Sequential(
            nn.ZeroPad2d((1, 3, 1, 3)), nn.Conv2d(16, 16, 3, dilation=2, groups=16), nn.BatchNorm2d(16), nn.Hardswish())
        self.se = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(16, 4, 1), nn.ReLU(), nn.Conv2d(4, 16, 1), nn.Hardsigmoid())
        self.project = nn.Sequential(nn.Conv2d(16, 8, 1), nn.BatchNorm2d(8))
        self.head = nn.Linear(8, CLASSES)

    def forward(self, x):
        x = self.stem(x)
        h = self.depthwise(self.expand(x))
        h = h * self.se(h)
        x = x + self.project(h)
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class SequenceMixer(nn.Module):
    """Frames as a sequence: a grouped conv1d over [mels, frames], GELU (erf form; exported as
    Div/Erf/Add/Mul/Mul), LayerNorm over features (decomposed before opset 17), a linear layer,
    then two branches, LeakyReLU and Tanh, joined by Concat; ReLU6 (Clip), SiLU (Sigmoid, Mul), the
    mean over time and a linear head."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(MELS, 16, 3, padding=1, groups=4)
        self.norm = nn.LayerNorm(16)
        self.mix = nn.Linear(16, 12)
        self.head = nn.Linear(24, CLASSES)

    def forward(self, x):
        x = nn.functional.gelu(self.conv(x.reshape(x.size(0), MELS, FRAMES)))
        x = self.mix(self.norm(x.transpose(1, 2)))  # [B, frames, 12]
        x = torch.cat([nn.functional.leaky_relu(x, 0.1), torch.tanh(x)], dim=-1)
        x = nn.functional.silu(nn.functional.relu6(x))
        return self.head(x.mean(dim=1))


spec = importlib.util.spec_from_file_location('onnx_sidecar', os.path.join(os.path.dirname(__file__), 'onnx_sidecar.py'))
onnx_sidecar = importlib.util.module_from_spec(spec)
spec.loader.exec_module(onnx_sidecar)
SHAPE = [BATCH, 1, MELS, FRAMES]
randomize_batchnorm = onnx_sidecar.randomize_batchnorm


def export(model, name, opset, training=torch.onnx.TrainingMode.PRESERVE):
    onnx_sidecar.export(model, os.path.join(OUT, f'{name}.onnx'), SHAPE, opset, training)


def sidecar(model, name, seed):
    onnx_sidecar.write_sidecar(model, os.path.join(OUT, f'{name}.json'), SHAPE, CLASSES, seed)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    cnn = CnnTagger()
    with torch.no_grad():
        randomize_batchnorm(cnn, 2)
    torch.manual_seed(4)
    crnn = Crnn()
    with torch.no_grad():
        randomize_batchnorm(crnn, 5)
    torch.manual_seed(8)
    block = InvertedResidualSe()
    with torch.no_grad():
        randomize_batchnorm(block, 9)
    torch.manual_seed(11)
    mixer = SequenceMixer()
    with torch.no_grad():
        randomize_batchnorm(mixer, 12)

    sidecar(cnn, 'cnn_tagger', 3)
    sidecar(crnn, 'crnn', 6)
    sidecar(block, 'inverted_residual_se', 10)
    sidecar(mixer, 'sequence_mixer', 13)

    export(cnn, 'cnn_tagger_opset17', 17)
    export(cnn, 'cnn_tagger_opset11', 11)
    export(cnn, 'cnn_tagger_fused_opset13', 13, training=torch.onnx.TrainingMode.EVAL)
    export(crnn, 'crnn_opset14', 14)
    export(block, 'inverted_residual_se_opset13', 13)
    export(block, 'inverted_residual_se_opset17', 17)
    export(mixer, 'sequence_mixer_opset14', 14)
    export(mixer, 'sequence_mixer_opset17', 17)

    torch.manual_seed(8)
    lstm = LstmTagger()
    export(lstm, 'lstm_tagger_opset14', 14)
    sidecar(lstm, 'lstm_tagger', 9)

    torch.manual_seed(7)
    unsupported = Unsupported()
    unsupported(torch.zeros(BATCH, 1, MELS, FRAMES))  # sizes the lazy head
    export(unsupported, 'unsupported_opset14', 14)
    export(Residual(), 'residual_opset14', 14)


if __name__ == '__main__':
    main()
