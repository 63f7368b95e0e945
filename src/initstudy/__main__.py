"""``python -m initstudy``: the library's command line (see :mod:`initstudy.cli`)."""

import sys

from initstudy.cli import main

sys.exit(main())
