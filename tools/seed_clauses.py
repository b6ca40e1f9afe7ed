"""Extract the numbered clauses of the seed text, mending page-break splits.

Used once to write loaders/rulebooks/tongwei-2018.yaml and by a test that checks the
rulebook's clause texts against the seed. Usage: python tools/seed_clauses.py SEED.txt
"""

from __future__ import annotations

import re
import sys

SECTION = re.compile(r"^([一二三四五])、")
ITEM = re.compile(r"^(\d+)\.\s*")
# A page break repeated the first character of the next page once: "帮扶工\n\n工作队".
REPEATED = [("县驻村帮扶工工作队", "县驻村帮扶工作队")]


def clauses(text: str) -> dict[str, str]:
    paras = [p.strip() for p in text.split("\n") if p.strip()]
    start = next(i for i, p in enumerate(paras) if p.startswith("一、"))
    merged: list[str] = []
    for p in paras[start:]:
        if merged and not SECTION.match(p) and not ITEM.match(p) and not merged[-1].endswith(("。", "：")):
            merged[-1] += p
        else:
            merged.append(p)
    out: dict[str, str] = {}
    section = ""
    for p in merged:
        if m := SECTION.match(p):
            section = m.group(1)
            continue
        if m := ITEM.match(p):
            body = p
            for bad, good in REPEATED:
                body = body.replace(bad, good)
            out[f"{section}.{m.group(1)}"] = body
        elif p.startswith("对未能按照上述责任清单"):
            out["结语"] = p
    return out


if __name__ == "__main__":
    for cid, body in clauses(open(sys.argv[1], encoding="utf-8").read()).items():
        print(cid, body)
