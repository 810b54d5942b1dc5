"""Every gallery example runs to the end on the built-in generators.

Each ``examples/plot_*.py`` runs in a subprocess, as sphinx-gallery runs it, with
``SKLHEP_DATA`` unset (the examples fall back to ``sklhep.datasets``), a non-interactive
matplotlib backend and ``SKLHEP_EXAMPLE_QUICK=1``, which the examples honour by shrinking
their samples, epochs, rounds and trials. The documentation build runs them at full size.
Most of an example's quick run is importing torch, xgboost and scikit-learn, so the selected
examples start together, two at a time (one per core of a 2-core machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("plot_*.py"))
PARALLEL = 2
TIMEOUT_S = 300


def _run(example: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SKLHEP_DATA"}
    env |= {
        "MPLBACKEND": "Agg",
        "SKLHEP_EXAMPLE_QUICK": "1",
        "OMP_NUM_THREADS": "1",  # the quick samples are tiny: one thread each is fastest
    }
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return subprocess.run(
            [sys.executable, str(example)],
            cwd=workdir,  # anything an example writes outside its temporary folder lands here
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, -1, "", f"timed out after {TIMEOUT_S} s")


@pytest.fixture(scope="module")
def example_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[Path, tuple[subprocess.CompletedProcess[str], Path]]:
    """Run the examples selected in this session (all of them, or those picked with -k)."""
    selected = {
        item.callspec.params["example"]
        for item in request.session.items
        if hasattr(item, "callspec") and "example" in item.callspec.params
    }
    base = tmp_path_factory.mktemp("examples")
    workdirs = {example: base / example.stem for example in sorted(selected)}
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {ex: pool.submit(_run, ex, wd) for ex, wd in workdirs.items()}
        return {ex: (future.result(), workdirs[ex]) for ex, future in futures.items()}


def test_examples_found() -> None:
    assert len(EXAMPLES) >= 7, [p.name for p in EXAMPLES]


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(
    example: Path, example_runs: dict[Path, tuple[subprocess.CompletedProcess[str], Path]]
) -> None:
    result, workdir = example_runs[example]
    assert result.returncode == 0, (
        f"{example.name} failed (exit {result.returncode}):\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-5000:]}"
    )
    assert "Traceback" not in result.stderr, result.stderr[-5000:]
    assert list(workdir.iterdir()) == [], f"{example.name} wrote to the working directory"
