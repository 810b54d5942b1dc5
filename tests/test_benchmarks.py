"""Smoke tests of ``python -m benchmarks``: every part runs at tiny sizes and writes its keys.

No timing is asserted here: speed is measured by the suite itself, not by unit tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the benchmarks folder is not an installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as suite_main  # noqa: E402
from benchmarks import _suite, bench_memory  # noqa: E402

ROW_KEYS = {"part", "case", "candidate", "reference", "kind", "ratio", "target", "ok"}
TINY = ["--quick", "--scale", "0.01", "--repeats", "1"]


@pytest.fixture
def eager_compile(monkeypatch):
    """torch.compile without code generation (the 'eager' backend): seconds, not minutes."""
    original = torch.compile
    monkeypatch.setattr(torch, "compile", lambda module, **kw: original(module, backend="eager"))
    yield
    torch._dynamo.reset()


def _run(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "result.json"
    assert suite_main.main([*TINY, *args, "--output", str(out)]) == 0
    return json.loads(out.read_text())


def test_cli_quick_runs_every_timing_part(tmp_path):
    """``python -m benchmarks`` itself, in a subprocess (as a user runs it)."""
    parts = ["mlp", "bdt", "inference", "io", "metrics", "scaling"]
    out = tmp_path / "result.json"
    cmd = [sys.executable, "-m", "benchmarks", *TINY, "--only", ",".join(parts)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [*cmd, "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = proc.stdout
    result = json.loads(out.read_text())
    assert result["environment"]["omp_wait_policy"] == "PASSIVE"
    rows = result["rows"]
    assert {r["part"] for r in rows} == set(parts)
    for row in rows:
        assert set(row) >= ROW_KEYS
        assert row["kind"] in {"throughput", "time", "exponent", "memory"}
    # The comparisons the issue asks for are all there.
    pairs = {(r["part"], r["case"], r["candidate"], r["reference"]) for r in rows}
    for case in ("unweighted", "weighted", "signed"):
        for peer in ("sklhep", "skorch", "sklearn"):
            assert ("mlp", case, peer, "plain") in pairs
    assert ("bdt", "w>=0", "sklhep", "raw") in pairs
    assert ("bdt", "signed", "sklhep", "raw on abs(w)") in pairs
    assert ("bdt", "w>=0", "hgbc", "raw") in pairs
    assert ("inference", "MLP predict_proba", "sklhep", "raw") in pairs
    assert ("inference", "BDT predict_proba", "sklhep", "raw") in pairs
    targets = {(r["part"], r["case"], r["candidate"], r["reference"]): r["target"] for r in rows}
    assert targets[("mlp", "signed", "sklhep", "plain")] == ">= 0.8"
    assert targets[("bdt", "w>=0", "sklhep", "raw")] == "<= 1.1"
    assert targets[("bdt", "signed", "sklhep", "raw on abs(w)")] == "<= 1.6"
    assert targets[("inference", "BDT predict_proba", "sklhep", "raw")] == ">= 0.9"
    for row in rows:
        if row["part"] in {"mlp", "bdt", "inference"}:
            assert np.isfinite(row["ratio"])
            assert row["ratio"] > 0
    exponents = [r for r in rows if r["kind"] == "exponent"]
    assert len(exponents) == 4
    assert table.count("\n| ") >= len(rows)  # header + one line per row
    assert "| part | case |" in table


def test_mlp_options_part(tmp_path, eager_compile):
    result = _run(tmp_path, "--only", "mlp-options")
    rows = {(r["case"], r["candidate"]): r for r in result["rows"]}
    assert {("fit", "bf16"), ("epoch", "compile (epoch)"), ("fit", "compile (first fit)")} <= set(
        rows
    )
    assert all(np.isfinite(r["ratio"]) for r in rows.values())


def test_memory_part_measures_fresh_subprocesses(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_memory, "QUICK_FITS", ("sklhep-mlp",))
    result = _run(tmp_path, "--only", "memory")
    (row,) = result["rows"]
    assert row["candidate"] == "sklhep-mlp"
    assert row["target"] == "<= 3"
    assert row["input_bytes"] == row["events"] * 20 * 4
    assert row["peak_rss"] >= row["data_rss"] > 0
    assert {"cold_x", "baseline_peak_rss"} <= set(row)


@pytest.mark.parametrize("name", ["sklhep-bdt-signed", "raw-xgboost", "plain-torch"])
def test_memory_child_reports_rss(name):
    report = bench_memory.child(name, 500, "cpu")
    assert report["input_bytes"] == 500 * 20 * 4
    assert report["peak_rss"] >= report["data_rss"] > 0


def test_unknown_part_and_list(capsys):
    with pytest.raises(SystemExit, match="unknown part"):
        suite_main.main(["--only", "nope"])
    assert suite_main.main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in suite_main.PARTS)


def test_interleave_rotates_and_ratio_rows():
    order: list[str] = []

    def make(name, t):
        def f():
            order.append(name)
            return t

        return f

    times = _suite.interleave({"a": make("a", 2.0), "b": make("b", 1.0)}, 2, warmup=False)
    assert order == ["a", "b", "b", "a"]
    thr = _suite.ratio_row("p", "c", "b", "a", times, kind="throughput", target=(">=", 0.8))
    assert thr["ratio"] == 2.0
    assert thr["ok"] is True
    tim = _suite.ratio_row("p", "c", "b", "a", times, kind="time", target=("<=", 0.4))
    assert tim["ratio"] == 0.5
    assert tim["ok"] is False
    assert "| p | c | b | a | 2.00 × throughput |" in _suite.markdown_table([thr])


def test_log_log_slope_recovers_the_exponent():
    n = np.array([1e4, 1e5, 1e6])
    assert _suite.log_log_slope(n, 3e-6 * n) == pytest.approx(1.0)
    assert _suite.log_log_slope(n, 1e-9 * n**1.5) == pytest.approx(1.5)


@pytest.mark.gpu
def test_suite_on_cuda(tmp_path, eager_compile):
    result = _run(tmp_path, "--device", "cuda", "--only", "mlp,bdt,inference,mlp-options")
    assert all(r["device"] == "cuda" for r in result["rows"] if "device" in r)
    skorch = [r for r in result["rows"] if r["part"] == "mlp" and r["reference"] == "skorch"]
    assert all(r["target"] == ">= 10" for r in skorch)
