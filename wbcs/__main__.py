import sys

from wbcs.cli import main

sys.exit(main())
