"""Tests of emp_theory.pruning.models: FC2, FC5, FC12 (Table 3) and the small CNN.

References: Table 3 widths written out here (parameter counts recomputed as
sum(in*out + out)); the documented counts for 784 inputs.
"""

from __future__ import annotations

import itertools

import pytest
import torch

from emp_theory.pruning.models import FC_WIDTHS, build_model, prunable_parameters


class TestModels:
    @pytest.mark.parametrize("name", ["fc2", "fc5", "fc12"])
    @pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28)])
    def test_table3_widths_and_counts(self, name, shape):
        widths = {
            "fc2": [100, 10],
            "fc5": [1000, 600, 300, 100, 10],
            "fc12": [1000, 900, 800, 750, 700, 650, 600, 500, 400, 200, 100, 10],
        }[name]
        assert list(FC_WIDTHS[name]) == widths
        m = build_model(name, shape)
        dims = [shape[0] * shape[1] * shape[2], *widths]
        expected = sum(a * b + b for a, b in itertools.pairwise(dims))
        assert sum(p.numel() for p in m.parameters()) == expected
        lin = [mod for _, mod, _ in prunable_parameters(m)]
        assert [mod.out_features for mod in lin] == widths
        assert m(torch.zeros(2, *shape)).shape == (2, 10)

    def test_documented_784_counts(self):
        # the module docstring states these numbers
        counts = {
            n: sum(p.numel() for p in build_model(n, (1, 28, 28)).parameters()) for n in FC_WIDTHS
        }
        assert counts == {"fc2": 79_510, "fc5": 1_597_010, "fc12": 4_981_610}

    def test_cnn(self):
        m = build_model("cnn", (1, 8, 8))
        names = [qn for qn, _, _ in prunable_parameters(m)]
        # fully qualified names (named_parameters paths)
        assert names == ["net.conv1.weight", "net.conv2.weight", "net.fc1.weight", "net.fc2.weight"]
        assert names == [n for n, _ in m.named_parameters() if n.endswith("weight")]
        assert m(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
        assert build_model("cnn", (1, 28, 28))(torch.zeros(1, 1, 28, 28)).shape == (1, 10)

    def test_seeded_and_errors(self):
        a, b = build_model("fc2", (1, 8, 8), seed=3), build_model("fc2", (1, 8, 8), seed=3)
        assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))
        with pytest.raises(ValueError, match="`name`"):
            build_model("fc3", (1, 8, 8))
        with pytest.raises(ValueError, match="`input_shape`"):
            build_model("fc2", (8, 8))
