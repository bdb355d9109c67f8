"""``python -m tavus_async.testing``: the same program as ``tavus-async fake``.

It serves :class:`~tavus_async.testing.FakeTavus` on loopback until Ctrl-C and
prints the URL and API key to point a client at; ``--help`` lists the options.
"""

import sys

from tavus_async.cli import main


raise SystemExit(main(["fake", *sys.argv[1:]]))
