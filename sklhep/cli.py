"""The ``sklhep`` command line.

Each subcommand is a pair of functions: ``add_arguments(parser)`` and ``run(args) -> int``.
Errors the user can fix (a missing file, a bad option) are printed as one line on stderr
with exit status 2, never as a traceback; ``--debug`` shows the traceback. A subcommand's
module lists the exceptions that are such errors in ``USER_ERRORS``; any other exception
is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from collections.abc import Sequence

import sklhep

__all__ = ["main"]

# name -> (module providing add_arguments/run, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "bench": ("sklhep.bench._cli", "train an MLP and a BDT on the same events and compare them"),
    "info": ("sklhep.cli", "print versions of sklhep and its engines, and the devices found"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:  # the `info` subcommand
    del parser


def run(args: argparse.Namespace) -> int:  # the `info` subcommand
    del args
    lines = [f"sklhep {sklhep.__version__}", f"python {platform.python_version()}"]
    for module in ("numpy", "sklearn", "torch", "skorch", "xgboost", "uproot", "awkward"):
        try:
            version = importlib.import_module(module).__version__
        except ImportError:
            version = "not installed"
        lines.append(f"{module} {version}")
    try:
        import torch

        cuda = torch.cuda.is_available()
        lines.append(
            f"cuda: {torch.cuda.get_device_name(0) if cuda else 'not available (CPU only)'}"
        )
    except ImportError:
        pass
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sklhep",
        description="scikit-learn estimators for HEP, correct with signed event weights.",
    )
    parser.add_argument("--version", action="version", version=f"sklhep {sklhep.__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(module).add_arguments(sub_parser)
        sub_parser.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(args._module)
    user_errors: tuple[type[BaseException], ...] = getattr(module, "USER_ERRORS", ())
    try:
        return int(module.run(args) or 0)
    except user_errors as exc:
        if args.debug:
            raise
        print(f"sklhep {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"sklhep {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
