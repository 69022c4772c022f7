"""rotativa: the publishing backend of a regional news site.

`domain` holds what a newsroom means by an article (models, slugs, shortcodes, Markdown),
`services` the use cases (validate an upload, …), `cli` the command line.
"""

from __future__ import annotations

__version__ = "0.1.0"
