"""Human formatting of library results: tables and text. No logic lives here."""

from __future__ import annotations

from ..graph.rules import Rulebook

__all__ = ["rulebook_table"]


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
