"""zeren serve, zeren user, zeren audit: the web workbench, its accounts and the audit log.

The web framework (FastAPI, uvicorn) and the password hasher are imported inside the
commands that use them, so ``zeren trace`` does not start slower.
"""

from __future__ import annotations

import sys

import click

from ..graph.errors import ZerenError
from .main import Context, cli, pass_ctx, table_json_option


def _project(obj: Context) -> str:
    import os

    obj.project_only("this command")
    if not os.path.exists(obj.project):
        raise ZerenError(f"{obj.project}: 项目文件不存在 (no project here); create it with `zeren init`")
    return obj.project


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 (address to listen on).")
@click.option("--port", default=8000, show_default=True, type=int, help="监听端口 (port).")
@click.option("--project", "project_path", type=click.Path(dir_okay=False), default=None,
              help="项目文件（同全局 --project） (project file).")
@click.option("--upload-dir", type=click.Path(file_okay=False), default=None,
              help="上传的名单在试运行与导入之间的暂存目录（默认系统临时目录） (where uploads wait).")
@pass_ctx
def serve(obj: Context, host: str, port: int, project_path: str | None, upload_dir: str | None) -> None:
    """启动网页工作台 (serve the web workbench over the project file).

    Log in with an account made by `zeren user add`. Pages: search, household, trace,
    check, org chart, history, upload; the same data as JSON under /api/.

    示例 Example:

        zeren serve --project zeren-demo/zeren.db --port 8000
    """
    import uvicorn

    from ..web import accounts
    from ..web.app import create_app

    if project_path:
        obj.project = project_path
    project = _project(obj)
    app = create_app(project, upload_dir=upload_dir)
    if not accounts.accounts(project):
        click.echo("还没有账户 (no accounts yet): zeren user add NAME --role admin --password-stdin", err=True)
    click.echo(f"zeren 工作台: http://{host}:{port}/  (project {project}; Ctrl-C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, server_header=False)


@cli.group()
def user() -> None:
    """网页工作台的账户：add、list、disable、enable、passwd (accounts of the web workbench)."""


def _password(stdin: bool) -> str:
    if stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return click.prompt("密码 Password", hide_input=True, confirmation_prompt=True)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "inspector", "clerk"]), required=True,
              help="admin 管理员：管理账户；inspector 督查人员：全部只读；clerk 乡镇文书：读写本乡镇 (the role).")
@click.option("--township", metavar="NAME", help="乡镇文书所在乡镇 (the township a clerk works for).")
@click.option("--personal-data", is_flag=True, help="仅管理员：可查看完整的身份证号和电话 (admins only: may view personal data).")
@click.option("--password-stdin", is_flag=True, help="从标准输入第一行读取密码 (read the password from stdin).")
@pass_ctx
def user_add(obj: Context, name: str, role: str, township: str | None, personal_data: bool,
             password_stdin: bool) -> None:
    """新建账户（密码以 Argon2id 散列保存） (create an account).

    示例 Example:

        echo "$PASSWORD" | zeren user add li --role clerk --township 马营镇 --password-stdin
    """
    from ..graph import audit
    from ..web import accounts

    project = _project(obj)
    if township:
        _check_township(obj, township)
    made = accounts.add(project, name, role, _password(password_stdin), township=township,
                        personal_data=personal_data)
    audit.record(project, actor=audit.os_actor(), action="user-add", object=made.name,
                 detail={"role": made.role, "township": made.township, "personal_data": made.personal_data,
                         "via": "cli"})
    click.echo(f"账户 {made.name} 已创建（{made.role_label}{'，' + made.township if made.township else ''}）。")


def _check_township(obj: Context, township: str) -> None:
    from ..graph import schema

    with obj.open() as store:
        levels = store.rulebook.pack.org.levels
        if not levels or store.node(schema.node_id(levels[0], schema.name_key(township))) is None:
            raise ZerenError(f"乡镇“{township}”不在项目中 (no such township); load the township roster first")


@user.command("list")
@table_json_option
@pass_ctx
def user_list(obj: Context, fmt: str) -> None:
    """列出账户 (list the accounts).

    示例 Example:

        zeren user list --format json
    """
    from ..web import accounts
    from .format import json_text, table

    found = accounts.accounts(_project(obj))
    if fmt == "json":
        click.echo(json_text({"accounts": [a.as_dict() for a in found]}))
        return
    rows = [[a.name, a.role, a.township or "", "是" if a.personal_data else "", "已停用" if a.disabled else "",
             a.changed] for a in found]
    headers = ["账户", "角色", "乡镇", "个人信息", "状态", "变更时间"]
    click.echo(table(headers, rows) if rows else "还没有账户 (no accounts).")


def _change(obj: Context, name: str, action: str) -> None:
    from ..graph import audit

    audit.record(_project(obj), actor=audit.os_actor(), action=action, object=name, detail={"via": "cli"})


@user.command("disable")
@click.argument("name")
@pass_ctx
def user_disable(obj: Context, name: str) -> None:
    """停用账户：不能再登录，会话结束 (disable an account).

    示例 Example:

        zeren user disable li
    """
    from ..web import accounts

    accounts.set_disabled(_project(obj), name, True)
    _change(obj, name, "user-disable")
    click.echo(f"账户 {name} 已停用。")


@user.command("enable")
@click.argument("name")
@pass_ctx
def user_enable(obj: Context, name: str) -> None:
    """重新启用账户 (enable an account again).

    示例 Example:

        zeren user enable li
    """
    from ..web import accounts

    accounts.set_disabled(_project(obj), name, False)
    _change(obj, name, "user-enable")
    click.echo(f"账户 {name} 已启用。")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入第一行读取密码 (read the password from stdin).")
@pass_ctx
def user_passwd(obj: Context, name: str, password_stdin: bool) -> None:
    """设置账户密码，其会话结束 (set an account's password).

    示例 Example:

        echo "$NEW_PASSWORD" | zeren user passwd li --password-stdin
    """
    from ..web import accounts

    accounts.set_password(_project(obj), name, _password(password_stdin))
    _change(obj, name, "user-passwd")
    click.echo(f"账户 {name} 的密码已更新。")


@cli.command("audit")
@click.option("--actor", metavar="NAME", help="只看这个账户（命令行导入为 os:用户名） (only this account).")
@click.option("--action", metavar="ACTION", help="只看这种操作：login、upload、load、personal-data、user-add … (only this action).")
@click.option("--limit", type=int, default=None, help="只看最近 N 条 (only the latest N events).")
@table_json_option
@pass_ctx
def audit_command(obj: Context, actor: str | None, action: str | None, limit: int | None, fmt: str) -> None:
    """打印审计日志：登录、上传、导入、查看个人信息、账户变更 (print the audit log).

    Times are Beijing time.

    示例 Example:

        zeren audit --action login --format json
    """
    from ..graph import audit
    from .format import json_text, table

    found = audit.events(_project(obj), actor=actor, action=action, limit=limit)
    if fmt == "json":
        click.echo(json_text({"events": [e.as_dict() for e in found]}))
        return
    rows = [[e.id, e.at, e.actor, e.action, e.object,
             "；".join(f"{k}={v}" for k, v in e.detail.items())] for e in found]
    click.echo(table(["#", "时间（北京时间）", "账户", "操作", "对象", "详情"], rows, max_width=70)
               if rows else "审计日志为空 (no events).")


def demo_account(project) -> str:
    """``zeren demo``'s last words: an inspector account ``demo`` with a password made now and
    printed once (a fixed, documented password would be a standing key to any demo project
    someone serves on a network), and how to open the workbench."""
    import secrets

    from ..web import accounts

    password = secrets.token_urlsafe(12)
    if accounts.get(project, "demo") is None:
        accounts.add(project, "demo", "inspector", password)
    else:
        accounts.set_password(project, "demo", password)
    return (f"Web workbench 工作台:\n"
            f"  zeren serve --project {project}        then open http://127.0.0.1:8000/\n"
            f"  account 账户: demo (inspector 督查人员)   password 密码: {password}\n"
            f"  (shown once; change it with `zeren --project {project} user passwd demo`)")
