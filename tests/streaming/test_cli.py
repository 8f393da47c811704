"""Tests of ``emp-theory prune-safetensors`` (emp_theory.cli.stream through emp_theory.cli.main)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
st_torch = pytest.importorskip("safetensors.torch")

from emp_theory import cli  # noqa: E402
from emp_theory import streaming as S  # noqa: E402
from emp_theory.effective import emp_summary  # noqa: E402


@pytest.fixture
def cli_main():
    return cli.main


def test_cli_runs_and_reports(
    tmp_path, cli_main, capsys, header_order, load_dir, pruned_keys, make_model, expected_global
):
    src = make_model(tmp_path / "in", torch.bfloat16, seed=10)
    out = tmp_path / "out"
    argv = ["prune-safetensors", str(src), str(out), "--scope", "global", "--beta", "1"]
    assert cli_main([*argv, "--criterion", "magnitude", "--no-progress", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    on_disk = json.loads((out / S.REPORT_NAME).read_text())
    assert rep["k"] == on_disk["k"]
    ins = load_dir(src)
    cat, _ = expected_global(ins, pruned_keys(ins, header_order(src)), 1.0)
    assert rep["n_eff"] == emp_summary(cat).n_eff


@pytest.mark.parametrize(
    "args, needle",
    [
        (["{tmp}/missing", "{tmp}/out"], "`in_dir` does not exist"),
        (["{tmp}/in", "{tmp}/in"], "`out_dir` must differ"),
        (["{tmp}/plain", "{tmp}/out"], "no .safetensors"),
        (["{tmp}/bad", "{tmp}/out"], "is not a valid .safetensors file"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path, cli_main, capsys, args, needle, make_model):
    make_model(tmp_path / "in", torch.float16, seed=11)
    (tmp_path / "plain").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{{{{")
    argv = ["prune-safetensors", *(a.format(tmp=tmp_path) for a in args), "--no-progress"]
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_rejects_bad_beta(cli_main, capsys):
    with pytest.raises(SystemExit) as ei:
        cli_main(["prune-safetensors", "a", "b", "--beta", "-1"])
    assert ei.value.code == 2
    assert "finite number > 0" in capsys.readouterr().err
