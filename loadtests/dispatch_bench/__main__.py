"""`python -m loadtests.dispatch_bench`."""

import sys

from loadtests.dispatch_bench.main import main

sys.exit(main())
