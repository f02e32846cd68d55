"""`python -m loadtests.bench` (`make bench`)."""

import sys

from loadtests.bench.main import main

sys.exit(main())
