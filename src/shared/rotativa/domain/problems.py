"""What is wrong with an upload, in a form every front end can present.

A `Problem` carries a catalogue code and its parameters, never a finished sentence: the
CLI, the rejection report and the tests render it in the site's language through
`rotativa.domain.messages`, and code compares codes, never message text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from rotativa.domain.messages import Language, render_message


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    code: str
    severity: Severity = Severity.ERROR
    field: str | None = None
    line: int | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    def message(self, language: Language = "it") -> str:
        return render_message(self.code, language, field=self.field or "", **self.params)

    def at_line(self, line: int | None) -> Problem:
        return replace(self, line=line)

    def shifted(self, offset: int) -> Problem:
        """The same problem with its line moved by `offset` (body lines → file lines)."""
        return self if self.line is None else replace(self, line=self.line + offset)

    def as_dict(self, language: Language = "it") -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "field": self.field,
            "line": self.line,
            "message": self.message(language),
        }


def error(
    code: str, *, field: str | None = None, line: int | None = None, **params: Any
) -> Problem:
    return Problem(code, Severity.ERROR, field, line, MappingProxyType(params))


def warning(
    code: str, *, field: str | None = None, line: int | None = None, **params: Any
) -> Problem:
    return Problem(code, Severity.WARNING, field, line, MappingProxyType(params))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


class UploadRejected(Exception):
    """The upload cannot become an article; `problems` says why, for the editor."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(", ".join(p.code for p in self.problems))
