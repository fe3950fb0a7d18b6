"""`python -m chainrule` runs the command-line interface."""

import sys

from chainrule.cli.main import main

sys.exit(main())
