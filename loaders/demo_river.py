"""A demo county for the 河长制 pack (``river-chief``): rivers with their county-level chiefs,
township segments and village stretches with theirs, a quarter of inspection findings and a
patrol log — written as roster files and loaded through the real loaders, like the Tongwei demo.

Place, river and person names are synthetic (seeded).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from ..graph.projectfile import private_dir
from .demo import DemoCounty, write_rows

__all__ = ["generate"]

_TOWNS = ["河口镇", "柳湾乡", "石桥镇", "杨家坪乡", "北山镇", "南川乡"]
_RIVERS = [("清水河", "42"), ("白杨河", "27"), ("黑石沟", "15")]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华建国志红文斌玉兰海燕辉鹏飞成宏亮晓东春梅雪松德福旺生荣贵"
_PLACE = "湾沟岔坪庄堡台坡峪川"
_UNITS = ["县水务局", "县生态环境局", "县自然资源局", "县农业农村局", "县住建局", "县交通局"]


def generate(directory: str | Path, *, seed: int = 2017, year: int = 2019, **_: object) -> DemoCounty:
    """Write the river demo's roster files into ``directory``; return what was written."""
    rnd = random.Random(seed)
    out = DemoCounty(Path(directory))
    private_dir(out.directory)  # rosters hold names: owner only
    used: set[str] = set()

    def person() -> str:
        for _ in range(50):
            name = rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.choice((1, 2))))
            if name not in used:
                used.add(name)
                return name
        return name

    def write(name: str, header: list[str], rows: list[list[object]]) -> Path:
        return write_rows(out.directory / name, header, rows)

    start = f"{year - 2}-06-01"
    villages = {t: [rnd.choice("东西南北上下") + rnd.choice(_PLACE) + "村" for _ in range(4)] for t in _TOWNS}
    villages = {t: list(dict.fromkeys(vs)) for t, vs in villages.items()}
    out.files.append(write("行政村.csv", ["乡镇", "村", "起始日期", "终止日期"],
                           [[t, v, start, ""] for t, vs in villages.items() for v in vs]))
    # 总河长: the county party secretary until a handover in the quarter, then the successor.
    handover = date(year, 5, 15)
    first_chief, second_chief = person(), person()
    out.files.append(write("总河长.csv", ["总河长", "职务", "起始日期", "终止日期"],
                           [[first_chief, "县委书记", start, (handover - timedelta(days=1)).isoformat()],
                            [second_chief, "县委书记", handover.isoformat(), ""]]))
    chiefs = [[river, km, person(), rnd.choice(["副县长", "县委常委", "县人大常委会副主任"]), _UNITS[i % len(_UNITS)],
               start, ""] for i, (river, km) in enumerate(_RIVERS)]
    out.files.append(write("县级河长.csv", ["河流", "县内长度（公里）", "县级河长", "职务", "联系单位", "起始日期", "终止日期"],
                           chiefs))
    segments, stretches = [], []
    towns_of = {river: rnd.sample(_TOWNS, 3) for river, _ in _RIVERS}
    for river, _km in _RIVERS:
        for t in towns_of[river]:
            seg = f"{t[:2]}段"
            segments.append([river, seg, t, person(), start, ""])
            for v in villages[t][:3]:
                stretches.append([river, seg, f"{v[:2]}段", t, v, person(), person(), start, ""])
    out.files.append(write("乡级河长.csv", ["河流", "乡级河段", "乡镇", "乡级河长", "起始日期", "终止日期"], segments))
    out.files.append(write("村级河长.csv", ["河流", "乡级河段", "村级河段", "乡镇", "村", "村级河长", "巡河员", "起始日期",
                                            "终止日期"], stretches))
    out.villages = sum(len(v) for v in villages.values())
    out.teams = len(stretches)

    def when(lo: int = 4, hi: int = 6) -> str:
        d0 = date(year, lo, 1)
        return (d0 + timedelta(days=rnd.randrange((date(year, hi, 28) - d0).days))).isoformat()

    f_rows: list[list[object]] = []
    first = rivers_first = _RIVERS[0][0]
    hot = [s for s in stretches if s[0] == first]
    for s in hot[:3]:  # a third of the first river's stretches: over its 20% threshold
        f_rows.append([when(), "县河长制办公室", rnd.choice(["河道垃圾", "污水直排"]), "村段", f"{s[0]}/{s[1]}/{s[2]}",
                       "岸边堆放生活垃圾", ""])
    s = stretches[-1]
    f_rows.append([when(), "市河长制办公室", "非法采砂", "村段", f"{s[0]}/{s[1]}/{s[2]}", "夜间盗采河砂", ""])
    seg = segments[4]
    f_rows.append([when(), "县河长制办公室", "侵占河道", "河段", f"{seg[0]}/{seg[1]}", "违建养殖棚", ""])
    f_rows.append([when(), "县河长制办公室", "巡河不到位", "村段", f"{hot[1][0]}/{hot[1][1]}/{hot[1][2]}", "巡河记录缺失", ""])
    f_rows.append([when(5, 6), "县河长制办公室", "问题整改不到位", "河段", f"{segments[0][0]}/{segments[0][1]}",
                   "上季度交办问题未整改", ""])
    f_rows.append([when(), "县河长制办公室", "巡河不到位", "河长", f"{segments[2][2]}/{segments[2][3]}", "一季度未巡河",
                   ""])
    f_rows.sort()
    out.files.append(write("督查发现.csv", ["发现日期", "督查主体", "问题类型", "对象类型", "对象", "说明", "问题发生日期"],
                           f_rows))
    patrols: list[list[object]] = []
    for river, _km, chief, *_ in chiefs:
        for month in (4, 6) if river != rivers_first else (4,):
            patrols.append([date(year, month, rnd.randint(1, 28)).isoformat(), chief, "巡河", river, "", ""])
    for river, seg, t, chief, *_ in segments:
        for month in (4, 5, 6):
            if rnd.random() < 0.85:
                patrols.append([date(year, month, rnd.randint(1, 28)).isoformat(), f"{t}/{chief}", "巡河",
                                f"{river}/{seg}", "", ""])
    for river, seg, st, t, v, chief, *_ in stretches:
        for month in (4, 5, 6):
            for _ in range(rnd.choice((3, 4, 4, 5))):
                patrols.append([date(year, month, rnd.randint(1, 28)).isoformat(), f"{t}/{chief}", "巡河",
                                f"{river}/{seg}/{st}", "", ""])
    patrols.append([date(year, 4, 2).isoformat(), "县河长制办公室", "督查", "", "", "二季度河长制督查"])
    patrols.sort(key=lambda r: str(r[0]))
    out.later_files.append(write("巡河记录.csv", ["日期", "履职主体", "履职事项", "对象", "天数", "说明"], patrols))
    out.households = len(stretches)
    out.trace = ("stretch", f"{hot[0][0]}/{hot[0][1]}/{hot[0][2]}")
    out.rulebook = "river-chief"
    return out
