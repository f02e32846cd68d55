import sys

from loadtests.soak.main import main

sys.exit(main())
