"""What every `rotativa` command shares: exit codes, options, messages, content folders.

Each command module (`check`, `preview`, `local`, …) adds its subcommand with
`add_command(commands)` and runs it; this module is the one place for what they would
otherwise each define again: the exit codes and their meaning, `--lang`, `--site`, the
options that name a stack (`--stack`, `--endpoint-url`), the `rotativa <command>: …`
error line, and how a content folder is read (its `site.yaml`, its article files, the
inbox key each would have). What the commands say to editors comes from the one
catalogue, `rotativa.domain.messages` (`check_*`, `rebuild_*`, `wp_*`). It imports
neither boto3 nor moto: `rotativa --help` and `rotativa check` load it and must stay
quick and work without the local cloud.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from rotativa.domain.messages import LANGUAGES, Language
from rotativa.domain.site import SITE_FILE, SiteSettings
from rotativa.domain.text import visible
from rotativa.domain.upload import ARTICLE_EXTENSIONS

if TYPE_CHECKING:  # `_SubParsersAction` is not subscriptable at run time on Python 3.11
    from rotativa.services.validation import ValidationReport
    from rotativa_tools.ops.target import DeployedStack

    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


class Command(Protocol):
    """What a command module is: its name and how it adds itself to `rotativa`'s parser
    (which sets `run`, the function that does the work and returns the exit code)."""

    @property
    def COMMAND(self) -> str: ...

    def add_command(self, commands: SubParsers, /) -> None: ...


# --- exit codes ---------------------------------------------------------------------------
# Three, with the same meaning for every command, so that a script can tell "the command
# ran and found something wrong" from "the command could not run".

EXIT_OK: Final = 0
#: The command ran, and what it found is not all well: an invalid article, a rejected
#: upload, a function that raised, a DLQ that holds messages, nothing to roll back to.
EXIT_INVALID: Final = 1
#: The command could not do its work: usage errors, missing files, an unreachable stack,
#: an internal error of the local cloud.
EXIT_USAGE: Final = 2

# The same codes under the names the commands' descriptions use.
EXIT_REFUSED: Final = EXIT_INVALID  # rollback: nothing to roll back to, or not that version
EXIT_LEFT: Final = EXIT_INVALID  # redrive: some dead letters could not be moved back
EXIT_UNREACHABLE: Final = EXIT_USAGE  # no stack to talk to, or it did not answer


def fail(command: str, message: object) -> int:
    """`rotativa <command>: <message>` on standard error; the usage exit code."""
    print(f"rotativa {command}: {message}", file=sys.stderr)
    return EXIT_USAGE


# --- options ------------------------------------------------------------------------------


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGUAGES, help="language of the messages")


def add_site_option(parser: argparse.ArgumentParser, default: str) -> None:
    """`--site FILE`; `default` says where the settings come from without it."""
    parser.add_argument(
        "--site", type=Path, metavar="FILE", help=f"site settings (default: {default})"
    )


def add_template_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-t",
        "--template",
        type=Path,
        metavar="FILE",
        help="the SAM template whose wiring to run (default: this checkout's template.yaml)",
    )


def add_target_options(
    parser: argparse.ArgumentParser,
    *,
    site: bool = True,
    outputs_file: bool = True,
    local_default: str = "the `rotativa dev` on AWS_ENDPOINT_URL, else on its default port",
) -> None:
    """The options that name the stack a command talks to, the same for every command
    (`find_target` reads them): a deployed one (`--stack`, `--region`) or a running
    `rotativa dev` (`--endpoint-url`, `--outputs-file`). `local_default` says which stack
    the command talks to when none is named."""
    group = parser.add_argument_group("which stack", f"Without any of these: {local_default}.")
    group.add_argument("--stack", metavar="NAME", help="a deployed stack (uses AWS credentials)")
    group.add_argument(
        "--region", metavar="REGION", help="with --stack: its region (default: the profile's)"
    )
    group.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="a running `rotativa dev` (default: AWS_ENDPOINT_URL, else the endpoint the "
        "outputs file names, else http://127.0.0.1:4566)",
    )
    if outputs_file:
        group.add_argument(
            "--outputs-file",
            type=Path,
            metavar="FILE",
            help="the file `rotativa dev --outputs-file` wrote "
            "(default: the one dev keeps for its endpoint)",
        )
    if site:
        group.add_argument(
            "--site",
            type=Path,
            metavar="FILE",
            help="site.yaml whose settings the local stack was started with (default: the "
            "template's parameter defaults)",
        )


def names_a_stack(args: argparse.Namespace) -> bool:
    """Whether the target options (or AWS_ENDPOINT_URL) name a stack: `rotativa invoke`
    runs on a fresh in-process stack when they do not."""
    import os

    return bool(
        getattr(args, "stack", None)
        or getattr(args, "endpoint_url", None)
        or getattr(args, "outputs_file", None)
        or os.environ.get("AWS_ENDPOINT_URL")
    )


@dataclass(frozen=True)
class Target:
    """The stack the target options name, as the commands need it: its Outputs, its
    parameters (a deployed stack's; empty for a local one), and clients pointed at it.
    `stack` is the deployed stack's name, `endpoint_url` the local one's endpoint."""

    outputs: dict[str, str]
    client: Callable[[str], Any]
    region: str
    endpoint_url: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    stack: str | None = None
    outputs_file: Path | None = None
    deployed: DeployedStack | None = None  # CloudFormation's description, with --stack

    @property
    def where(self) -> str:
        if self.stack is not None:
            return f"stack {self.stack} ({self.region})"
        return f"the `rotativa dev` on {self.endpoint_url}"


def find_target(args: argparse.Namespace) -> Target:
    """The one way every command finds its stack.

    `--stack NAME` (in `--region`): CloudFormation's description of it. Otherwise a
    running `rotativa dev`, by the Outputs file it wrote: `--outputs-file`, else the one
    dev keeps for its endpoint (written even when dev was told `--outputs-file`); the
    endpoint is `--endpoint-url`, else AWS_ENDPOINT_URL, else the one the outputs file's
    queue URLs name, else dev's default port. Raises `TargetError`
    (rotativa_tools.ops.target) when none can be found, saying what to start or pass.
    """
    import boto3

    from rotativa_tools.ops.target import (
        DeployedStack,
        default_outputs_file,
        local_endpoint,
        outputs_endpoint,
        read_outputs,
    )

    if args.stack:
        region = getattr(args, "region", None)
        cloudformation = boto3.client("cloudformation", region_name=region)
        stack = DeployedStack.describe(cloudformation, args.stack)
        session = boto3.session.Session(region_name=stack.region)
        return Target(
            outputs=stack.outputs,
            client=lambda service: session.client(service),  # type: ignore[call-overload]
            region=stack.region,
            parameters=stack.parameters,
            stack=stack.name,
            deployed=stack,
        )
    from rotativa_tools.local.cloud import DEFAULT_REGION, prepare_environment

    named: Path | None = getattr(args, "outputs_file", None)
    if named is not None and not (args.endpoint_url or _environment_endpoint()):
        outputs = read_outputs(named)
        endpoint = outputs_endpoint(outputs) or local_endpoint()
        path = named
    else:
        endpoint = local_endpoint(args.endpoint_url)
        path = named or default_outputs_file(endpoint)
        outputs = read_outputs(path)
    prepare_environment(endpoint)
    local = boto3.session.Session(region_name=DEFAULT_REGION)
    return Target(
        outputs=outputs,
        client=lambda service: local.client(service, endpoint_url=endpoint),  # type: ignore[call-overload]
        region=DEFAULT_REGION,
        endpoint_url=endpoint,
        outputs_file=path,
    )


def _environment_endpoint() -> str | None:
    import os

    return os.environ.get("AWS_ENDPOINT_URL") or None


# --- content folders ----------------------------------------------------------------------
# What `check`, `preview` and `rebuild` read from an editor's content folder.

_SKIPPED_DIRECTORIES = frozenset({"media", "reports", "node_modules", "__pycache__"})


def find_site_file(start: Path) -> Path | None:
    """The `site.yaml` nearest above `start`, as content folders keep it beside `articles/`."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        if (candidate / SITE_FILE).is_file():
            return candidate / SITE_FILE
    return None


def load_site(explicit: Path | None, near: Path) -> SiteSettings:
    path = explicit or find_site_file(near)
    if path is None:
        # Without site.yaml any section name is accepted: the cloud's own settings decide.
        return SiteSettings(name="rotativa", base_url="https://example.invalid/")
    return SiteSettings.from_file(path)


def upload_key(path: Path) -> str:
    """The inbox key a file would have: `articles/<path below the articles folder>`."""
    parts = path.resolve().parts
    if "articles" in parts[:-1]:
        below = parts[len(parts) - 1 - parts[::-1].index("articles") + 1 :]
        return "articles/" + "/".join(below)
    return f"articles/{path.name}"


def article_files(path: Path) -> Iterator[Path]:
    """The files the cloud would take as articles: a content folder's `articles/` only
    (its site.yaml, media and reports are not uploads), else every .md/.json below."""
    if path.is_file():
        yield path
        return
    if (path / "articles").is_dir():
        yield from article_files(path / "articles")
        return
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") or child.name in _SKIPPED_DIRECTORIES:
            continue
        if child.is_dir():
            yield from article_files(child)
        elif child.suffix.lower() in ARTICLE_EXTENSIONS:
            yield child


def format_problems(
    path: Path | str, report: ValidationReport, language: Language
) -> Iterator[str]:
    """One line per problem. File names and messages quote what uploads hold, so their
    controls, bidi and invisible characters are printed escaped (`\x1b`, `\u202e`): a
    hostile file cannot move the cursor, recolour or reorder the editor's terminal."""
    shown = visible(str(path))
    for problem in report.problems:
        where = f"{shown}:{problem.line}" if problem.line is not None else shown
        yield f"{where}: {problem.severity.value}: {visible(problem.message(language))}"


# --- the local cloud's commands -----------------------------------------------------------
# `local`, `dev`, `invoke` and `status` import boto3 and moto only when run, so that
# `rotativa check` stays quick and works without them. Every one of them reads the wiring
# from template.yaml (rotativa_tools.local).


def template_file(args: argparse.Namespace) -> Path:
    """`--template`, else this checkout's template.yaml; a missing file says what to pass."""
    from rotativa_tools.local.cloud import DEFAULT_TEMPLATE

    path: Path = args.template or DEFAULT_TEMPLATE
    if not path.is_file():
        raise FileNotFoundError(f"no template at {path}: pass --template FILE")
    return path


def needs_moto(
    command: str, run: Callable[[argparse.Namespace], int]
) -> Callable[[argparse.Namespace], int]:
    """moto is a development dependency (the `dev` extra), not a runtime one: without it
    the local cloud's commands say what to install instead of printing a traceback."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except ModuleNotFoundError as exc:
            if exc.name is None or not exc.name.startswith("moto"):
                raise
            return fail(
                command,
                "the local cloud needs moto: pip install 'rotativa[dev]' (or 'moto[server]')",
            )

    guarded.__name__ = run.__name__
    return guarded
