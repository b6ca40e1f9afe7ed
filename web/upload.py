"""Uploading rosters: the files are kept server-side under a random token, validated by a dry
run (every problem shown in a table with its file, sheet, row, column and value; or the diff
of what would change), and loaded in one transaction only when the uploader confirms.

Who may load is decided on what the files touch (``LoadResult.scopes``: the townships of a
township roster, the county for 县级领导, a unit for its leaders, the objects of findings): a
clerk may load only what lies in his township. The staged files are deleted after the load,
on cancel, on refusal, and an hour after an upload nobody confirmed.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ..graph.errors import InputError, NotFound, ZerenError
from .accounts import Account
from .app import current_account, render, require_csrf, web
from .permissions import Forbidden, allowed, check, scope_of

__all__ = ["router", "MAX_FILE_BYTES", "MAX_FILES", "STAGE_SECONDS"]

router = APIRouter()
MAX_FILES = 20
MAX_FILE_BYTES = 50 * 1024 * 1024
STAGE_SECONDS = 3600
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")
MODES = {"auto": "自动（快照；若关闭过多则拒绝）", "snapshot": "整表快照（关闭清单中不再列出的任职）",
         "add": "补充更正（只新增与更正，不关闭）"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _stage_dir(request: Request, token: str) -> Path:
    if not _TOKEN.match(token):
        raise NotFound("上传编号无效或已过期 (no such upload)")
    path = web(request).upload_dir / token
    if not (path / "manifest.json").is_file():
        raise NotFound("上传编号无效或已过期 (no such upload)")
    return path


def _safe_name(filename: str, taken: set[str]) -> str:
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f:*?\"<>|]", "_", name).strip().lstrip(".") or "file"
    if not name.lower().endswith(SUFFIXES):
        raise ZerenError(f"{name}: 不支持的文件类型；请上传 .xlsx 工作簿或 .csv 文件")
    stem, dot, suffix = name.rpartition(".")
    n = 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}{dot}{suffix}"
    taken.add(name)
    return name


def _sweep(base: Path) -> None:
    """Delete staged uploads older than an hour."""
    if not base.is_dir():
        return
    limit = time.time() - STAGE_SECONDS
    for path in base.iterdir():
        if _TOKEN.match(path.name) and path.stat().st_mtime < limit:
            shutil.rmtree(path, ignore_errors=True)


def _dry_run(request: Request, stage: Path, manifest: dict[str, Any]) -> Any:
    from ..graph.store import Store
    from ..loaders.rosters import load_files

    paths = [str(stage / n) for n in manifest["names"]]
    with Store.open(web(request).project, readonly=False) as store:
        return load_files(store, paths, as_of=manifest["as_of"] or None, dry_run=True, mode=manifest["mode"])


def _scope(request: Request, result: Any) -> Any:
    with web(request).store() as store:
        return scope_of(store, [i for ids in result.scopes.values() for i in ids], date.today().isoformat())


@router.get("/upload", include_in_schema=False)
def upload_form(request: Request, account: Account = Depends(current_account)) -> Response:
    return render(request, "upload.html", {"modes": MODES, "may_load": any(
        allowed(account, "load", s) for s in _own_scopes(account))})


def _own_scopes(account: Account) -> list[Any]:
    from .permissions import Scope

    return [Scope.of((), county=True)] + ([Scope.of([account.township])] if account.township else [])


@router.post("/upload", include_in_schema=False)
def upload(request: Request, files: list[UploadFile] = File(...), as_of: str = Form(default=""),
           mode: str = Form(default="auto"), account: Account = Depends(require_csrf)) -> Response:
    w = web(request)
    if not any(allowed(account, "load", s) for s in _own_scopes(account)):
        raise Forbidden("load", message="该账户不能导入清单 (this account may not load rosters)")
    if mode not in MODES:
        raise ZerenError(f"导入方式“{mode}”不存在：可用 {', '.join(MODES)}")
    if not files or len(files) > MAX_FILES:
        raise ZerenError(f"请选择 1 至 {MAX_FILES} 个文件 (choose 1 to {MAX_FILES} files)")
    _sweep(w.upload_dir)
    token = secrets.token_urlsafe(24)
    stage = w.upload_dir / token
    stage.mkdir(parents=True, mode=0o700)
    try:
        names: list[str] = []
        taken: set[str] = set()
        for f in files:
            name = _safe_name(f.filename or "file.csv", taken)
            size = 0
            with (stage / name).open("wb") as out:
                while chunk := f.file.read(1 << 20):
                    size += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise ZerenError(f"{name}: 文件超过 {MAX_FILE_BYTES // (1 << 20)} MB (file too large)")
                    out.write(chunk)
            names.append(name)
        manifest = {"owner": account.name, "names": names, "as_of": as_of.strip(), "mode": mode,
                    "created": time.time()}
        (stage / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        return _preview(request, account, token, stage, manifest)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _preview(request: Request, account: Account, token: str, stage: Path, manifest: dict[str, Any],
             note: str = "") -> Response:
    """Dry-run the staged files: their problems, or the diff and a confirm button."""
    w = web(request)
    names = manifest["names"]
    try:
        result = _dry_run(request, stage, manifest)
    except InputError as err:
        shutil.rmtree(stage, ignore_errors=True)
        w.audit(request, "upload", "、".join(names), ok=False, problems=len(err.problems))
        problems = [_problem(p, stage) for p in err.problems]
        return render(request, "upload_result.html", {"problems": problems, "names": names}, status=422)
    scope = _scope(request, result)
    if not allowed(account, "load", scope):
        shutil.rmtree(stage, ignore_errors=True)
        w.audit(request, "upload", "、".join(names), ok=False, refused=scope.describe())
        raise Forbidden("load", scope, f"无权导入：这些清单涉及{scope.describe()}，该账户只能导入"
                                       f"{account.township or '（无）'}的清单 (outside this account's township)")
    with w.store() as store:
        batches = store.batches()
    manifest["after_batch"] = batches[-1]["id"] if batches else 0
    manifest["scopes"] = sorted({i for ids in result.scopes.values() for i in ids})
    (stage / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    w.audit(request, "upload", "、".join(names), ok=True, dry_run=True, changed=result.changed,
            scope=scope.describe())
    if not result.changed:
        shutil.rmtree(stage, ignore_errors=True)
    return render(request, "upload_result.html", {
        "result": result, "names": names, "token": token if result.changed else "", "note": note,
        "scope": scope, "tables": [(_base(f, stage), s, k, n, e) for f, s, k, n, e in result.tables],
        "holds": result.holds[:300], "more_holds": max(0, len(result.holds) - 300), "mode": MODES[manifest["mode"]]})


def _base(path: str, stage: Path) -> str:
    return path[len(str(stage)) + 1:] if path.startswith(str(stage)) else path


def _problem(p: Any, stage: Path) -> dict[str, Any]:
    return {"file": _base(p.file, stage), "sheet": p.sheet, "row": p.row, "column": p.column, "value": p.value,
            "message": p.message}


def _owned(request: Request, account: Account, token: str) -> tuple[Path, dict[str, Any]]:
    stage = _stage_dir(request, token)
    manifest = json.loads((stage / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("owner") != account.name:
        raise Forbidden("load", message="这不是该账户上传的文件 (not this account's upload)")
    return stage, manifest


@router.post("/upload/{token}/confirm", include_in_schema=False)
def confirm(request: Request, token: str, account: Account = Depends(require_csrf)) -> Response:
    from ..graph.store import Store
    from ..loaders.rosters import load_files

    w = web(request)
    stage, manifest = _owned(request, account, token)
    with w.store() as store:
        batches = store.batches()
    if (batches[-1]["id"] if batches else 0) != manifest.get("after_batch"):
        return _preview(request, account, token, stage, manifest,
                        note="预览之后项目已有新的导入：以下是按当前项目重新预览的结果，请再次核对后确认。")
    with w.store() as store:  # the account may have changed since the preview
        check(account, "load", scope_of(store, manifest["scopes"], date.today().isoformat()))
    paths = [str(stage / n) for n in manifest["names"]]
    try:
        with Store.open(w.project, readonly=False) as store:
            result = load_files(store, paths, as_of=manifest["as_of"] or None, mode=manifest["mode"])
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    w.audit(request, "load", f"batch:{result.batch}" if result.batch else "、".join(manifest["names"]),
            batch=result.batch, files=manifest["names"], via="web")
    return render(request, "upload_done.html", {"result": result, "names": manifest["names"]})


@router.post("/upload/{token}/cancel", include_in_schema=False)
def cancel(request: Request, token: str, account: Account = Depends(require_csrf)) -> Response:
    stage, manifest = _owned(request, account, token)
    shutil.rmtree(stage, ignore_errors=True)
    web(request).audit(request, "upload-cancel", "、".join(manifest["names"]))
    return RedirectResponse("/upload", status_code=303)
