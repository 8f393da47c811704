"""Every number quoted from the paper, in one place, each with its table or figure.

Source: Wang, Guralnik, Akbari, Dixon, "Effective Model Pruning" (arXiv:2509.25606,
2025; v3: "Effective Model Pruning: Measure The Redundancy of Model Components").
The numbers are the paper's published values, copied from its text; nothing here is
computed. Library code, tests and chapters read them from here, so a figure or a
table that compares with the paper always quotes the same value.

Units follow the paper: accuracies, sparsities and their differences in percent
(points), losses and perplexities as printed.
"""

from __future__ import annotations

__all__ = [
    "APPENDIX_B1_EPOCHS",
    "FIGURE4",
    "KAN_MNIST",
    "TABLE1",
    "TABLE2",
    "TABLE2_EMP_MAGNITUDE_SPARSITY",
    "TABLE3_WIDTHS",
    "TABLE4",
    "TABLE5_EMP_MAGNITUDE_SPARSITY",
]

#: Table 1: (dataset, model) -> (dense loss, sparsity %, EMP loss, epsilon).
TABLE1 = {
    ("CIFAR10", "FC5"): (1.2582, 47.41, 1.2384, 0.0198),
    ("CIFAR10", "FC12"): (1.5123, 42.89, 1.4454, 0.0669),
    ("CIFAR10", "AlexNet"): (0.4664, 62.22, 0.4286, 0.0378),
    ("CIFAR10", "VGG16"): (0.4234, 59.47, 0.3184, 0.1050),
    ("CIFAR100", "ResNet18"): (0.8740, 56.20, 0.9287, 0.0547),
    ("CIFAR100", "ResNet50"): (0.8586, 54.74, 0.8387, 0.0199),
    ("TinyImagenet", "ResNet18"): (2.3028, 53.37, 2.2814, 0.0214),
    ("TinyImagenet", "ResNet50"): (2.0213, 48.10, 1.9853, 0.0360),
}

#: Table 2 (averages over seven LLaMA / LLaMA-2 models):
#: method -> (average sparsity %, its std, average ΔPPL, average Δaccuracy in points).
TABLE2 = {
    "Wanda": (50.00, 0.00, 0.799, -1.40),
    "Magnitude": (50.00, 0.00, 2.982, -2.60),
    "EMP-Wanda": (40.47, 0.33, 0.678, -1.50),
    "EMP-Magnitude": (36.63, 0.04, 0.752, -0.93),
}

#: Table 2: average sparsity (fraction) of EMP-magnitude over the seven models (36.63 %).
TABLE2_EMP_MAGNITUDE_SPARSITY = 0.3663

#: Table 3: layer widths of the fully connected models (input 784).
TABLE3_WIDTHS = {
    "fc2": (100, 10),
    "fc5": (1000, 600, 300, 100, 10),
    "fc12": (1000, 900, 800, 750, 700, 650, 600, 500, 400, 200, 100, 10),
}

#: Table 4 (β = 1): (dataset, model, scope) -> (dense acc. %, pruned acc. %, sparsity %, Δ acc.).
TABLE4 = {
    ("mnist", "fc2", "block"): (93.89, 93.39, 34.13, -0.50),
    ("mnist", "fc2", "global"): (93.89, 93.78, 37.19, -0.11),
    ("mnist", "fc5", "block"): (97.35, 97.31, 28.69, -0.04),
    ("mnist", "fc5", "global"): (97.35, 97.31, 29.56, -0.04),
    ("mnist", "fc12", "block"): (97.07, 96.95, 27.71, -0.12),
    ("mnist", "fc12", "global"): (97.07, 96.96, 28.32, -0.11),
    ("fashion-mnist", "fc2", "block"): (83.93, 83.17, 33.86, -0.76),
    ("fashion-mnist", "fc2", "global"): (83.93, 83.71, 36.72, -0.22),
    ("fashion-mnist", "fc5", "block"): (84.57, 84.65, 28.90, +0.08),
    ("fashion-mnist", "fc5", "global"): (84.57, 84.84, 29.63, +0.27),
    ("fashion-mnist", "fc12", "block"): (86.97, 86.87, 27.58, -0.10),
    ("fashion-mnist", "fc12", "global"): (86.97, 86.68, 28.16, -0.29),
}

#: Table 5: per-model sparsity (fraction) of EMP-magnitude.
TABLE5_EMP_MAGNITUDE_SPARSITY = {
    "LLaMA 7B": 0.3666,
    "LLaMA 13B": 0.3658,
    "LLaMA 30B": 0.3660,
    "LLaMA 65B": 0.3661,
    "LLaMA-2 7B": 0.3670,
    "LLaMA-2 13B": 0.3662,
    "LLaMA-2 70B": 0.3666,
}

#: Figure 4's caption: ``(sparsity, PSNR in dB, SSIM)`` of EMP global (per RGB channel)
#: and of EMP on non-overlapping 4x4 patches (a Pexels photo not distributed with the paper).
FIGURE4 = {"global": (0.267, 29.4, 0.912), "patch4": (0.323, 38.3, 0.991)}

#: Section 5 (KAN on MNIST): widths, validation accuracy % and loss, dense and after EMP.
KAN_MNIST = {
    "dense": {"width": (784, 64, 10), "accuracy": 97.15, "loss": 0.0923},
    "emp": {"width": (784, 47, 10), "accuracy": 94.36, "loss": 0.1810},
}

#: Appendix B.1: training epochs of the MNIST / Fashion-MNIST models (Adam, lr 1e-4, batch 128).
APPENDIX_B1_EPOCHS = {"fc2": 5, "fc5": 5, "fc12": 10}
