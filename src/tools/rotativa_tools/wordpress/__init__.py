"""Importing a WordPress site's export (WXR) as rotativa uploads.

`rotativa import wordpress EXPORT.xml --out DIR` (see `rotativa_tools.cli.wordpress`) is the
front end; `import_wordpress` is the use case, `html_to_markdown` the body converter and
`read_wxr` the hardened, streaming reader of the export. Standard library only, on top of
what rotativa already depends on (PyYAML for the front matter).
"""

from rotativa_tools.wordpress.html_to_markdown import (
    Converted,
    Note,
    html_to_markdown,
    html_to_text,
)
from rotativa_tools.wordpress.importer import (
    ImportOptions,
    ImportResult,
    import_wordpress,
    summary_lines,
)
from rotativa_tools.wordpress.wxr import HostileXmlError, WxrError, read_wxr

__all__ = [
    "Converted",
    "HostileXmlError",
    "ImportOptions",
    "ImportResult",
    "Note",
    "WxrError",
    "html_to_markdown",
    "html_to_text",
    "import_wordpress",
    "read_wxr",
    "summary_lines",
]
