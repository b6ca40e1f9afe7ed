"""The engine speaks no domain: no word of either built-in pack appears in the engine's code
(graph/, queries/, visualize/, cli/, loaders/ — comments and strings included), only in the
packs and the demo generators that make data shaped like their lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from zeren.loaders.rulebook import load_rulebook

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ["graph", "queries", "visualize", "cli", "loaders"]
DEMOS = {"loaders/demo.py", "loaders/demo_river.py"}
# The grammar's own words, shared by every list: the record kinds of the contract and their
# fields (DESIGN's findings and duty-log columns), administrative level and organisation,
# validity dates, the identity value types the engine parses (GB 11643), posts and bodies.
GRAMMAR = {"督查发现", "履职记录", "发现日期", "督查主体", "问题类型", "对象类型", "对象", "说明", "问题发生日期", "督查批次",
           "日期", "履职主体", "履职事项", "天数", "起始日期", "终止日期", "乡镇", "单位", "姓名", "身份证号", "干部编号",
           "职务", "机构", "人员",
           "督查人员", "状态"}  # the workbench's account role and column


def vocabulary() -> set[str]:
    words: set[str] = set()
    for name in ("tongwei-2018", "river-chief"):
        rb = load_rulebook(name)
        m = rb.model
        words |= {k.label for k in m.kinds.values()} | {r.label for r in m.relations.values()}
        words |= {t for posts in m.posts.values() for t in posts} | set(m.objects)
        words |= {ms.label for ms in m.measures.values()} | {g.label for g in rb.pack.gaps}
        for roster in rb.pack.rosters:
            words.add(roster.name)
            words |= set(roster.headers)
        words |= set(rb.finding_types) | set(rb.evidence()) | {b["name"] for b in rb.bodies} | set(rb.lead_units)
        words |= {li.kind for rule in rb.rules for li in rule.liable} | {li.label for rule in rb.rules for li in rule.liable}
    return {w for w in words if len(w) >= 2} - GRAMMAR


def engine_files() -> list[Path]:
    return sorted(p for d in ENGINE for p in (ROOT / d).glob("*.py") if f"{d}/{p.name}" not in DEMOS)


def test_the_vocabulary_is_the_packs_own():
    words = vocabulary()
    assert {"党委书记", "一户一策", "结对帮扶", "驻村走读", "县级河长", "非法采砂", "巡河"} <= words


@pytest.mark.parametrize("path", engine_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_domain_word_in_the_engine(path):
    words = vocabulary()
    text = path.read_text(encoding="utf-8")
    for word in sorted(GRAMMAR, key=len, reverse=True):  # a grammar word is not a domain word inside it
        text = text.replace(word, "·")
    found = sorted({w for w in words if w in text})
    assert not found, f"{path.relative_to(ROOT)} names the pack's words: {'、'.join(found)}"
