"""The models of the pruning experiments: FC2, FC5, FC12 (Table 3 of the paper) and a small CNN.

Fully connected models (Wang et al., 2026, Table 3) flatten their input and apply
``Linear`` layers of the listed widths with ReLU between them (none after the
last, which outputs the 10 logits)::

    FC2   100, 10
    FC5   1000, 600, 300, 100, 10
    FC12  1000, 900, 800, 750, 700, 650, 600, 500, 400, 200, 100, 10

The input size comes from the data: 64 for the 8×8 digits, 784 for MNIST and
Fashion-MNIST (28×28). With 784 inputs FC2 has 79,510 parameters (79,400
weights), FC5 1,597,010 (1,595,000 weights) and FC12 4,981,610 (4,975,000 weights).

The CNN row is our own small network (the paper's CNNs, AlexNet and VGG16 on
CIFAR-10, are out of scope): two 3×3 convolutions (16 and 32 channels, padding 1),
each followed by ReLU and 2×2 max-pooling, then ``Linear(·, 64)``, ReLU,
``Linear(64, 10)``.

Layers are named ``fc1, fc2, ...`` (and ``conv1, conv2`` for the CNN) inside the
``net`` container, so a parameter's fully qualified name is e.g. ``"net.fc3.weight"``
(``"fc3.weight"``, a unique suffix, is accepted wherever a name is). Weights are initialised by
PyTorch's defaults after ``torch.manual_seed(seed)``.

References
----------
.. [1] Wang et al., "Effective Model Pruning", arXiv:2509.25606, Table 3 and Appendix B.1.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ..paper import TABLE3_WIDTHS
from .names import MODELS
from .targets import prunable_parameters  # re-exported: it lived here

__all__ = ["FC_WIDTHS", "MODELS", "FCNet", "SmallCNN", "build_model", "prunable_parameters"]

#: Layer widths of Table 3 (the last is the number of classes), from :mod:`emp_theory.paper`.
FC_WIDTHS: dict[str, tuple[int, ...]] = dict(TABLE3_WIDTHS)


class FCNet(nn.Module):
    """Fully connected ReLU network ``in_features -> widths[0] -> ... -> widths[-1]``.

    Parameters
    ----------
    in_features : int
        Number of inputs (the flattened image size).
    widths : sequence of int
        Output width of every ``Linear`` layer; the last is the number of classes.
    """

    def __init__(self, in_features: int, widths) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if int(in_features) < 1 or not widths or min(widths) < 1:
            raise ValueError(
                f"`in_features` and `widths` must be positive, got {in_features!r}, {widths!r}"
            )
        layers: list[tuple[str, nn.Module]] = [("flatten", nn.Flatten())]
        prev = int(in_features)
        for i, w in enumerate(widths, start=1):
            layers.append((f"fc{i}", nn.Linear(prev, w)))
            if i < len(widths):
                layers.append((f"relu{i}", nn.ReLU()))
            prev = w
        self.net = nn.Sequential(OrderedDict(layers))
        self.in_features = int(in_features)
        self.widths = widths

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class SmallCNN(nn.Module):
    """Two 3×3 conv layers (16, 32 channels) with ReLU and 2×2 max-pooling, then an FC head.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` of one image; ``H`` and ``W`` must be at least 4.
    n_classes : int, default 10
    """

    def __init__(self, input_shape, n_classes: int = 10) -> None:
        super().__init__()
        c, h, w = (int(d) for d in input_shape)
        if c < 1 or h < 4 or w < 4:
            raise ValueError(f"`input_shape` must be (C, H, W) with H, W >= 4, got {input_shape}")
        flat = 32 * (h // 2 // 2) * (w // 2 // 2)
        self.net = nn.Sequential(
            OrderedDict(
                [
                    ("conv1", nn.Conv2d(c, 16, 3, padding=1)),
                    ("relu1", nn.ReLU()),
                    ("pool1", nn.MaxPool2d(2)),
                    ("conv2", nn.Conv2d(16, 32, 3, padding=1)),
                    ("relu2", nn.ReLU()),
                    ("pool2", nn.MaxPool2d(2)),
                    ("flatten", nn.Flatten()),
                    ("fc1", nn.Linear(flat, 64)),
                    ("relu3", nn.ReLU()),
                    ("fc2", nn.Linear(64, n_classes)),
                ]
            )
        )
        self.input_shape = (c, h, w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def build_model(name: str, input_shape, *, seed: int = 0) -> nn.Module:
    """Build ``"fc2"``, ``"fc5"``, ``"fc12"`` or ``"cnn"`` for images of `input_shape`.

    Parameters
    ----------
    name : str
        One of :data:`~emp_theory.pruning.names.MODELS`.
    input_shape : tuple of int
        ``(C, H, W)``; the FC models take ``C*H*W`` inputs.
    seed : int, default 0
        Seed of ``torch.manual_seed`` before the layers are created.

    Raises
    ------
    ValueError
        If `name` is unknown or `input_shape` is not three positive sizes.
    """
    if name not in MODELS:
        raise ValueError(f"`name` must be one of {', '.join(MODELS)}, got {name!r}")
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"`input_shape` must be (C, H, W) of positive sizes, got {input_shape!r}")
    torch.manual_seed(int(seed))
    if name == "cnn":
        return SmallCNN(shape)
    return FCNet(shape[0] * shape[1] * shape[2], FC_WIDTHS[name])
