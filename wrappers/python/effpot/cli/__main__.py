"""``python -m effpot.cli``: the ``effpot`` command."""
import sys

from .command import main

sys.exit(main())
