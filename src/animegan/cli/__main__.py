"""``python -m animegan.cli``."""

import sys

from animegan.cli import main

sys.exit(main())
