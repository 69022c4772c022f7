"""The `rotativa` command line: what editors and developers run on their own machine."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path

from rotativa.domain.messages import LANGUAGES, Language, render_message
from rotativa.domain.site import SiteSettings
from rotativa.domain.text import visible
from rotativa.domain.upload import ARTICLE_EXTENSIONS
from rotativa.services.validation import ValidationReport, validate_stream
from rotativa_tools.cli.rebuild import add_rebuild_command
from rotativa_tools.cli.redrive import add_redrive_command
from rotativa_tools.cli.rollback import add_rollback_command
from rotativa_tools.cli.wordpress import add_import_command

SITE_FILE = "site.yaml"
_SKIPPED_DIRECTORIES = frozenset({"media", "reports", "node_modules", "__pycache__"})

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rotativa", description="Publishing backend of a regional news site."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate articles exactly as the cloud will",
        description="Validate article uploads (.md, .json) exactly as the cloud will. "
        "Exit 0 when all are valid (warnings allowed), 1 when any is invalid, 2 on usage errors.",
    )
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    check.add_argument(
        "--site", type=Path, help=f"site settings (default: the nearest {SITE_FILE} above PATH)"
    )
    check.add_argument("--lang", choices=LANGUAGES, help="language of the messages")
    check.set_defaults(run=_check)
    _add_preview(commands)
    _add_local_cloud(commands)
    add_import_command(commands)
    add_redrive_command(commands)
    add_rebuild_command(commands)
    add_rollback_command(commands)
    return parser


# --- rotativa check -----------------------------------------------------------------------


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


def check_file(path: Path, settings: SiteSettings) -> ValidationReport:
    with path.open("rb") as stream:
        return validate_stream(upload_key(path), stream, settings)


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


def _check(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if args.site is not None and not args.site.is_file():
        missing.append(args.site)
    if missing:
        for path in missing:
            message = render_message("check_missing_path", "it", value=visible(str(path)))
            print(f"rotativa check: {message}", file=sys.stderr)
        return EXIT_USAGE
    try:
        sites = {path: load_site(args.site, path) for path in args.paths}
    except (OSError, ValueError) as exc:
        print(f"rotativa check: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    files = valid = warnings = 0
    language: Language = args.lang or next(iter(sites.values())).locale
    for root in args.paths:
        found = list(article_files(root))
        if not found:
            shown = visible(str(root))
            print(f"{shown}: warning: {render_message('check_no_files', language, value=shown)}")
        for path in found:
            report = check_file(path, sites[root])
            files += 1
            valid += report.valid
            warnings += len(report.warnings)
            for line in format_problems(path, report, language):
                print(line)
    print(
        render_message(
            "check_summary",
            language,
            files=files,
            valid=valid,
            invalid=files - valid,
            warnings=warnings,
        )
    )
    return EXIT_OK if valid == files else EXIT_INVALID


# --- rotativa preview ---------------------------------------------------------------------


def _add_preview(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    preview = commands.add_parser(
        "preview",
        help="render an article's page into a folder that opens from disk",
        description="Render FILE's page (with its stylesheet and images) into DIR, to open "
        "DIR/index.html in a browser. The other articles of FILE's folder fill its related "
        "box. Exit 0 when written, 1 when the article is invalid, 2 on usage errors.",
    )
    preview.add_argument("file", type=Path, metavar="FILE", help="an article (.md or .json)")
    preview.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    preview.add_argument(
        "--site", type=Path, help=f"site settings (default: the nearest {SITE_FILE} above FILE)"
    )
    preview.add_argument("--lang", choices=LANGUAGES, help="language of the messages")
    preview.set_defaults(run=_preview)


def _preview(args: argparse.Namespace) -> int:
    from rotativa.services.preview import PREVIEW_MESSAGES, write_preview

    missing = [p for p in (args.file, args.site) if p is not None and not p.is_file()]
    if missing:
        for path in missing:
            print(f"rotativa preview: {render_message('check_missing_path', 'it', value=path)}",
                  file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    try:
        site = load_site(args.site, args.file)
    except (OSError, ValueError) as exc:
        print(f"rotativa preview: {exc}", file=sys.stderr)
        return EXIT_USAGE
    language: Language = args.lang or site.locale
    neighbours = [(path, upload_key(path)) for path in article_files(args.file.parent)]
    result = write_preview((args.file, upload_key(args.file)), neighbours, args.out, site)
    for line in format_problems(args.file, result.report, language):
        print(line)
    if result.index is None:
        print(PREVIEW_MESSAGES["invalid"][language])
        return EXIT_INVALID
    for path in result.media_missing:
        folder = result.media_folder or args.file.parent / "media"
        text = PREVIEW_MESSAGES["media_missing"][language].format(path=path, folder=folder)
        print(f"{args.file}: warning: {text}")
    print(
        PREVIEW_MESSAGES["written"][language].format(
            index=result.index, pages=result.pages, media=len(result.media)
        )
    )
    return EXIT_OK


# --- the local cloud: rotativa local / dev / invoke / status / serve ----------------------
#
# These import boto3 and moto only when run, so that `rotativa check` stays quick and works
# without them. Every one of them reads the wiring from template.yaml (rotativa_tools.local).


def _add_local_cloud(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    local = commands.add_parser(
        "local",
        help="publish content folders through the whole local cloud into a site folder",
        description="Upload each folder's articles/ and media/ to the inbox bucket of the "
        "local cloud (template.yaml on in-process moto), run until quiet, write the site "
        "bucket to SITE_DIR and summarise: published, rejected, pages written, invalidations "
        "and AWS calls. A folder's site.yaml gives the template's Site* parameters. With "
        "--advance, the local cloud's clock then moves ahead and the embargoes, expiries and "
        "refreshes that came due run before the site is written. Exit 0 when every upload "
        "was accepted (published, scheduled, expired or a draft), 1 when any was rejected, "
        "2 on usage or internal errors.",
    )
    local.add_argument("folders", nargs="+", type=Path, metavar="CONTENT_DIR")
    local.add_argument("--out", type=Path, required=True, metavar="SITE_DIR")
    local.add_argument("--json", action="store_true", help="the summary as JSON")
    local.add_argument(
        "--advance",
        type=_duration,
        metavar="DURATION",
        help="after publishing, move the local cloud's clock ahead by DURATION (3h, 90m, 2d, "
        "1h30m) and run what came due: embargoed articles go live, expiring ones go",
    )
    _add_template_option(local)
    local.set_defaults(run=_needs_moto(_local))

    dev = commands.add_parser(
        "dev",
        help="run the system locally: moto server, functions, site server, folder watcher",
        description="Start a moto server, build template.yaml's stack on it, deliver its "
        "events to the functions, serve the site bucket over HTTP, upload CONTENT_DIR and "
        "follow its changes. Any AWS tool works against it with AWS_ENDPOINT_URL. Prints one "
        "line per event's journey; stops on Ctrl-C or SIGTERM.",
    )
    dev.add_argument("content", nargs="?", type=Path, metavar="CONTENT_DIR")
    dev.add_argument("--port", type=int, default=4566, help="the AWS endpoint's port")
    dev.add_argument("--site-port", type=int, default=8080, help="the site's port")
    dev.add_argument(
        "--outputs-file",
        type=Path,
        metavar="FILE",
        help="where to write the stack's Outputs as JSON once ready "
        "(default: ~/.cache/rotativa/dev-<host>-<port>.json)",
    )
    _add_template_option(dev)
    dev.set_defaults(run=_needs_moto(_dev))

    invoke = commands.add_parser(
        "invoke",
        help="invoke one function in this process, like `sam local invoke`",
        description="Invoke FUNCTION (a logical id of template.yaml) with the event in "
        "EVENT.json, in this process, and print its result or error. Resources: the deployed "
        "stack's with --stack, a running `rotativa dev`'s with AWS_ENDPOINT_URL (or "
        "--endpoint-url), else a fresh in-process moto stack. Exit 0 on success, 1 when the "
        "function raised, 2 on usage errors.",
    )
    invoke.add_argument("function", metavar="FUNCTION_LOGICAL_ID")
    invoke.add_argument(
        "-e", "--event", type=Path, required=True, metavar="EVENT.json", help="'-' for stdin"
    )
    _add_target_options(invoke)
    invoke.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as `sam local invoke` takes them",
    )
    _add_template_option(invoke)
    invoke.set_defaults(run=_needs_moto(_invoke))

    status = commands.add_parser(
        "status",
        help="queues, dead letters, latest rejections, published and scheduled articles",
        description="Show queue and DLQ depths, why DLQ messages are there, the latest "
        "rejected uploads, the number of published articles and the embargoes and expiries "
        "still to come (soonest first, in the site's time zone), for a running `rotativa "
        "dev` (AWS_ENDPOINT_URL and its outputs file) or a deployed stack (--stack). "
        "Exit 0 when no DLQ holds messages, 1 when one does, 2 when the stack is unreachable.",
    )
    _add_target_options(status)
    status.add_argument(
        "--outputs-file",
        type=Path,
        metavar="FILE",
        help="the file `rotativa dev --outputs-file` wrote (default: dev's own for the endpoint)",
    )
    status.add_argument("--json", action="store_true", help="the status as JSON")
    _add_template_option(status)
    status.set_defaults(run=_needs_moto(_status))

    serve = commands.add_parser(
        "serve",
        help="serve a site folder written by `rotativa local`, as CloudFront would",
        description="Serve SITE_DIR on 127.0.0.1 with the distribution's rules (/x/ and /x "
        "are x/index.html; a missing page is a 404 with the site's 404.html) until Ctrl-C.",
    )
    serve.add_argument("site", type=Path, metavar="SITE_DIR")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(run=_serve)


def _duration(text: str) -> timedelta:
    """argparse's reading of `--advance`: a bad duration is a usage error that says why."""
    from rotativa_tools.local.scheduler import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_template_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-t",
        "--template",
        type=Path,
        metavar="FILE",
        help="the SAM template whose wiring to run (default: this checkout's template.yaml)",
    )


def _template(args: argparse.Namespace) -> Path:
    from rotativa_tools.local.cloud import DEFAULT_TEMPLATE

    path: Path = args.template or DEFAULT_TEMPLATE
    if not path.is_file():
        raise FileNotFoundError(f"no template at {path}: pass --template FILE")
    return path


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", metavar="NAME", help="a deployed stack (uses AWS credentials)")
    parser.add_argument(
        "--endpoint-url", metavar="URL", help="a running `rotativa dev` (default: AWS_ENDPOINT_URL)"
    )
    parser.add_argument(
        "--site",
        type=Path,
        metavar="FILE",
        help="site.yaml whose settings the local stack was started with (default: the "
        "template's parameter defaults)",
    )


def _fail(command: str, message: object) -> int:
    print(f"rotativa {command}: {message}", file=sys.stderr)
    return EXIT_USAGE


def _needs_moto(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """moto is a development dependency (the `dev` extra), not a runtime one: without it
    the local cloud's commands say what to install instead of printing a traceback."""

    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except ModuleNotFoundError as exc:
            if exc.name is None or not exc.name.startswith("moto"):
                raise
            return _fail(
                run.__name__.strip("_"),
                "the local cloud needs moto: pip install 'rotativa[dev]' (or 'moto[server]')",
            )

    guarded.__name__ = run.__name__
    return guarded


def _local(args: argparse.Namespace) -> int:
    from rotativa_tools.local.build import OutputFolderError, build_site
    from rotativa_tools.local.content import ContentError, check_folder

    try:
        for folder in args.folders:
            check_folder(folder)
        result = build_site(
            args.folders, args.out, template_path=_template(args), advance=args.advance
        )
    except (ContentError, OutputFolderError, FileNotFoundError) as exc:
        return _fail("local", exc)
    except Exception as exc:  # the run itself broke: say so, as an internal error
        return _fail("local", f"internal error: {type(exc).__name__}: {exc}")
    summary = result.summary
    if args.json:
        print(summary.as_json())
    else:
        print(summary.as_table())
        index = result.out / "index.html"
        print(f"{'site':<22}{result.files} files in {result.out}")
        if index.is_file():
            print(f"open {index}  (or browse it: rotativa serve {result.out})")
    if summary.not_processed:
        return EXIT_USAGE
    return EXIT_INVALID if summary.rejected else EXIT_OK


def _dev(args: argparse.Namespace) -> int:
    from rotativa_tools.local.content import ContentError
    from rotativa_tools.local.dev import DevError, DevOptions, run_dev

    try:
        options = DevOptions(
            content=args.content,
            port=args.port,
            site_port=args.site_port,
            outputs_file=args.outputs_file,
            template_path=_template(args),
        )
        return run_dev(options)
    except (DevError, ContentError, FileNotFoundError) as exc:
        return _fail("dev", exc)


def _site_parameters(args: argparse.Namespace) -> dict[str, str]:
    from rotativa_tools.local.content import site_parameters

    if args.site is None:
        return {}
    return site_parameters(SiteSettings.from_file(args.site))


def _invoke(args: argparse.Namespace) -> int:
    import json

    from rotativa_tools.local.invoke import invoke_function
    from rotativa_tools.local.target import TargetError
    from rotativa_tools.local.template import TemplateError

    try:
        text = sys.stdin.read() if str(args.event) == "-" else args.event.read_text("utf-8")
        event = json.loads(text)
        if not isinstance(event, dict):
            raise ValueError("the event must be a JSON object")
        parameters = _site_parameters(args)
        for item in args.parameter_overrides:
            name, equals, value = item.partition("=")
            if not equals:
                raise ValueError(f"--parameter-overrides takes KEY=VALUE, not {item!r}")
            parameters[name] = value
        endpoint = None if args.stack else args.endpoint_url or _environment_endpoint()
        result = invoke_function(
            args.function,
            event,
            parameters=parameters,
            endpoint_url=endpoint,
            stack_name=args.stack,
            template_path=_template(args),
        )
    except (OSError, ValueError, TargetError, TemplateError) as exc:
        return _fail("invoke", exc)
    print(f"rotativa invoke: {result.function} on {result.where}", file=sys.stderr)
    if result.error is not None:
        print(json.dumps(result.error, indent=2))
        return EXIT_INVALID
    print(json.dumps(result.result, indent=2, default=str))
    return EXIT_OK


def _environment_endpoint() -> str | None:
    import os

    return os.environ.get("AWS_ENDPOINT_URL") or None


def _status(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from rotativa_tools.local.cloud import DEFAULT_REGION, DEFAULT_TEMPLATE, prepare_environment
    from rotativa_tools.local.content import site_from_parameters
    from rotativa_tools.local.stack import AwsClients
    from rotativa_tools.local.status import collect_status
    from rotativa_tools.local.target import (
        DeployedStack,
        TargetError,
        default_outputs_file,
        local_endpoint,
        read_outputs,
        schedule_group_name,
    )
    from rotativa_tools.local.template import ResolveContext, load_template

    try:
        if args.stack:
            import boto3

            stack = DeployedStack.describe(boto3.client("cloudformation"), args.stack)
            clients = AwsClients.create(stack.region)
            outputs = stack.outputs
            site = site_from_parameters(stack.parameters)
            # The template names the schedule group where CloudFormation does not list it;
            # an installed rotativa without a checkout's template still reads the rest.
            template_path = args.template or DEFAULT_TEMPLATE
            template = load_template(_template(args)) if template_path.is_file() else None
            schedule_group = stack.schedule_group(template)
        else:
            endpoint = local_endpoint(args.endpoint_url)
            outputs = read_outputs(args.outputs_file or default_outputs_file(endpoint))
            prepare_environment(endpoint)
            clients = AwsClients.create(DEFAULT_REGION, endpoint_url=endpoint)
            template = load_template(_template(args))
            context = ResolveContext.for_template(
                template,
                stack_name="rotativa-local",
                region=DEFAULT_REGION,
                account_id="123456789012",
            )
            if args.site is not None:
                site = SiteSettings.from_file(args.site)
            else:
                site = site_from_parameters(context.parameters)
            schedule_group = schedule_group_name(template, context)
        status = collect_status(clients, outputs, site, schedule_group)
    except (TargetError, OSError, ValueError) as exc:
        return _fail("status", exc)
    except (BotoCoreError, ClientError) as exc:
        return _fail("status", f"the stack does not answer: {exc}")
    print(status.as_json() if args.json else status.as_table())
    return EXIT_OK if status.healthy else EXIT_INVALID


def _serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from rotativa_tools.local.site_server import FolderSource, SiteServer

    if not (args.site / "index.html").is_file():
        return _fail("serve", f"{args.site} has no index.html: run `rotativa local` first")
    try:
        server = SiteServer(FolderSource(args.site), port=args.port).start()
    except OSError as exc:
        return _fail("serve", f"port {args.port}: {exc.strerror}")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"serving {args.site} at {server.url} (Ctrl-C to stop)", flush=True)
    stop.wait()
    server.stop()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
