"""Writes the DESED CRNN fixtures of test/safetensors.test.ts and test/onnx-fuse-glu.test.ts: the
DCASE 2023 task 4 baseline CRNN rebuilt in PyTorch from DESED_task's source, its state_dict as a
safetensors file, a JSON sidecar with an input and PyTorch's output, and ONNX exports.

    /usr/bin/python3 scripts/make-desed-crnn-fixture.py [OUT_DIR]          the small instance
    /usr/bin/python3 scripts/make-desed-crnn-fixture.py --full OUT_DIR     the published size

The model is DESED_task's code (github.com/DCASE-REPO/DESED_task, commit
f7dc296e39b09ef26bd05f27b1c720cbc6208bb1, the DCASE 2023 baseline): GLU and CNN from
desed_task/nnet/CNN.py, BidirectionalGRU from desed_task/nnet/RNN.py, and CRNN from
desed_task/nnet/CRNN.py reduced to the path the baseline's configuration takes
(recipes/dcase2023_task4_baseline/confs/default.yaml: activation glu, attention True,
n_RNN_cell 128, 2 GRU layers, nb_filters [16, 32, 64, 128, 128, 128, 128], pooling
[[2, 2], [2, 2], [1, 2] x 5], kernel 3, padding 1, dropout 0.5; no embeddings, no
cnn_integration). The names of the modules are upstream's, so the state_dict's names are the
baseline checkpoint's (cnn.cnn.conv0.weight, rnn.rnn.weight_ih_l0, dense_softmax.bias, ...).

The full model has 1,112,420 trainable parameters (checked below) and a 4.5 MB state_dict, too
large to commit: the committed fixture is a small instance of the same code (fewer filters, a
smaller GRU, 3 classes) that sedjoule's dcase-crnn preset also builds (dcaseCrnnLayers with
filters and rnnHidden). `--full` writes the published size for a check on demand
(SEDJOULE_DESED_FULL=OUT_DIR npx vitest run test/safetensors.test.ts).

No `safetensors` Python package is used: the file is the format's 8-byte little-endian header
length, the JSON header ({name: {dtype, shape, data_offsets}}, "__metadata__"), then the tensors'
little-endian bytes back to back (huggingface/safetensors README, "Format"); write_safetensors
below is those few lines. BatchNorm's num_batches_tracked (int64) is written as I64, as
safetensors.torch.save_file would, so sedjoule's reader is tested on skipping it.

Batch norm statistics and affine parameters are randomised (a fresh BatchNorm is the identity in
eval mode, which would test nothing). Outputs are eval mode (no dropout, running statistics):
the clip-level `weak` output, which is what sedjoule's attention_head returns, and the CNN's
output `cnn` (what the _cnn ONNX export returns).

ONNX exports (opset 13 and 17, eval mode, training=TrainingMode.PRESERVE as
make-onnx-fixtures.py does) of the same small model: <name>_opset<N>.onnx returns `weak` only,
<name>_cnn_opset<N>.onnx the CNN's output (the 7 conv blocks, GLUs included).
"""
import json
import os
import struct
import sys
import warnings

import torch
import torch.nn as nn


# ---- desed_task/nnet/CNN.py at f7dc296 (GLU, CNN; the branches the baseline takes) ----
class GLU(nn.Module):
    def __init__(self, input_num):
        super(GLU, self).__init__()
        self.sigmoid = nn.Sigmoid()
        self.linear = nn.Linear(input_num, input_num)

    def forward(self, x):
        lin = self.linear(x.permute(0, 2, 3, 1))
        lin = lin.permute(0, 3, 1, 2)
        sig = self.sigmoid(x)
        res = lin * sig
        return res


class CNN(nn.Module):
    def __init__(self, n_in_channel, activation="glu", conv_dropout=0, kernel_size=[3, 3, 3], padding=[1, 1, 1],
                 stride=[1, 1, 1], nb_filters=[64, 64, 64], pooling=[(1, 4), (1, 4), (1, 4)], normalization="batch"):
        super(CNN, self).__init__()
        self.nb_filters = nb_filters
        cnn = nn.Sequential()

        def conv(i, normalization="batch", dropout=None, activ="relu"):
            nIn = n_in_channel if i == 0 else nb_filters[i - 1]
            nOut = nb_filters[i]
            cnn.add_module("conv{0}".format(i), nn.Conv2d(nIn, nOut, kernel_size[i], stride[i], padding[i]))
            if normalization == "batch":
                cnn.add_module("batchnorm{0}".format(i), nn.BatchNorm2d(nOut, eps=0.001, momentum=0.99))
            if activ.lower() == "glu":
                cnn.add_module("glu{0}".format(i), GLU(nOut))
            if dropout is not None:
                cnn.add_module("dropout{0}".format(i), nn.Dropout(dropout))

        for i in range(len(nb_filters)):
            conv(i, normalization=normalization, dropout=conv_dropout, activ=activation)
            cnn.add_module("pooling{0}".format(i), nn.AvgPool2d(pooling[i]))
        self.cnn = cnn

    def forward(self, x):
        return self.cnn(x)


# ---- desed_task/nnet/RNN.py at f7dc296 ----
class BidirectionalGRU(nn.Module):
    def __init__(self, n_in, n_hidden, dropout=0, num_layers=1):
        super(BidirectionalGRU, self).__init__()
        self.rnn = nn.GRU(n_in, n_hidden, bidirectional=True, dropout=dropout, batch_first=True, num_layers=num_layers)

    def forward(self, input_feat):
        recurrent, _ = self.rnn(input_feat)
        return recurrent


# ---- desed_task/nnet/CRNN.py at f7dc296 (attention=True, rnn_type BGRU, no embeddings) ----
class CRNN(nn.Module):
    def __init__(self, n_in_channel=1, nclass=10, attention=True, activation="glu", dropout=0.5, n_RNN_cell=128,
                 n_layers_RNN=2, dropout_recurrent=0, **kwargs):
        super(CRNN, self).__init__()
        self.attention = attention
        self.cnn = CNN(n_in_channel=n_in_channel, activation=activation, conv_dropout=dropout, **kwargs)
        nb_in = self.cnn.nb_filters[-1]
        self.rnn = BidirectionalGRU(n_in=nb_in, n_hidden=n_RNN_cell, dropout=dropout_recurrent, num_layers=n_layers_RNN)
        self.dropout = nn.Dropout(dropout)
        self.dense = nn.Linear(n_RNN_cell * 2, nclass)
        self.sigmoid = nn.Sigmoid()
        if self.attention:
            self.dense_softmax = nn.Linear(n_RNN_cell * 2, nclass)
            self.softmax = nn.Softmax(dim=-1)

    def forward(self, x, pad_mask=None):
        x = x.transpose(1, 2).unsqueeze(1)
        x = self.cnn(x)
        bs, chan, frames, freq = x.size()
        if freq != 1:
            warnings.warn(f"Output shape is: {(bs, frames, chan * freq)}, from {freq} staying freq")
            x = x.permute(0, 2, 1, 3)
            x = x.contiguous().view(bs, frames, chan * freq)
        else:
            x = x.squeeze(-1)
            x = x.permute(0, 2, 1)  # [bs, frames, chan]
        x = self.rnn(x)
        x = self.dropout(x)
        strong = self.dense(x)  # [bs, frames, nclass]
        strong = self.sigmoid(strong)
        if self.attention:
            sof = self.dense_softmax(x)  # [bs, frames, nclass]
            sof = self.softmax(sof)
            sof = torch.clamp(sof, min=1e-7, max=1)
            weak = (strong * sof).sum(1) / sof.sum(1)  # [bs, nclass]
        else:
            weak = strong.mean(1)
        return strong.transpose(1, 2), weak


class CnnOnly(nn.Module):
    """CRNN.forward up to the CNN's output [bs, chan, frames, 1]: the 7 conv blocks with their GLUs,
    which a chain importer takes whole (the GRU's input and the attention head need graph layers)."""

    def __init__(self, crnn):
        super().__init__()
        self.crnn = crnn

    def forward(self, x):
        return self.crnn.cnn(x.transpose(1, 2).unsqueeze(1))


class WeakOnly(nn.Module):
    """The clip-level output alone: what sedjoule's attention_head returns, for the ONNX export."""

    def __init__(self, crnn):
        super().__init__()
        self.crnn = crnn

    def forward(self, x):
        return self.crnn(x)[1]


POOLING = [[2, 2], [2, 2], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]
FULL = {'nclass': 10, 'n_RNN_cell': 128, 'nb_filters': [16, 32, 64, 128, 128, 128, 128]}
SMALL = {'nclass': 3, 'n_RNN_cell': 8, 'nb_filters': [2, 4, 4, 4, 4, 4, 4]}
FULL_PARAMETERS = 1112420
MELS = 128  # the seven pools halve the frequency axis 7 times: 128 bands end as 1
BATCH = 2


def build(config, seed):
    torch.manual_seed(seed)
    model = CRNN(n_in_channel=1, nclass=config['nclass'], attention=True, activation='glu', dropout=0.5,
                 n_RNN_cell=config['n_RNN_cell'], n_layers_RNN=2, kernel_size=[3] * 7, padding=[1] * 7,
                 stride=[1] * 7, nb_filters=config['nb_filters'], pooling=POOLING)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
                m.num_batches_tracked.fill_(7)
    return model.eval()


DTYPES = {torch.float32: 'F32', torch.int64: 'I64'}


def write_safetensors(path, state_dict, metadata):
    """huggingface/safetensors README, "Format": u64 LE header length, JSON header, data."""
    header, chunks, offset = {'__metadata__': metadata}, [], 0
    for name, tensor in state_dict.items():
        array = tensor.detach().contiguous().cpu().numpy()
        data = array.astype(array.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': DTYPES[tensor.dtype], 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - (8 + len(text)) % 8) % 8)  # the buffer starts 8-byte aligned, as upstream writes
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text.encode('utf-8'))
        for chunk in chunks:
            f.write(chunk)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def write(out, name, config, frames, seed, onnx_opsets):
    model = build(config, seed)
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)
    g = torch.Generator().manual_seed(seed + 2)
    x = torch.randn(BATCH, MELS, frames, generator=g)
    with torch.no_grad():
        strong, weak = model(x)
        cnn = CnnOnly(model)(x)
    write_safetensors(os.path.join(out, f'{name}.safetensors'), model.state_dict(), {'format': 'pt'})
    sidecar = {
        'source': 'DESED_task f7dc296e39b09ef26bd05f27b1c720cbc6208bb1 desed_task/nnet/{CNN,RNN,CRNN}.py',
        'config': {**config, 'pooling': POOLING, 'mels': MELS, 'frames': frames},
        'parameters': parameters, 'inputShape': list(x.shape), 'input': flat(x),
        'weakShape': list(weak.shape), 'weak': flat(weak), 'cnnShape': list(cnn.shape), 'cnn': flat(cnn),
        'torch': torch.__version__,
    }
    with open(os.path.join(out, f'{name}.json'), 'w') as f:
        json.dump(sidecar, f, separators=(',', ':'))
        f.write('\n')
    for opset in onnx_opsets:
        for module, suffix in [(WeakOnly(model), ''), (CnnOnly(model), '_cnn')]:
            torch.onnx.export(module.eval(), x, os.path.join(out, f'{name}{suffix}_opset{opset}.onnx'), opset_version=opset,
                              input_names=['input'], output_names=['output'],
                              dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}, training=torch.onnx.TrainingMode.PRESERVE)
    return parameters


def main():
    args = sys.argv[1:]
    if args and args[0] == '--full':
        out = args[1]
        os.makedirs(out, exist_ok=True)
        n = write(out, 'desed_crnn_full', FULL, 626, 11, [13, 17])  # 626 frames: a 10 s clip
        assert n == FULL_PARAMETERS, f'PyTorch counts {n} parameters, the baseline has {FULL_PARAMETERS}'
        print(f'{out}/desed_crnn_full.*: {n} parameters')
        return
    out = args[0] if args else os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'desed')
    os.makedirs(out, exist_ok=True)
    n = write(out, 'desed_crnn_small', SMALL, 16, 5, [13, 17])
    print(f'{out}/desed_crnn_small.*: {n} parameters')


if __name__ == '__main__':
    main()
