"""rotativa: the publishing backend of a regional news site, as the Lambda functions run it.

`domain` holds what a newsroom means by an article (models, slugs, shortcodes, Markdown),
`rendering` turns it into pages, `services` are the use cases (validate, index, render,
invalidate, schedule) over the Protocol ports of `services/ports.py`, `adapters` speak to S3,
DynamoDB, SQS, CloudFront and the scheduler (satisfying those ports without importing them),
and `bootstrap` wires one function's objects. Dependencies point inward: domain ← rendering
← services, adapters ← domain, bootstrap and the handlers on top
(tests/unit/test_import_graph.py). This package is the Lambda layer; the CLI, the
local cloud and the WordPress import live in `rotativa_tools` (src/tools/).
"""

from __future__ import annotations

__version__ = "0.1.0"
