from __future__ import annotations

import sys

from rotativa.cli import main

sys.exit(main())
