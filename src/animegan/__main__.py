"""``python -m animegan ...``: the same command line as the ``animegan`` console script."""

import sys

from animegan.cli import main

if __name__ == "__main__":
    sys.exit(main())
