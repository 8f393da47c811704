"""``--json`` output is strict JSON: never NaN or Infinity (issue 12, section 3).

The output is parsed with a ``parse_constant`` that refuses ``NaN``, ``Infinity`` and
``-Infinity`` — what :func:`json.loads` accepts by default but RFC 8259 (and most
parsers outside Python) does not. A value that would be non-finite is an error on
stderr, with nothing on stdout.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from emp_theory import emp_summary
from emp_theory.cli import core as cli_core
from emp_theory.cli import main


def _refuse(token):
    raise ValueError(f"non-standard JSON constant {token!r}")


def strict_loads(text: str):
    return json.loads(text, parse_constant=_refuse)


def _finite_everywhere(obj) -> bool:
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(_finite_everywhere(v) for v in obj.values())
    if isinstance(obj, list):
        return all(_finite_everywhere(v) for v in obj)
    return True


def test_strict_parser_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        strict_loads('{"s_eff": NaN}')
    with pytest.raises(ValueError, match="Infinity"):
        strict_loads("[-Infinity]")


@pytest.mark.parametrize(
    "values",
    [
        [1e308, 1e308, 1e308],  # the issue's example: s_eff and kept_mass were NaN
        [1.7976931348623157e308, -1.7976931348623157e308, 1.0],
        [1e-300, 2e-300, 5e-324],
        [1e300, 1e-300, 3.0, -1e300],
    ],
)
@pytest.mark.parametrize("beta", ["0.5", "1", "1e300"])
def test_neff_json_is_strict_and_right(tmp_path, capsys, values, beta):
    f = tmp_path / "s.npy"
    np.save(f, np.array(values))
    assert main(["neff", str(f), "--json", "--beta", beta]) == 0
    out = strict_loads(capsys.readouterr().out)
    assert _finite_everywhere(out)
    ref = emp_summary(np.array(values), float(beta)).as_dict()
    assert out == ref
    assert 0 < out["s_eff"] <= 1 and 0 < out["kept_mass"] <= 1


def test_issue_example_neff_1e308(tmp_path, capsys):
    f = tmp_path / "s.txt"
    f.write_text("1e308 1e308 1e308\n")
    assert main(["neff", str(f), "--json"]) == 0
    out = strict_loads(capsys.readouterr().out)
    assert out["s_eff"] == out["kept_mass"] == 1.0 and out["n_eff"] == 3


@pytest.mark.parametrize(
    "argv",
    [
        ["bounds", "--N", "10", "--json"],
        ["bounds", "--N", "1000", "--nu", "1,2,500,999,1000", "--beta", "0.5", "--json"],
        ["bounds", "--N", "2", "--nu", "1", "--json"],
    ],
)
def test_bounds_json_is_strict(capsys, argv):
    assert main(argv) == 0
    out = strict_loads(capsys.readouterr().out)
    assert _finite_everywhere(out)


def test_a_non_finite_value_is_an_error_not_printed(tmp_path, capsys, monkeypatch):
    """Whatever produced it, a NaN never reaches stdout: one line on stderr, exit 2."""
    import emp_theory.effective as eff

    real = eff.emp_summary

    class Broken:
        def __init__(self, s, beta):
            self._d = real(s, beta=beta).as_dict() | {"kept_mass": math.nan}

        def as_dict(self):
            return self._d

    monkeypatch.setattr(eff, "emp_summary", Broken)
    f = tmp_path / "s.txt"
    f.write_text("1 2 3\n")
    assert main(["neff", str(f), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "kept_mass" in captured.err and "NaN" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_dumps_strict_names_the_place():
    with pytest.raises(cli_core.UsageError, match=r"`\[1\]\.gap`"):
        cli_core.dumps_strict([{"gap": 0.0}, {"gap": math.inf}])
    assert strict_loads(cli_core.dumps_strict({"p": np.array([0.5, 0.5]), "n": np.int64(3)})) == {
        "p": [0.5, 0.5],
        "n": 3,
    }
