"""``python -m tuitune`` is the ``tuitune`` command."""

import sys

from tuitune.cli import main

sys.exit(main())
