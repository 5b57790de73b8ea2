"""``python -m analytics …``: the command line (see :mod:`analytics.cli`)."""
import sys

from analytics.cli import main

sys.exit(main())
