"""``python -m tavus_async``: the ``tavus-async`` command line."""

from tavus_async.cli import main


raise SystemExit(main())
