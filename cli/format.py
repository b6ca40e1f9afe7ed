"""Human formatting of library results: tables and text. No logic lives here."""

from __future__ import annotations

from ..graph.rules import Rulebook

__all__ = ["rulebook_table", "load_report"]


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


def load_report(result) -> str:
    """What a load read and changed, per kind."""
    lines = []
    for file, sheet, kind, rows, encoding in result.tables:
        where = f"{file}:{sheet}" if sheet else file
        enc = f"，编码 {encoding}" if encoding and encoding != "xlsx" else ""
        lines.append(f"{where} → {kind}（{rows} 行{enc}）")
    lines.append("")
    lines.append(f"{'清单':<8}{'新增':>8}{'关闭':>8}{'变更':>8}{'不变':>8}{'新对象':>8}{'对象变更':>8}")
    for kind, d in result.diff.items():
        lines.append(f"{kind:<8}{d.added:>10}{d.closed:>10}{d.changed:>10}{d.unchanged:>10}"
                     f"{d.nodes_added:>10}{d.nodes_changed:>10}")
    if result.dry_run:
        lines.append("试运行 (dry run)：未写入任何数据。")
    elif result.batch is None:
        lines.append("无变化 (nothing changed)：项目未改动。")
    else:
        lines.append(f"已写入，批次 #{result.batch} (loaded as batch {result.batch}).")
    return "\n".join(lines)


# -- tables ------------------------------------------------------------------------------
def _w(s: str) -> int:
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(c) in "WF" else 1 for c in s)


def table(headers: list[str], rows: list[list[str]], max_width: int = 60) -> str:
    """A plain-text table aligned for CJK text (fast: no rich import on the trace path)."""
    cells = [[_clip(str(c) if c is not None else "", max_width) for c in r] for r in [headers, *rows]]
    widths = [max(_w(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(c + " " * (widths[i] - _w(c)) for i, c in enumerate(r)).rstrip())
        if n == 0:
            lines.append("  ".join("─" * w for w in widths))
    return "\n".join(lines)


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


def trace_table(result) -> str:
    obj = result.object
    lines = [f"责任链 trace: {result.subject} {result.subject_id}（{obj['name']}），认定日期 {result.at}，"
             f"评估期间 {result.date_from} 至 {result.date_to}，规则手册 {result.rulebook}"]
    if result.findings:
        lines.append("")
        lines.append(table(["#", "日期", "问题类型", "对象", "督查主体", "说明"],
                           [[f.n, f.date, f.type, f.object_text, f.inspector, f.note] for f in result.findings]))
    lines.append("")
    lines.append(table(
        ["环节", "职务/名称", "责任人", "关系", "来源"],
        [[c.label, c.name, c.person or "", f"{c.origin} —{c.edge_label}→ {c.target}" if c.edge else "",
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


CSV_COLUMNS = ["clause", "rule", "triggered", "kind", "post", "person", "body", "scope", "date", "numerator",
               "denominator", "threshold", "near_miss", "consequence", "by", "findings", "explanation"]


def csv_text(headers: list[str], rows) -> str:
    """CSV for spreadsheets: a BOM so Excel reads UTF-8, and cells Excel would run as formulas quoted."""
    import csv
    import io

    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow([_safe(c) for c in row])
    return buf.getvalue()


_STATUS = {"met": "达标", "missed": "未达标", "open": "进行中", "uncovered": "无记录"}


def duties_table(result, per_duty: int = 12) -> str:
    """Per duty: what is short (missed, and open windows with the days left), then the met ones
    as a count; a duty with many holders is cut to ``per_duty`` lines (json/csv list them all)."""
    summary = result.as_dict()["summary"]
    lines = [f"履职情况 duties：{result.date_from} 至 {result.date_to}（截至 {result.at}），规则手册 {result.rulebook}；"
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
        if len(short) > per_duty:
            lines.append(f"  另有 {len(short) - per_duty} 项未达标或进行中（--format csv 或 json 列出全部）")
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
                         li.get("holder_at_finding") or "", li["explanation"]])
        lines.append(table(["条款", "责任", "职务", "日期", "任期", "发现时在任", "依据"], rows, max_width=60))
    if d.duties:
        status = {"met": "达标", "missed": "未达标", "open": "进行中", "uncovered": "无记录"}
        short = [x for x in d.duties if x["status"] != "met"]
        lines += ["", f"履职 duties：{len(d.duties)}（达标 {len(d.duties) - len(short)}，未达标或进行中 {len(short)}）"]
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


def liabilities_csv(liabilities) -> str:
    """CSV for spreadsheets (with a BOM); cells that Excel would run as formulas are quoted with '."""
    import csv
    import io

    buf = io.StringIO()
    buf.write("\ufeff")  # utf-8-sig: Excel on Chinese Windows reads it as UTF-8, not GBK
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for li in liabilities:
        d = li.as_dict()
        w.writerow([_safe(" ".join(map(str, d[c])) if c == "findings" else d.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()


def _safe(value) -> str:
    s = "" if value is None else str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s
