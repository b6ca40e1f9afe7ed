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
            freq = f"{duty.get('frequency', '')}不少于{duty.get('at_least', '')}{duty.get('unit', '')}"
            lines.append(f"        职责  {duty['what']}（{freq}）")
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
