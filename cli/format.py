"""Human formatting of library results: tables and text. No logic lives here."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any

from ..graph.rules import Rulebook

__all__ = ["rulebook_table", "load_report", "table", "terminal_width", "full_width", "csv_text", "csv_sections",
           "liabilities_csv"]


def rulebook_table(book: Rulebook) -> str:
    lines = [f"{book.title}（{book.document}，{book.issuer}，{book.date}）", f"规则手册 rulebook: {book.name}", ""]
    section = None
    for clause in book.clauses:
        if clause.section != section:
            section = clause.section
            lines.append(section)
        lines.append(f"  {clause.id}  {clause.title}")
        for d in clause.definitions:
            lines.append(f"        定义  {d['role']} = {d['as']}")
        for duty in clause.duties:
            freq = f"{duty.frequency}不少于{duty.at_least:g}{duty.unit}"
            lines.append(f"        职责  {duty.what}（{freq}；履职事项：{duty.evidence}）")
        for rule in clause.rules:
            trigger = "、".join(rule.when) or ("常设" if rule.standing else "上述情形")
            threshold = f"；{rule.scope} 内 ≥ {rule.threshold.text}" if rule.threshold else ""
            lines.append(f"        规则 {rule.id}  [{trigger}{threshold}]")
            for liable in rule.liable:
                lines.append(f"              → {liable.label or liable.role.text}：{liable.kind}")
            if rule.consequence:
                lines.append(f"              后果 {rule.consequence}{'（' + rule.by + '）' if rule.by else ''}")
    return "\n".join(lines)


def load_report(result, holds_shown: int = 40) -> str:
    """What a load read and changed, per roster, and each assignment it opens or closes."""
    lines = []
    for file, sheet, kind, rows, encoding in result.tables:
        where = f"{file}:{sheet}" if sheet else file
        enc = f"，编码 {encoding}" if encoding and encoding != "xlsx" else ""
        lines.append(f"{where} → {kind}（{rows} 行{enc}）")
    lines.append("")
    lines.append(table(["清单", "行数", "新增记录", "关闭", "变更", "更正", "不变", "新对象", "对象变更"],
                       [[kind, d.rows, d.added, d.closed, d.changed, d.corrected, d.unchanged, d.nodes_added,
                         d.nodes_changed] for kind, d in result.diff.items()]))
    lines.append("  记录：名单每行陈述的事实（对象本身、隶属、各项任职各算一条），故记录数可多于行数；"
                 "对象：名单建立的地点、单位、对象与人员。")
    closes = any(h[0] == "关" for h in result.holds)
    if result.holds and not closes and len(result.holds) > holds_shown:  # a first load: every assignment is new
        lines.append("")
        lines.append(f"任职变化 assignments：任 {len(result.holds)}，免 0（均为新任职；--format json 列出全部）")
    elif result.holds:
        lines.append("")
        opened = sum(1 for h in result.holds if h[0] == "开")
        lines.append(f"任职变化 assignments：任 {opened}，免 {len(result.holds) - opened}")
        lines.append(table(["变化", "职务", "单位/对象", "人员", "起", "止"],
                           [["任" if action == "开" else "免", *_post_parts(post), _tail(person), start or "",
                             end or ""] for action, post, person, start, end in result.holds[:holds_shown]]))
        if len(result.holds) > holds_shown:
            lines.append(f"  另有 {len(result.holds) - holds_shown} 项（--format json 列出全部）")
    if result.dry_run:
        lines.append("试运行 (dry run)：未写入任何数据。")
    elif result.batch is None:
        lines.append("无变化 (nothing changed)：项目未改动。")
    else:
        lines.append(f"已写入，批次 #{result.batch} (loaded as batch {result.batch}).")
    return "\n".join(lines)


def load_dict(result) -> dict:
    """`zeren load --format json`: what was read, the diff per roster, every assignment change."""
    from dataclasses import asdict

    return {"files": result.files, "batch": result.batch, "dry_run": result.dry_run, "mode": result.mode,
            "tables": [{"file": f, "sheet": sh, "kind": k, "rows": n, "encoding": e} for f, sh, k, n, e in result.tables],
            "diff": {k: asdict(d) for k, d in result.diff.items()}, "persons_added": result.persons_added,
            "assignments": [{"change": "任" if a == "开" else "免", "post": _post_parts(p)[0], "of": _post_parts(p)[1],
                             "post_id": p, "person": _tail(person), "person_id": person, "from": vf, "to": vt}
                            for a, p, person, vf, vt in result.holds]}


def _post_parts(post_id: str) -> tuple[str, str]:
    """(post, body) of a post id: ``post:township:马营镇/<post>`` gives (<post>, '马营镇')."""
    owner, _, title = post_id.split(":", 1)[-1].rpartition("/")
    return title, _tail(owner)


def _tail(node_id: str | None) -> str:
    return (node_id or "").split(":", 1)[-1].rsplit("/", 1)[-1]


# -- tables ------------------------------------------------------------------------------
def _w(s: str) -> int:
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(c) in "WF" else 1 for c in s)


_FULL_WIDTH = [False]


@contextmanager
def full_width():
    """Tables made inside are not fitted to the terminal (they go to a file)."""
    _FULL_WIDTH[0] = True
    try:
        yield
    finally:
        _FULL_WIDTH[0] = False


def terminal_width() -> int | None:
    """The width tables fit: ``$COLUMNS`` when set, else the terminal's; None when the output
    is not a terminal (a pipe or a file gets every cell whole, one line per row)."""
    import os
    import shutil
    import sys

    if _FULL_WIDTH[0]:
        return None
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        if sys.stdout.isatty():
            return shutil.get_terminal_size().columns
    except (AttributeError, ValueError):  # a closed or replaced stdout
        pass
    return None


def table(headers: list[str], rows: list[list[str]], max_width: int = 60, *, width: int | None = None) -> str:
    """A plain-text table aligned for CJK text (no rich import: ``zeren trace`` starts fast).

    On a terminal (``width``, default :func:`terminal_width`) the table fits the width, and no
    cell is clipped: a cell wider than its column wraps over several lines; when the last column
    (the explanation) would be left less than a third of the width, it goes under its row,
    indented, across the whole width. No column is narrower than its header or than the longest
    id or date in it; ``max_width`` caps a column. Not on a terminal, each row is one line with
    its full text, for grep and files.
    """
    cells = [[terminal_text(str(c)) if c is not None else "" for c in r] for r in [headers, *rows]]
    n = len(headers)
    natural = [max(_w(r[i]) for r in cells) for i in range(n)]
    width = terminal_width() if width is None else width
    if width is None:
        return _render(cells, natural)
    floors = [min(natural[i], max(_w(headers[i]), _longest_token(r[i] for r in cells))) for i in range(n)]
    capped = [min(x, max(max_width, floors[i])) for i, x in enumerate(natural)]
    if sum(capped) + 2 * (n - 1) <= width:
        return _render(cells, capped)
    last = n - 1
    if n == 1 or capped[last] <= max(30, width // 3):  # a short last column: every column gives up width
        return _render(cells, _fit(capped, floors, width - 2 * last))
    others = _fit(capped[:last], floors[:last], width - 2 * (last - 1))
    room = width - sum(others) - 2 * last
    if room >= max(30, width // 3):
        return _render(cells, others + [room])
    # The explanation under its row: indented to the second column, as wide as the terminal.
    indent = (others[0] + 2) if last > 1 else 4
    return _render([r[:last] for r in cells], others, below=[r[last] for r in cells], indent=indent,
                   below_width=max(20, width - indent))


def _render(cells: list[list[str]], widths: list[int], *, below: list[str] | None = None, indent: int = 0,
            below_width: int = 0) -> str:
    lines = []
    for k, r in enumerate(cells):
        parts = [_wrap(c, widths[i]) if _w(c) > widths[i] else [c] for i, c in enumerate(r)]
        for j in range(max(len(p) for p in parts)):
            lines.append("  ".join((p[j] if j < len(p) else "") + " " * (widths[i] - _w(p[j] if j < len(p) else ""))
                                   for i, p in enumerate(parts)).rstrip())
        if below is not None and below[k]:
            lines += [" " * indent + line for line in _wrap(below[k], below_width)]
        if k == 0:
            lines.append("  ".join("─" * w for w in widths))
    return "\n".join(lines)


def _longest_token(texts) -> int:
    """The widest run of ASCII letters, digits and ``-.:/#`` (an id, a date, a file name), up to 16."""
    return min(16, max((len(m) for t in texts for m in re.findall(r"[0-9A-Za-z\-.:/#_*]+", t)), default=0))


def _fit(widths: list[int], floors: list[int], room: int) -> list[int]:
    """Column widths that fit ``room``: the widest columns give up width first (water-filling),
    none below its floor."""
    widths = list(widths)
    excess = sum(widths) - room
    level = max(widths, default=0)
    while excess > 0 and level > 0:
        level -= 1
        for i, w in enumerate(widths):
            if w > level and w > floors[i] and excess > 0:
                widths[i] -= 1
                excess -= 1
    return widths


_BREAKS = " ，；、。：）)】,;:/"
_NO_START = "，；、。：）)】”’〕…"
_OPENING = "（(【〔“‘"  # a line may break before these


def _wrap(s: str, width: int) -> list[str]:
    """``s`` in lines of at most ``width`` columns, broken after a space or punctuation (or before
    an opening bracket) when one falls in the line's second half, else between any two
    characters as CJK text allows, never putting a closing mark first on a line."""
    out: list[str] = []
    for para in s.split("\n"):
        line, used = "", 0
        for ch in para:
            cw = _w(ch)
            if used + cw > width and line:
                cut = max(max(line.rfind(b) + 1 for b in _BREAKS), max(line.rfind(b) for b in _OPENING))
                if cut > 0 and _w(line[:cut]) >= width // 2:
                    out.append(line[:cut].rstrip())
                    line = line[cut:].lstrip()
                elif ch in _NO_START and len(line) > 1:  # no line starts with a closing mark (禁则)
                    out.append(line[:-1])
                    line = line[-1]
                else:
                    out.append(line)
                    line = ""
                used = _w(line)
                if not line and ch == " ":
                    continue
            line += ch
            used += cw
        out.append(line)
    return out


def _clip(s: str, width: int) -> str:
    if _w(s) <= width:
        return s
    out = ""
    for ch in s:
        if _w(out + ch) > width - 1:
            return out + "…"
        out += ch
    return out


def _person(li) -> str:
    """The person named, with how long they had been in post when it mattered, and who held the
    post when the finding was made if that was someone else."""
    name = li.person or ("（无人在职）" if li.party and li.party.startswith("post:") else "—")
    days = getattr(li, "days_in_post", None)
    if li.person and days is not None and days < 180:  # a recent arrival is worth a reader's notice
        name += f"（到任{days}天）"
    if getattr(li, "holder_at_finding", None):
        name += f"；发现时：{li.holder_at_finding}"
    return name


def _basis(li) -> str:
    text = li.explanation
    if getattr(li, "duties", None):
        status = {"met": "达标", "missed": "未达标", "open": "进行中", "uncovered": "无记录"}
        text += "〔履职：" + "、".join(f"{d['window']} {d['done']:g}/{d['required']:g}{d['unit']}{status[d['status']]}"
                                    for d in li.duties[:6]) + "〕"
    if getattr(li, "conflict", ""):
        text += f"〔回避：{li.conflict}〕"
    return text


def liabilities_table(liabilities, show_untriggered: bool = True, per_rule: int = 8) -> str:
    """Triggered liabilities (a rule with many entries is cut to ``per_rule`` lines and a
    count: --format csv/json list them all), then the rules not triggered with their figures."""
    trig = [li for li in liabilities if li.triggered]
    lines = [f"触发的责任 triggered: {len(trig)}"]
    if trig:
        rows, shown = [], {}
        for li in trig:
            shown[li.rule] = shown.get(li.rule, 0) + 1
            if shown[li.rule] <= per_rule:
                rows.append([li.clause, li.kind, li.post, _person(li), li.body, _clip(li.scope or "", 24),
                             li.date or "", _basis(li)])
            elif shown[li.rule] == per_rule + 1:
                more = sum(1 for x in trig if x.rule == li.rule) - per_rule
                rows.append([li.clause, li.kind, "…", "", "", "", "", f"另有 {more} 条（--format csv 或 json 列出全部）"])
        lines.append(table(["条款", "责任", "职务", "责任人", "机构", "范围", "日期", "依据"], rows, max_width=70))
        consequences = sorted({(li.clause, li.consequence, li.by) for li in trig if li.consequence})
        lines.append("")
        lines.append("后果 consequences: " + "；".join(f"{c} {q}{'（' + b + '）' if b else ''}"
                                                   for c, q, b in consequences))
    if show_untriggered:
        seen, rows = set(), []
        for li in liabilities:
            key = (li.rule, li.scope, li.explanation if not li.applicable else "")
            if li.triggered or key in seen:
                continue
            seen.add(key)
            what = li.scope or ("" if not li.applicable else "全部")
            if not li.applicable:
                what = li.post
            rows.append([li.clause, li.rule, what, li.explanation + ("  ← 临界 near miss" if li.near_miss else "")])
        lines.append("")
        lines.append(f"未触发 not triggered: {len(rows)}")
        if rows:
            lines.append(table(["条款", "规则", "范围", "说明"], rows, max_width=90))
    return "\n".join(lines)


def gaps_table(result) -> str:
    """Standing responsibilities, the parties nobody can be named for, and the warnings."""
    lines = []
    if getattr(result, "unresolved", None):
        lines += ["", f"无法认定 unresolved: {len(result.unresolved)}（规则适用，但该日找不到责任人）"]
        lines.append(table(["规则", "责任", "职务", "机构", "范围", "日期", "原因", "处理"],
                           [[u.rule, u.kind, u.post, u.body, u.scope or "", u.date or "", u.reason, u.hint]
                            for u in result.unresolved], max_width=60))
    if getattr(result, "warnings", None):
        lines += ["", f"警告 warnings: {len(result.warnings)}"]
        lines += [f"  {w.message}" for w in result.warnings]
    return "\n".join(lines)


def standing_table(entries) -> str:
    """One line per person and post, with every scope where it applies."""
    grouped: dict[tuple, list] = {}
    for li in entries:
        grouped.setdefault((li.clause, li.kind, li.post, _person(li), li.body), []).append(li)
    rows = []
    for (clause, kind, post, person, body), group in grouped.items():
        scopes = "、".join(dict.fromkeys(li.scope for li in group if li.scope))
        found = sorted({n for li in group for n in li.findings})
        why = f"督查发现 {'、'.join(f'#{n}' for n in found[:6])}{'…' if len(found) > 6 else ''}" if found \
            else "不需督查发现触发"
        rows.append([clause, kind, post, person, body, scopes, why])
    return table(["条款", "责任", "职务", "责任人", "机构", "范围", "因"], rows, max_width=50)


def check_table(result) -> str:
    head = (f"检查期间 {result.date_from} 至 {result.date_to}，规则手册 {result.rulebook}，"
            f"督查发现 {len(result.findings)} 条")
    out = head + "\n\n" + liabilities_table(result.liabilities)
    if result.standing:
        out += "\n\n常设责任 standing（联系、包抓范围内触发了责任）:\n" + standing_table(result.standing)
    return out + gaps_table(result)


def trace_table(result, rulebook=None) -> str:
    obj = result.object
    lines = [f"责任链 trace: {result.title(rulebook)}（{obj['name']}"
             f"{'，' + obj['caption'] if obj.get('caption') else ''}），认定日期 {result.at}，"
             f"评估期间 {result.date_from} 至 {result.date_to}，规则手册 {result.rulebook}"]
    if result.findings:
        lines.append("")
        lines.append(table(["#", "日期", "问题类型", "对象", "督查主体", "说明"],
                           [[f.n, f.date, f.type, f.object_text, f.inspector, f.note] for f in result.findings]))
    lines.append("")
    lines.append(table(
        ["环节", "职务/名称", "责任人", "关系", "来源"],
        [[c.label, f"{c.name}（{c.caption}）" if c.caption else c.name, c.person or "", f"{c.origin} —{c.edge_label}→ {c.target}" if c.edge else "",
          _where(c.holding_source or c.source)] for c in result.chain], max_width=48))
    lines.append("")
    lines.append(liabilities_table(result.liabilities, show_untriggered=True) if result.liabilities
                 else "本期没有涉及该对象的督查发现，无触发的责任。")
    if result.standing:
        lines.append("")
        lines.append("常设责任 standing:")
        lines.append(standing_table(result.standing))
    return "\n".join(lines) + gaps_table(result)


def _where(src) -> str:
    if not src or not src.get("file"):
        return ""
    name = src["file"].rsplit("/", 1)[-1]
    sheet = f":{src['sheet']}" if src.get("sheet") else ""
    return f"{name}{sheet}:{src['row']}" if src.get("row") else name


def csv_text(headers: list[str], rows) -> str:
    """CSV for spreadsheets: see :func:`csv_sections` (one table, no title)."""
    return csv_sections([("", headers, rows)])


def csv_sections(tables) -> str:
    """The one CSV writer of the CLI, for spreadsheets: UTF-8 with a BOM (Excel on Chinese
    Windows then reads it as UTF-8, not GBK); a cell Excel would run as a formula (=, +, -, @, a
    tab or CR first, also their full-width forms) starts with ' so it stays text; control
    characters from data are shown escaped; an id Excel would damage — 12 digits or more (shown
    as 6.21107E+11, digits past the 15th lost) or a leading 0 (dropped) — is written ="…", which
    Excel and WPS show as the text. Several ``(title, headers, rows)`` tables follow one another,
    each under its 【title】, a blank line between."""
    import csv
    import io

    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    for i, (title, headers, rows) in enumerate(tables):
        if i:
            w.writerow([])
        if title and len(tables) > 1:
            w.writerow([f"【{title}】"])
        w.writerow([_safe(h) for h in headers])
        for row in rows:
            w.writerow([_safe(c) for c in row])
    return buf.getvalue()


_STATUS = {"met": "达标", "missed": "未达标", "open": "进行中", "uncovered": "无记录"}


def duties_table(result, per_duty: int = 12) -> str:
    """Per duty: what is short (missed, and open windows with the days left), then the met ones
    as a count; a duty with many holders is cut to ``per_duty`` lines (json/csv list them all)."""
    summary = result.as_dict()["summary"]
    how = f"，{result.at_how}；--at 指定其他日期" if getattr(result, "at_how", "") else ""
    lines = [f"履职情况 duties：{result.date_from} 至 {result.date_to}（截至 {result.at}{how}），规则手册 {result.rulebook}；"
             f"达标 {summary.get('met', 0)}，未达标 {summary.get('missed', 0)}，进行中 {summary.get('open', 0)}"
             + (f"，无记录 {summary['uncovered']}（履职记录只覆盖 {result.coverage.text}）"
                if summary.get("uncovered") else "")]
    by_duty: dict[str, list] = {}
    for e in result.duties:
        by_duty.setdefault(e.duty, []).append(e)
    for duty, entries in by_duty.items():
        first = entries[0]
        met = sum(1 for e in entries if e.status == "met")
        lines.append("")
        lines.append(f"{first.clause} {first.what}（履职事项：{first.item}；{len(entries)} 项，达标 {met}）")
        short = [e for e in entries if e.status != "met"]
        rows = []
        for e in short[:per_duty]:
            state = _STATUS[e.status] + (f"（剩 {e.days_left} 天）" if e.days_left is not None else "")
            who = (e.person or "（无人在职）") if e.holder_id.startswith(("post:", "person:")) else "—"
            rows.append([e.window, e.post, who, e.scope,
                         f"{e.done:g}/{e.required:g}{e.unit}", state, "、".join(e.missing[:6])])
        if rows:
            lines.append(table(["窗口", "职务", "人员", "范围", "实/应", "结果", "缺"], rows, max_width=40))
        considered = [(e, x) for e in short[:per_duty] for x in e.explain]  # with --explain
        for e, x in considered[:20]:
            lines.append(f"  {e.window} {e.scope}：{x['source']} {x['date']} {x['subject']}"
                         f"{' → ' + x['object'] if x['object'] else ''}——{x['reason']}")
        if len(considered) > 20:
            lines.append(f"  另有 {len(considered) - 20} 条记录（--format json 列出全部）")
        if len(short) > per_duty:
            lines.append(f"  另有 {len(short) - per_duty} 项未达标、进行中或无记录（--format csv 或 json 列出全部）")
    if result.flagged:
        lines += ["", f"不计入的记录 flagged：{len(result.flagged)}（履职时不在任上）"]
        lines += [f"  {f['source']}：{f['subject']} {f['date']} {f['item']}——{f['reason']}（{f['post']}）"
                  for f in result.flagged[:20]]
    return "\n".join(lines)


def dossier_table(d) -> str:
    lines = [f"人员 person：{d.name}（{'、'.join(d.orgs)}）" + (f"；编号 {'、'.join(d.ids)}" if len(d.ids) > 1 else "")]
    lines += ["", f"任职 posts：{len(d.posts)}"]
    if d.posts:
        lines.append(table(["职务", "机构", "所属", "起", "止", "来源"],
                           [[p.post, p.body, p.owner, p.start or "", p.end or "至今", p.source] for p in d.posts]))
    lines += ["", f"责任 liabilities：{len(d.liabilities)}"]
    if d.liabilities:
        rows = []
        for li in d.liabilities:
            tenure = li.get("tenure") or {}
            rows.append([li["clause"], li["kind"] + ("（常设）" if li.get("standing") else ""), li["post"],
                         li.get("date") or "", f"{tenure.get('from') or ''}—{tenure.get('to') or '至今'}",
                         li.get("holder_at_finding") or ("" if li.get("standing") else "本人"), li["explanation"]])
        lines.append(table(["条款", "责任", "职务", "日期", "任期", "发现时在任者", "依据"], rows, max_width=60))
    if d.duties:
        status = {"met": "达标", "missed": "未达标", "open": "进行中", "uncovered": "无记录"}
        short = [x for x in d.duties if x["status"] != "met"]
        lines += ["", f"履职 duties：{len(d.duties)}（达标 {len(d.duties) - len(short)}，未达标、进行中或无记录 {len(short)}）"]
        if short:
            lines.append(table(["条款", "职责", "窗口", "范围", "实/应", "结果"],
                               [[x["clause"], x["what"], x["window"], x["scope"],
                                 f"{x['done']:g}/{x['required']:g}{x['unit']}", status[x["status"]]] for x in short[:40]],
                               max_width=40))
    if d.records:
        lines += ["", f"履职记录 records：{len(d.records)}"]
    for g in d.gaps:
        lines.append(f"空缺 gap：{g}")
    for dup in d.duplicates:
        lines.append(f"可能重复 possible duplicate：{dup['id']}（{dup['org']}：{'、'.join(dup['posts'])}）；{dup['hint']}")
    return "\n".join(lines)


DUTY_CSV = ["条款", "职责", "履职事项", "职务", "人员", "机构", "范围", "窗口", "起", "止", "应", "实", "单位", "结果", "缺",
            "依据"]


def duties_csv(result) -> str:
    return csv_text(DUTY_CSV, ([e.clause, e.duty, e.item, e.post, e.person, e.body, e.scope, e.window, e.start, e.end,
                                f"{e.required:g}", f"{e.done:g}", e.unit, _STATUS[e.status], "、".join(e.missing),
                                " ".join(e.evidence)] for e in result.duties))


def liabilities_csv(liabilities, rulebook=None) -> str:
    """``zeren check --format csv`` (and the workbench's export.csv): every liability, triggered
    or not, under Chinese headers, 是/否, posts by their labels."""
    from .export import liability_table

    _, headers, rows = liability_table(liabilities, rulebook)
    return csv_text(headers, rows)


_EXCEL_NUMBER = re.compile(r"[0-9]{12,}|0[0-9]+")


_FORMULA = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _safe(value) -> str:
    from ..graph.privacy import escape_controls

    s = "" if value is None else str(value)
    if s[:1] in _FORMULA:
        return escape_controls("'" + s)
    return f'="{s}"' if _EXCEL_NUMBER.fullmatch(s) else escape_controls(s)


def terminal_text(text: str) -> str:
    """Plain output with the control, separator and bidi characters data may hold escaped
    (an ESC sequence in a roster name must not recolour or rewrite the user's terminal)."""
    from ..graph.privacy import escape_controls

    return escape_controls(text)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def json_text(value: Any) -> str:
    """``value`` as indented JSON (two spaces, CJK as is) that a terminal shows as written: what
    ``json.dumps(value, ensure_ascii=False, indent=2)`` gives, with :func:`terminal_json`'s
    escapes (orjson writes it: the standard encoder's indented form is pure Python, seconds for
    a county's duties)."""
    import orjson

    return terminal_json(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode())


def terminal_json(text: str) -> str:
    """JSON text with the characters json.dumps(ensure_ascii=False) leaves raw but a terminal
    or a JavaScript reader misreads (U+2028/2029, C1 controls, bidi controls) as \\u escapes:
    the same JSON value."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
