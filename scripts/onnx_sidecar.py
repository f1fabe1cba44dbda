"""What the ONNX fixture scripts share: exporting a PyTorch tagger and writing the JSON sidecar that
the tests compare sedjoule with. Used by make-reference-models.py.

A sidecar (<name>.json) holds:
  input [batch, 1, mels, frames] flattened, and its shape;
  output: the eval-mode output (logits) on that input;
  parameters: PyTorch's trainable parameter count;
  targets: fixed multi-hot targets, and loss: BCE-with-logits of the train-mode output against them;
  gradients: one backward pass of that loss in train mode (batch norm on batch statistics, as
  sedjoule trains; dropout off, since an eval-mode export has none), by PyTorch parameter name;
  all computed on a float64 copy of the model from the same float32 input and weights: a closer
  reference for float32, and the Debian PyTorch 1.13 build gives garbage float32 gradients for a
  grouped conv1d (they change from run to run). In that copy batch norm is computed from
  elementary ops (ElementaryBatchNorm): the same build's batch-norm backward gives wrong weight
  gradients for some input strides (CNN14's bn0 over a transposed input: autograd -0.0117, central
  finite differences 0.0325 for the same weight);
  sgdLosses: losses of a few SGD steps (lr 0.1) from the same start, to show they fall.
"""
import copy
import json

import torch
from torch import nn


def export(model, path, input_shape, opset, training=torch.onnx.TrainingMode.PRESERVE):
    """Exports in eval mode with a dynamic batch axis. PRESERVE keeps BatchNormalization nodes in
    their inference form (the default, EVAL, folds a BatchNorm that follows a Conv into its weights)."""
    model.eval()
    torch.onnx.export(
        model, torch.zeros(*input_shape), path, opset_version=opset, input_names=['input'], output_names=['output'],
        dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}}, training=training)


def flat(t):
    """Values to 7 significant digits (float32's precision, within a unit or so in its last place;
    far below the tests' tolerances), which halves the sidecar's size against 17-digit doubles."""
    return [float(f'{v:.7g}') for v in t.detach().reshape(-1).tolist()]


def train_without_dropout(model):
    """Train mode (batch statistics in batch norm) with every dropout off: the exported graph has no
    dropout, so the gradients compared with sedjoule's must not have any either."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()


class ElementaryBatchNorm(nn.Module):
    """Batch norm as nn.BatchNorm1d/2d computes it (batch statistics and biased variance in train
    mode, running statistics in eval mode), from elementary ops, so that autograd differentiates
    it op by op."""

    def __init__(self, bn):
        super().__init__()
        self.weight, self.bias, self.eps = bn.weight, bn.bias, bn.eps
        self.register_buffer('running_mean', bn.running_mean)
        self.register_buffer('running_var', bn.running_var)

    def forward(self, x):
        dims = [0] + list(range(2, x.dim()))
        shape = [1, -1] + [1] * (x.dim() - 2)
        if self.training:
            mean = x.mean(dim=dims, keepdim=True)
            var = ((x - mean) ** 2).mean(dim=dims, keepdim=True)
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight.reshape(shape) + self.bias.reshape(shape)


def with_elementary_batchnorm(model):
    for name, child in model.named_children():
        if isinstance(child, (nn.BatchNorm1d, nn.BatchNorm2d)):
            setattr(model, name, ElementaryBatchNorm(child))
        else:
            with_elementary_batchnorm(child)
    return model


def write_sidecar(model, path, input_shape, classes, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*input_shape, generator=g)
    targets = (torch.rand(input_shape[0], classes, generator=g) < 0.4).float()
    model, x, targets = with_elementary_batchnorm(copy.deepcopy(model).double()), x.double(), targets.double()
    model.eval()
    with torch.no_grad():
        output = model(x)
    train_without_dropout(model)
    model.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(model(x), targets)
    loss.backward()
    gradients = {n: flat(p.grad) for n, p in model.named_parameters()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []
    for _ in range(5):
        optimizer.zero_grad()
        step_loss = nn.functional.binary_cross_entropy_with_logits(model(x), targets)
        steps.append(float(step_loss))
        step_loss.backward()
        optimizer.step()
    data = {
        'inputShape': list(x.shape), 'input': flat(x), 'output': flat(output), 'outputShape': list(output.shape),
        'parameters': sum(p.numel() for p in model.parameters()), 'targets': flat(targets), 'loss': float(loss),
        'gradients': gradients, 'sgdLosses': steps, 'torch': torch.__version__,
    }
    with open(path, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')


def randomize_batchnorm(model, seed):
    """Non-trivial running statistics and affine terms, so that an import that drops or misreads
    them shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            elif isinstance(m, nn.LayerNorm) and m.elementwise_affine:
                m.weight.data.copy_(torch.rand(m.normalized_shape, generator=g) + 0.5)
                m.bias.data.copy_(torch.randn(m.normalized_shape, generator=g) * 0.1)
