"""The package skeleton: import, version, command line, optional-dependency errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sklhep
from sklhep import cli, extras


def test_version():
    assert isinstance(sklhep.__version__, str)
    assert sklhep.__version__.count(".") >= 2


def test_import_is_light():
    code = (
        "import sys, sklhep, sklhep.weights; "
        "print('torch' in sys.modules, 'xgboost' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_unknown_attribute():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sklhep.nope


def test_cli_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in cli.SUBCOMMANDS:
        assert name in out


def test_cli_info(capsys):
    assert cli.main(["info"]) == 0
    assert f"sklhep {sklhep.__version__}" in capsys.readouterr().out


def test_console_script_module():
    out = subprocess.run(
        [sys.executable, "-m", "sklhep", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"sklhep {sklhep.__version__}"


def test_missing_extra_message():
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'sklhep\[plot\]'"):
        extras._import("sklhep_no_such_module", "plot", "HEP plot styling")
