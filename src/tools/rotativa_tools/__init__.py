"""rotativa's tools: everything a developer or an editor runs that the Lambda functions do not.

`cli` is the `rotativa` command, one module per command; `local` the docker-free local cloud
(template.yaml on moto); `ops` what an operator runs against a deployed stack (redrive);
`wordpress` the WordPress import. None of it is in the Lambda layer, which holds only the
`rotativa` runtime package (src/shared/); the tools import the runtime, never the reverse.
"""

from __future__ import annotations
