"""The README's example runs (on fewer events, so that it stays fast)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python example"
    code = blocks[0].replace("50_000", "3_000").replace("max_epochs=20", "max_epochs=2")
    sklearn = pytest.importorskip("sklearn")
    with sklearn.config_context():
        exec(compile(code, "README.md", "exec"), {})
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        auc, rejection = map(float, line.split())
        assert 0.6 < auc <= 1
        assert rejection > 1
