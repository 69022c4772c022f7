from __future__ import annotations

import sys

from rotativa_tools.cli import main

sys.exit(main())
