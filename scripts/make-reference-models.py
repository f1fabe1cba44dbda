"""Builds the reference models of the ONNX import (docs/onnx.md) in PyTorch and exports them.

    /usr/bin/python3 scripts/make-reference-models.py [--size small|full] [--out DIR] [--only a,b]

--size small (default) writes the test fixtures (test/fixtures/onnx/reference/): narrow, shallow
instances of each architecture on a small input, each with the JSON sidecar of onnx_sidecar.py.
--size full writes the models at their published widths on a 10 s DESED clip's features
([1, 128, 626]: 128 mel bands, 626 frames) for the benchmarks, without sidecars. Models are seeded,
so a rerun on the same PyTorch (1.13 was used) writes the same files. Each model reads the front
end's [batch, 1, mels, frames] and returns clip-level logits [batch, classes].

The architectures follow their papers and public code; where one is simplified, its docstring says
how. Dropout layers are nn.Dropout modules (not functional calls), so that the sidecar's gradients
can be taken with dropout off, as in the eval-mode export.
"""
import argparse
import importlib.util
import math
import os

import torch
from torch import nn

spec = importlib.util.spec_from_file_location('onnx_sidecar', os.path.join(os.path.dirname(__file__), 'onnx_sidecar.py'))
sidecar = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sidecar)

CLASSES = 10  # DESED's ten sound event classes


class ConvBlock(nn.Module):
    """PANNs' ConvBlock: two 3x3 conv (no bias) / BN / ReLU, then average pooling."""

    def __init__(self, cin, cout, pool):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pool = nn.AvgPool2d(pool) if pool != 1 else nn.Identity()

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        return self.pool(x)


class Cnn14(nn.Module):
    """PANNs CNN14 (Kong et al., "PANNs: Large-Scale Pretrained Audio Neural Networks for Audio
    Pattern Recognition", IEEE/ACM TASLP 28, 2020; github.com/qiuqiangkong/audioset_tagging_cnn,
    pytorch/models.py, class Cnn14) from the log-mel features on: bn0 over the mel bands, six conv
    blocks (2x2 average pooling after the first five), dropout 0.2 after each, mean over frequency,
    max plus mean over time, dropout 0.5, fc1 with ReLU, dropout, and the output layer (logits: the
    paper's sigmoid goes into the BCE-with-logits loss). The paper's input is [batch, 1, time, mels],
    so the front end's [batch, 1, mels, frames] is transposed first."""

    def __init__(self, mels, widths, classes=CLASSES):
        super().__init__()
        self.bn0 = nn.BatchNorm2d(mels)
        pools = [2, 2, 2, 2, 2, 1]
        chans = [1] + list(widths)
        self.blocks = nn.ModuleList(ConvBlock(chans[i], chans[i + 1], pools[i]) for i in range(6))
        self.dropout_block = nn.Dropout(0.2)
        self.dropout = nn.Dropout(0.5)
        self.fc1 = nn.Linear(widths[-1], widths[-1])
        self.fc_audioset = nn.Linear(widths[-1], classes)

    def forward(self, x):
        x = x.transpose(2, 3)  # [B, 1, T, F]
        x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
        for block in self.blocks:
            x = self.dropout_block(block(x))
        x = torch.mean(x, dim=3)
        x = torch.amax(x, dim=2) + torch.mean(x, dim=2)
        x = self.dropout(x)
        x = self.dropout(torch.relu(self.fc1(x)))
        return self.fc_audioset(x)


def make_divisible(v, divisor=8):
    """torchvision's _make_divisible: channel counts rounded to a multiple of 8, never down by more than 10%."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


class SqueezeExcitation(nn.Module):
    """MobileNetV3's SE: global average, 1x1 conv down, ReLU, 1x1 conv up, Hardsigmoid, scale."""

    def __init__(self, channels):
        super().__init__()
        squeeze = make_divisible(channels // 4)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x):
        s = nn.functional.adaptive_avg_pool2d(x, 1)
        return x * nn.functional.hardsigmoid(self.fc2(torch.relu(self.fc1(s))))


def conv_bn_act(cin, cout, kernel, stride, groups, act):
    layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2's inverted residual (1x1 expand, depthwise kxk, 1x1 project; a skip when the shape
    allows) with MobileNetV3's squeeze-excitation and Hardswish, as EfficientAT's MN blocks."""

    def __init__(self, cin, kernel, expanded, cout, se, hardswish, stride):
        super().__init__()
        act = nn.Hardswish if hardswish else nn.ReLU
        layers = []
        if expanded != cin:
            layers.append(conv_bn_act(cin, expanded, 1, 1, 1, act))
        layers.append(conv_bn_act(expanded, expanded, kernel, stride, expanded, act))
        if se:
            layers.append(SqueezeExcitation(expanded))
        layers.append(conv_bn_act(expanded, cout, 1, 1, 1, None))
        self.block = nn.Sequential(*layers)
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.skip else y


# MobileNetV3-Large's block table (Howard et al., "Searching for MobileNetV3", ICCV 2019, table 1):
# kernel, expanded channels, output channels, squeeze-excitation, Hardswish, stride.
MOBILENET_V3_LARGE = [
    (3, 16, 16, False, False, 1), (3, 64, 24, False, False, 2), (3, 72, 24, False, False, 1),
    (5, 72, 40, True, False, 2), (5, 120, 40, True, False, 1), (5, 120, 40, True, False, 1),
    (3, 240, 80, False, True, 2), (3, 200, 80, False, True, 1), (3, 184, 80, False, True, 1),
    (3, 184, 80, False, True, 1), (3, 480, 112, True, True, 1), (3, 672, 112, True, True, 1),
    (5, 672, 160, True, True, 2), (5, 960, 160, True, True, 1), (5, 960, 160, True, True, 1),
]


class EfficientAtMn(nn.Module):
    """An EfficientAT-style MobileNet tagger (Schmid, Koutini and Widmer, "Efficient Large-Scale
    Audio Tagging via Transformer-to-CNN Knowledge Distillation", ICASSP 2023;
    github.com/fschmid56/EfficientAT, models/mn): MobileNetV3-Large blocks scaled by a width
    multiplier on the log-mel input, a 1x1 conv to 6x the last width, global average pooling and
    a two-layer classifier with Hardswish. EfficientAT's variants of the SE (over channels,
    frequency and time) and its pretrained weights are left out."""

    def __init__(self, width, blocks, last, classes=CLASSES):
        super().__init__()
        c = lambda v: make_divisible(v * width)
        layers = [conv_bn_act(1, c(16), 3, 2, 1, nn.Hardswish)]
        cin = c(16)
        for kernel, expanded, cout, se, hs, stride in blocks:
            layers.append(InvertedResidual(cin, kernel, c(expanded), c(cout), se, hs, stride))
            cin = c(cout)
        layers.append(conv_bn_act(cin, 6 * cin, 1, 1, 1, nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(
            nn.Linear(6 * cin, last), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(last, classes))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


class SelfAttention(nn.Module):
    """Multi-head self-attention as timm's ViT Attention: one qkv projection, split in three,
    softmax(q k^T / sqrt(d)) v per head, an output projection."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        split = lambda t: t.reshape(b, n, self.heads, d // self.heads).transpose(1, 2)  # [B, H, N, Dh]
        q, k, v = split(q), split(k), split(v)
        attention = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * self.scale, dim=-1)
        y = torch.matmul(attention, v).transpose(1, 2).reshape(b, n, d)
        return self.proj(y)


class TransformerBlock(nn.Module):
    """Pre-norm transformer block: x + attention(LN(x)), x + MLP(LN(x)) with GELU."""

    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Dropout(0.1), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class SpectrogramTransformer(nn.Module):
    """A small AST/PaSST-like transformer (Gong, Chung and Glass, "AST: Audio Spectrogram
    Transformer", Interspeech 2021; Koutini et al., "Efficient Training of Audio Transformers with
    Patchout", Interspeech 2022): overlapping patches by a strided conv, a learned positional
    embedding, pre-norm blocks, a final LayerNorm and a linear head. The clip embedding is the mean
    of the patch tokens (AST and PaSST add [CLS]/distillation tokens instead; the mean keeps the
    graph free of the batch-sized Expand those need)."""

    def __init__(self, mels, frames, dim, depth, heads, patch, stride, classes=CLASSES):
        super().__init__()
        self.patch = nn.Conv2d(1, dim, patch, stride)
        tokens = ((mels - patch) // stride + 1) * ((frames - patch) // stride + 1)
        self.pos_embed = nn.Parameter(torch.randn(1, tokens, dim) * 0.02)
        self.blocks = nn.Sequential(*[TransformerBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)  # [B, N, D]
        x = self.blocks(x + self.pos_embed)
        return self.head(self.norm(x).mean(dim=1))


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.LayerNorm(dim), nn.Linear(dim, 4 * dim), nn.SiLU(), nn.Dropout(0.1), nn.Linear(4 * dim, dim), nn.Dropout(0.1))

    def forward(self, x):
        return self.net(x)


class ConvModule(nn.Module):
    """The conformer's convolution module: LN, pointwise conv to 2D channels, GLU, depthwise conv,
    BatchNorm, SiLU, pointwise conv."""

    def __init__(self, dim, kernel):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.pointwise1 = nn.Conv1d(dim, 2 * dim, 1)
        self.depthwise = nn.Conv1d(dim, dim, kernel, padding=kernel // 2, groups=dim)
        self.bn = nn.BatchNorm1d(dim)
        self.pointwise2 = nn.Conv1d(dim, dim, 1)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x):
        y = self.norm(x).transpose(1, 2)  # [B, D, T]
        y = nn.functional.glu(self.pointwise1(y), dim=1)
        y = self.pointwise2(nn.functional.silu(self.bn(self.depthwise(y))))
        return self.dropout(y).transpose(1, 2)


class ConformerBlock(nn.Module):
    """Gulati et al., "Conformer: Convolution-augmented Transformer for Speech Recognition",
    Interspeech 2020: half-step FFN, self-attention, convolution module, half-step FFN, LayerNorm."""

    def __init__(self, dim, heads, kernel):
        super().__init__()
        self.ff1 = FeedForward(dim)
        self.norm_attn = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.conv = ConvModule(dim, kernel)
        self.ff2 = FeedForward(dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        x = x + 0.5 * self.ff1(x)
        x = x + self.attn(self.norm_attn(x))
        x = x + self.conv(x)
        x = x + 0.5 * self.ff2(x)
        return self.norm(x)


class ConformerSed(nn.Module):
    """A conformer SED model in the style of the DCASE 2020 task 4 winner (Miyazaki et al.,
    "Conformer-based sound event detection with semi-supervised learning and data augmentation",
    DCASE 2020 Workshop): a 2-D conv subsampling by 4 in time and frequency, a linear projection,
    conformer blocks, frame-level logits and their mean over time as the clip's logits. The
    self-attention has no relative positional encoding (the convolution modules carry the order)."""

    def __init__(self, mels, channels, dim, depth, heads, kernel, classes=CLASSES):
        super().__init__()
        self.subsample = nn.Sequential(
            nn.Conv2d(1, channels, 3, 2), nn.ReLU(), nn.Conv2d(channels, channels, 3, 2), nn.ReLU())
        freq = ((mels - 3) // 2 + 1 - 3) // 2 + 1
        self.project = nn.Linear(channels * freq, dim)
        self.blocks = nn.Sequential(*[ConformerBlock(dim, heads, kernel) for _ in range(depth)])
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.subsample(x)  # [B, C, F', T']
        x = x.permute(0, 3, 1, 2)
        x = self.project(x.reshape(x.size(0), x.size(1), -1))  # [B, T', D]
        return self.head(self.blocks(x)).mean(dim=1)


class BiLstmTagger(nn.Module):
    """A bidirectional LSTM tagger: the frames of the log-mel features through a stacked
    bidirectional LSTM, frame logits by a linear layer, their mean over time."""

    def __init__(self, mels, hidden, layers, classes=CLASSES):
        super().__init__()
        self.lstm = nn.LSTM(mels, hidden, num_layers=layers, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        x = x.squeeze(1).transpose(1, 2)  # [B, T, F]
        x, _ = self.lstm(x)
        return self.head(x).mean(dim=1)


# name -> (input [mels, frames], constructor) per size.
MODELS = {
    'small': {
        'cnn14': ([32, 64], lambda: Cnn14(32, (2, 4, 4, 8, 8, 16))),
        'efficientat_mn': ([32, 48], lambda: EfficientAtMn(0.2, MOBILENET_V3_LARGE[0:1] + MOBILENET_V3_LARGE[4:5] + MOBILENET_V3_LARGE[6:7], 16)),
        'transformer': ([16, 40], lambda: SpectrogramTransformer(16, 40, 16, 2, 4, 8, 8)),
        'conformer': ([16, 40], lambda: ConformerSed(16, 4, 12, 2, 2, 5)),
        'bilstm': ([16, 20], lambda: BiLstmTagger(16, 8, 2)),
    },
    'full': {
        'cnn14': ([128, 626], lambda: Cnn14(128, (64, 128, 256, 512, 1024, 2048))),
        'efficientat_mn': ([128, 626], lambda: EfficientAtMn(1.0, MOBILENET_V3_LARGE, 1280)),
        'transformer': ([128, 626], lambda: SpectrogramTransformer(128, 626, 192, 4, 4, 16, 10)),
        'conformer': ([128, 626], lambda: ConformerSed(128, 144, 144, 4, 4, 7)),
        'bilstm': ([128, 626], lambda: BiLstmTagger(128, 256, 2)),
    },
}

# Opsets: 17 for all (LayerNormalization nodes), and 13 for the models with a LayerNorm, to test
# the decomposed form PyTorch emits below opset 17.
OPSETS = {'transformer': [17, 13], 'conformer': [17, 13]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', choices=['small', 'full'], default='small')
    parser.add_argument('--out', default=None)
    parser.add_argument('--only', default=None, help='comma-separated model names')
    args = parser.parse_args()
    root = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'onnx', 'reference')
    out = args.out or root
    os.makedirs(out, exist_ok=True)
    names = args.only.split(',') if args.only else list(MODELS[args.size])
    batch = 4 if args.size == 'small' else 1
    for i, name in enumerate(names):
        shape, make = MODELS[args.size][name]
        torch.manual_seed(100 + i)
        model = make()
        sidecar.randomize_batchnorm(model, 200 + i)
        input_shape = [batch, 1, *shape]
        for opset in OPSETS.get(name, [17]):
            sidecar.export(model, os.path.join(out, f'{name}_opset{opset}.onnx'), input_shape, opset)
        if args.size == 'small':
            sidecar.write_sidecar(model, os.path.join(out, f'{name}.json'), input_shape, CLASSES, 300 + i)
        params = sum(p.numel() for p in model.parameters())
        print(f'{name}: {params} parameters, input {input_shape}')


if __name__ == '__main__':
    main()
