"""init, rulebook, stats through CliRunner; every command has help with an example."""

from __future__ import annotations

import json
import sqlite3

import click
import pytest
from zeren.cli.main import cli


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


def test_every_command_has_help_with_example():
    for path, cmd in _commands(cli):
        assert cmd.help, path
        if not isinstance(cmd, click.Group):
            assert "Example:" in cmd.help, path


def test_init_and_stats(runner, tmp_path):
    db = tmp_path / "x.db"
    result = runner.invoke(cli, ["--project", str(db), "init"])
    assert result.exit_code == 0, result.output
    assert "tongwei-2018" in result.output
    result = runner.invoke(cli, ["--project", str(db), "stats", "--format", "json"])
    data = json.loads(result.output)
    assert data["townships"] == 0 and data["units"] == 18 and data["findings"] == 0
    again = runner.invoke(cli, ["--project", str(db), "init"])
    assert again.exit_code == 1 and "已存在" in again.output


def test_project_from_environment(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("ZEREN_PROJECT", str(tmp_path / "env.db"))
    assert runner.invoke(cli, ["init"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_missing_project_is_one_line_no_traceback(runner, tmp_path):
    result = runner.invoke(cli, ["--project", str(tmp_path / "none.db"), "stats"])
    assert result.exit_code == 1
    assert "zeren init" in result.output and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0


def test_rulebook_show_json(runner):
    result = runner.invoke(cli, ["rulebook", "show", "tongwei-2018", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    ids = [c["id"] for c in data["clauses"]]
    assert ids[0] == "一.1" and ids[-1] == "结语" and len(ids) == 26
    c44 = next(c for c in data["clauses"] if c["id"] == "四.4")
    assert "3%以上贫困户" in c44["text"]
    assert c44["rules"][0]["threshold"] == {"at_least": "3%", "of": "households"}


def test_rulebook_show_table(runner):
    result = runner.invoke(cli, ["rulebook", "show"])
    assert result.exit_code == 0 and "四.4" in result.output and "主要责任" in result.output


def test_rulebook_validate(runner, tmp_path):
    good = tmp_path / "good.yaml"
    bad = tmp_path / "bad.yaml"
    from zeren.loaders.rulebook import BUILTIN

    text = (BUILTIN / "tongwei-2018.yaml").read_text(encoding="utf-8")
    good.write_text(text, encoding="utf-8")
    bad.write_text(text.replace("of: households", "of: villages"), encoding="utf-8")
    assert runner.invoke(cli, ["rulebook", "validate", str(good)]).exit_code == 0
    result = runner.invoke(cli, ["rulebook", "validate", str(bad)])
    assert result.exit_code == 1
    assert "四.4 规则 四.4-1:threshold.of" in result.output and "villages" in result.output


def test_init_with_rulebook_file(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[[clauses]]\nid = 1\n", encoding="utf-8")
    result = runner.invoke(cli, ["--project", str(tmp_path / "y.db"), "init", "--rulebook", str(bad)])
    assert result.exit_code == 1 and "county" in result.output
    assert not (tmp_path / "y.db").exists()


def test_demo_refuses_impossible_sizes(runner, tmp_path):
    result = runner.invoke(cli, ["demo", str(tmp_path / "d"), "--villages", "10"])
    assert result.exit_code == 1 and "villages ≥ townships" in result.output and "Traceback" not in result.output


def test_bad_date_options_name_the_option(runner, tmp_path):
    db = str(tmp_path / "x.db")
    runner.invoke(cli, ["--project", db, "init"])
    result = runner.invoke(cli, ["--project", db, "check", "--from", "2019-02-30", "--to", "2019-03-01"])
    assert result.exit_code == 1 and "--from 2019-02-30" in result.output and "不存在的日期" in result.output
    result = runner.invoke(cli, ["--project", db, "trace", "finding", "1", "--at", "2019/13/1"])
    assert result.exit_code == 1 and "--at 2019/13/1" in result.output


@pytest.mark.parametrize("error, words", [
    (sqlite3.OperationalError("no such table: person"), "项目文件出错"),
    (sqlite3.DatabaseError("database disk image is malformed"), "不是 zeren 项目文件"),
    (sqlite3.OperationalError("database is locked"), "被另一个进程"),
])
def test_an_sqlite_error_in_a_command_is_one_line(project, runner, monkeypatch, error, words):
    """The CLI names an SQLite error its command did not (sqlite3 is not imported by the CLI itself)."""
    from zeren.graph import store

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(store.Store, "open", fail)
    result = runner.invoke(cli, ["--project", str(project), "stats"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("错误 Error:") and words in result.output, result.output


def test_any_other_error_is_not_taken_for_an_sqlite_one(project, runner, monkeypatch):
    from zeren.graph import store

    def fail(*args, **kwargs):
        raise ZeroDivisionError("x")

    monkeypatch.setattr(store.Store, "open", fail)
    result = runner.invoke(cli, ["--project", str(project), "stats"])
    assert isinstance(result.exception, ZeroDivisionError)
