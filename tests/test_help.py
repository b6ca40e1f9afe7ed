"""Every command's help speaks Chinese first (a clerk reads it): the command's summary and each
option's help begin in Chinese, English may follow in brackets; headings are 用法/选项/命令."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner
from zeren.cli.main import cli

CJK = re.compile(r"[\u4e00-\u9fff]")


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, path + (name,))


def _chinese_first(text: str | None) -> bool:
    """Chinese within the first words: an option value may lead (“table（表格…”, “admin 管理员…”),
    an English sentence may not."""
    return bool(CJK.search((text or "").strip()[:12]))


COMMANDS = list(_commands(cli))


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_summary_and_options_are_chinese_first(path, command):
    summary = (command.help or "").strip().splitlines()[0] if command.help else ""
    assert _chinese_first(summary), f"zeren {' '.join(path)}: summary “{summary}” is not Chinese-first"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert _chinese_first(param.help), f"zeren {' '.join(path)} {param.opts[0]}: “{param.help}”"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p))
def test_help_headings_are_chinese(path):
    result = CliRunner().invoke(cli, [*path, "-h"], prog_name="zeren")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法 Usage: zeren")
    assert "选项 Options:" in result.output
