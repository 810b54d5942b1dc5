"""``python -m sklhep``: the same as the ``sklhep`` command."""

from sklhep.cli import main

raise SystemExit(main())
