"""The CLI as a package: every command module is wired in, answers `--help`, takes its exit
codes and messages from the one place, and `rotativa check` never loads the local cloud."""

from __future__ import annotations

import argparse
import ast
import inspect
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import rotativa_tools.cli
from rotativa.domain.messages import CATALOGUE
from rotativa_tools.cli import COMMANDS, _common, build_parser, main
from tests.conftest import ROOT, SAMPLES

PACKAGE = Path(rotativa_tools.cli.__file__).parent
MODULES = [module for module in COMMANDS if isinstance(module, ModuleType)]
BY_NAME = {module.COMMAND: module for module in MODULES}


def command_modules() -> list[str]:
    """Every module of the package but the shared one and the package itself."""
    return sorted(
        info.name for info in pkgutil.iter_modules([str(PACKAGE)]) if not info.name.startswith("_")
    )


def test_every_command_module_is_registered_once() -> None:
    assert len(MODULES) == len(COMMANDS)  # each command is a module of the package
    assert sorted(module.__name__.rsplit(".", 1)[-1] for module in MODULES) == command_modules()
    assert len(BY_NAME) == len(COMMANDS)


def subcommands() -> dict[str, argparse.ArgumentParser]:
    [commands] = [
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    ]
    return dict(commands.choices)


def test_the_parser_lists_exactly_the_registered_commands() -> None:
    assert list(subcommands()) == list(BY_NAME)


@pytest.mark.parametrize("command", list(BY_NAME))
def test_each_command_answers_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == _common.EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"usage: rotativa {command} ")
    assert "Traceback" not in out


def test_import_wordpress_answers_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "wordpress", "--help"])
    assert exit_info.value.code == _common.EXIT_OK
    assert capsys.readouterr().out.startswith("usage: rotativa import wordpress ")


def _tree(module: ModuleType) -> ast.Module:
    return ast.parse(inspect.getsource(module))


@pytest.mark.parametrize("command", list(BY_NAME))
def test_exit_codes_come_from_common(command: str) -> None:
    """No command defines an exit code or returns a bare number: a script reading `$?`
    sees the same three meanings from every command."""
    module = BY_NAME[command]
    tree = _tree(module)
    defined = [
        target.id
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id.startswith("EXIT_")
    ]
    assert defined == []
    bare = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Return)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, int)
    ]
    assert bare == []
    used = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id.startswith("EXIT_")
    }
    assert all(getattr(module, name) is getattr(_common, name) for name in used)


def test_the_exit_codes_keep_their_meaning() -> None:
    assert (_common.EXIT_OK, _common.EXIT_INVALID, _common.EXIT_USAGE) == (0, 1, 2)
    assert _common.EXIT_REFUSED == _common.EXIT_LEFT == _common.EXIT_INVALID
    assert _common.EXIT_UNREACHABLE == _common.EXIT_USAGE


def _literal_codes(module: ModuleType) -> set[str]:
    return {
        node.args[0].value
        for node in ast.walk(_tree(module))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "render_message"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_the_commands_speak_from_the_one_catalogue() -> None:
    said = set().union(*(_literal_codes(module) for module in MODULES))
    assert {"check_summary", "rebuild_done", "rebuild_usage_source"} <= said
    assert sorted(said - set(CATALOGUE)) == []
    # and no rebuild message is left in the catalogue that nothing says any more
    assert {code for code in CATALOGUE if code.startswith("rebuild_")} <= said
    # no command keeps a catalogue of its own
    for module in MODULES:
        assert not hasattr(module, "MESSAGES"), module.__name__


TARGET_OPTIONS = ("stack", "region", "endpoint_url", "outputs_file")


@pytest.mark.parametrize("command", ["status", "invoke", "rollback", "rebuild", "redrive"])
def test_the_target_options_are_the_same_everywhere(command: str) -> None:
    """One way to find a stack (issue 17): every command that talks to one takes the same
    options, with the same meaning, as `find_target` reads them."""
    helps = {action.dest: action.help for action in subcommands()[command]._actions}
    reference = {action.dest: action.help for action in subcommands()["status"]._actions}
    assert helps["stack"] == "a deployed stack (uses AWS credentials)"
    assert str(helps["endpoint_url"]).startswith("a running `rotativa dev` (default: AWS_END")
    assert {name: helps[name] for name in TARGET_OPTIONS} == {
        name: reference[name] for name in TARGET_OPTIONS
    }


def test_rebuild_does_not_take_the_table_from_the_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a shell that holds the functions' variable, as after debugging another stack
    monkeypatch.setenv("ARTICLES_TABLE", "someone-elses-table")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # and no `rotativa dev` running here
    # WHEN the site is rebuilt without a folder, a table or a stack THEN it says what to name
    assert main(["rebuild", "--out", str(tmp_path / "site"), "--lang", "en"]) == 2
    assert "name a content folder, the table (--table) or the stack" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()


@pytest.fixture
def restored_environment() -> Iterator[None]:
    """A local target points this process's AWS clients at its endpoint: undo it after."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.usefixtures("restored_environment")
def test_rebuild_says_when_the_stack_has_no_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text('{"SiteBucketName": "site"}')
    code = main(
        [
            *("rebuild", "--outputs-file", str(outputs), "--endpoint-url", "http://127.0.0.1:1"),
            *("--out", str(tmp_path / "site"), "--lang", "en"),
        ]
    )
    assert code == _common.EXIT_USAGE
    assert "the stack has no ArticlesTableName output" in capsys.readouterr().err


SOURCES = ("shared", "tools")
SCRIPT = """
import sys
from rotativa_tools.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("moto", "boto3", "botocore", "rotativa_tools.local")
print(sorted(n for n in sys.modules if any(n == h or n.startswith(h + ".") for h in heavy)))
"""


@pytest.mark.parametrize("args", [["--help"], ["check", str(SAMPLES)]], ids=["help", "check"])
def test_help_and_check_do_not_load_the_local_cloud(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / "src" / d) for d in SOURCES)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"
