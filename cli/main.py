"""The ``zeren`` command line: parses options, calls one library function, formats the result.

Imports stay lazy so that ``zeren trace`` starts fast: networkx, openpyxl, rich and graphviz
are imported only by the commands that need them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..graph.errors import InputError, ZerenError

__all__ = ["cli", "main"]

FORMATS = click.Choice(["table", "json", "csv"])


_HEADINGS = {"Options": "选项 Options", "Commands": "命令 Commands", "Arguments": "参数 Arguments"}


class ZerenFormatter(click.HelpFormatter):
    """Help in Chinese first: 用法 Usage, 选项 Options, 命令 Commands."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法 Usage: " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_HEADINGS.get(heading, heading))


class ZerenContext(click.Context):
    formatter_class = ZerenFormatter


class _Help:
    """The -h/--help option's own line in Chinese."""

    context_class = ZerenContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "显示本帮助并退出 (show this help and exit)"
        return option


class ZerenCommand(_Help, click.Command):
    pass


class ZerenGroup(_Help, click.Group):
    """Turns zeren's own errors into one line per problem on stderr and exit 1; click's usage
    errors too (exit 1, not click's 2, with the message in Chinese first)."""

    command_class = ZerenCommand
    group_class = type  # sub-groups are ZerenGroups too

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as err:
            if type(err).__name__ == "NoArgsIsHelpError" and err.ctx is not None:  # `zeren trace`: its help
                click.echo(err.ctx.get_help())
                sys.exit(0)
            where = err.ctx.command_path if err.ctx is not None else (prog_name or "zeren")
            click.echo(_line(f"错误 Error: 命令用法有误：{err.format_message()}（用 {where} --help 查看用法） (usage error)"),
                       err=True)
            sys.exit(1)
        except click.ClickException as err:
            click.echo(_line(f"错误 Error: {err.format_message()}"), err=True)
            sys.exit(1)
        except click.Abort:
            click.echo("已取消 (aborted)", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as err:
            from ..graph.errors import LIST_ALL, grouped_lines

            for line in grouped_lines(err.problems):
                click.echo(f"错误 Error: {line}", err=True)
            more = "" if len(err.problems) <= LIST_ALL or getattr(err, "listed_in", None) else \
                "；逐条清单：加 --problems 问题.csv"
            listed = f"；逐条清单见 {err.listed_in}" if getattr(err, "listed_in", None) else ""
            click.echo(f"共 {len(err.problems)} 个问题，未写入任何数据{listed}{more} (nothing was written).", err=True)
            ctx.exit(1)
        except ZerenError as err:
            click.echo(_line(f"错误 Error: {err}"), err=True)
            ctx.exit(1)
        except BrokenPipeError:
            ctx.exit(0)
        except OSError as err:
            click.echo(_line(f"错误 Error: {err.filename or ''}: {err.strerror or err}"), err=True)
            ctx.exit(1)
        except MemoryError:
            click.echo("错误 Error: 内存不足，操作未完成；项目未改动 (out of memory; nothing was written)", err=True)
            ctx.exit(1)
        except Exception as err:
            # the project file's environment, where projectfile did not name it (sqlite3 is not
            # imported here: a command that never opened a project file, a read over Bolt, has none)
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is None or not isinstance(err, sqlite3.Error):
                raise
            obj = ctx.find_object(Context)
            from ..graph.projectfile import cause

            named = cause(obj.project if obj else "", err)
            click.echo(_line(f"错误 Error: {named if named is not err else f'项目文件出错（{err}）'}"), err=True)
            ctx.exit(1)


def _line(text: str) -> str:
    """An error line as the user sees it: personal data masked, control characters escaped."""
    from ..graph.errors import safe_line

    return safe_line(text)


class Context:
    def __init__(self, project: str, store_uri: str | None = None, database: str | None = None):
        self.project = project
        self.store_uri = store_uri
        self.database = database

    def open(self):
        """The store for read commands: the --store server if given, else the project file."""
        if self.store_uri:
            from ..graph.bolt import BoltStore

            store = BoltStore.connect(self.store_uri, self.database)
            for warning in store.warnings:  # e.g. a push that did not finish: say so, read the last whole one
                click.echo(f"警告 Warning: {warning}", err=True)
            return store
        from ..graph.store import Store

        _notices()
        return Store.open(self.project)

    def open_for_write(self):
        self.project_only("this command")
        from ..graph.store import Store

        _notices()
        return Store.open(self.project, readonly=False)

    def project_only(self, what: str) -> None:
        if self.store_uri:
            raise ZerenError(f"{what} 只能用于项目文件，不能用于 --store {self.store_uri} ({what} works on a project file only)")


pass_ctx = click.make_pass_decorator(Context)


@click.group(cls=ZerenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(dir_okay=False), default=None,
              help="项目文件（默认 $ZEREN_PROJECT，否则 ./zeren.db） (project file).")
@click.option("--store", "store_uri", default=None, metavar="URI",
              help="读命令（check、trace、render、stats 等）改在 Bolt 服务器上运行（bolt://、neo4j://、bolt+s:// …）；"
                   "账号取自 ZEREN_BOLT_USER/ZEREN_BOLT_PASSWORD (run read commands against a Bolt server).")
@click.option("--database", default=lambda: os.environ.get("ZEREN_BOLT_DATABASE") or None,
              show_default="服务器的默认数据库，或 $ZEREN_BOLT_DATABASE",
              help="Bolt 服务器上的数据库名（Neo4j 社区版只有 neo4j） (database name on the Bolt server; "
                   "default: the server's home database).")
@click.version_option(package_name="zeren", help="显示版本并退出 (show the version and exit)")
@click.pass_context
def cli(ctx: click.Context, project: str | None, store_uri: str | None, database: str | None) -> None:
    """zeren（责任）：把责任清单和配套名单变成知识图谱，回答“谁负责、以何身份、依哪一条、还有谁共同担责”。

    (responsibility lists and their rosters as a knowledge graph: who was responsible, in
    what capacity, under which clause, who shares the liability.)

    示例 Example:

        zeren init && zeren load 名单.xlsx 督查发现.csv && zeren check --period 2019Q2
    """
    ctx.obj = Context(project or os.environ.get("ZEREN_PROJECT") or "zeren.db", store_uri, database)


def _window(date_from: str | None, date_to: str | None, period: str | None) -> tuple[str, str]:
    from ..queries.periods import parse_period

    if period and (date_from or date_to):
        raise ZerenError("--period 与 --from/--to 只能给一种 (give either --period or --from/--to)")
    if period:
        return parse_period(period)
    if not (date_from and date_to):
        raise ZerenError("请给出 --period（如 2019Q2），或同时给出 --from 和 --to (give a period or a window)")
    lo, hi = _day(date_from, "--from"), _day(date_to, "--to")
    if lo is None or hi is None or hi < lo:
        raise ZerenError(f"--to {date_to} 早于 --from {date_from} (the window ends before it starts)")
    return lo, hi


def _notices() -> None:
    """Waiting for another writer's lock is said once, on stderr."""
    from ..graph import projectfile

    projectfile.set_notice(lambda message: click.echo(message, err=True))


def trace_window_options(command: Callable) -> Callable:
    """``--at``, ``--from``, ``--to`` and ``--period`` of a trace (``zeren trace``, ``zeren report trace``)."""
    for option in reversed((
            click.option("--at", metavar="DATE", help="按这一天的在职人员认定（默认：发现日期；无发现时为项目最新发现日期） "
                                                      "(name who held each post on this day)."),
            click.option("--from", "date_from", metavar="DATE", help="发现的期间起点（默认：--at 所在季度） (window of findings)."),
            click.option("--to", "date_to", metavar="DATE", help="发现的期间终点（含） (last day of the window)."),
            click.option("--period", metavar="PERIOD", help="期间简写，如 2019Q2 (window shorthand)."))):
        command = option(command)
    return command


#: ``--format table|json`` of the commands that print a table or, for scripts, JSON.
table_json_option = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                                 show_default=True, help="table（表格，默认）或 json（供程序读取） (table or JSON).")

personal_option = click.option("--show-personal-data", is_flag=True,
                               help="显示完整的身份证号和电话号码（默认遮蔽） (show personal data unmasked).")



def _day(text: str | None, option: str = "--at") -> str | None:
    """A date option as an ISO date (None if not given); a bad one is one clear error."""
    from ..loaders.values import parse_date

    try:
        return parse_date(text) if text else None
    except ValueError as err:
        raise ZerenError(f"{option} {text}: {err}") from None


# The command families register themselves on `cli` when imported.
from . import demo as _demo, draw as _draw, duties as _duties, find as _find, person as _person, project as _project, query as _query, server as _server  # noqa: E402,F401,I001
from . import report as _report  # noqa: E402,F401
from . import web as _web  # noqa: E402,F401,I001


def main() -> None:
    cli(prog_name="zeren")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
