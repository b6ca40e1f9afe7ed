"""A Tongwei-shaped demo county written as roster files in the assignment-list contract.

The 18 real township names and the 18 lead units of 三.1; villages, people, households and
findings are synthetic (seeded, sizes as options). The files go through the real loaders,
in the forms clerks really send: an .xlsx workbook with a title row, GBK and UTF-8 CSV.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ..graph.errors import ZerenError
from ..graph.projectfile import private_dir
from .values import check_digit

__all__ = ["TOWNSHIPS", "DemoCounty", "generate", "generator"]

TOWNSHIPS = ["平襄镇", "马营镇", "鸡川镇", "榜罗镇", "常家河镇", "义岗川镇", "陇阳镇", "陇山镇", "陇川镇",
             "碧玉镇", "襄南镇", "华家岭镇", "北城铺镇", "什川镇", "寺子川乡", "第三铺乡", "李家店乡", "新景乡"]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰海燕辉鹏飞成宏亮晓东春梅雪松德福旺生荣贵"
_PLACE = "川河沟岔湾岭坪塬庄堡咀梁洼台坡峪峡"
_PREFIX = "张李王刘赵杨马何邵石高牛陈苟谢康吴安"
_OTHER_UNITS = ["县发改局", "县财政局", "县农业农村局", "县卫健局", "县民政局", "县自然资源局", "县住建局",
                "县市场监管局", "县统计局", "县商务局", "县文旅局", "县应急局", "县医保局", "县气象局", "县供销社",
                "县农发行", "县农商银行", "县国网供电公司", "县税务局", "县乡村振兴局", "县妇联", "团县委", "县总工会",
                "县科协", "县残联", "县档案馆", "县融媒体中心", "县司法局", "县退役军人局", "县生态环境分局"]
_HIGHER_UNITS = [("定西市财政局", "市直"), ("定西市交通局", "市直"), ("定西市卫健委", "市直"),
                 ("甘肃省审计厅", "省直"), ("甘肃省交通运输厅", "省直"), ("中国农业发展银行甘肃省分行", "省直")]
LEAD_UNITS = ["县纪委", "县委办公室", "人大常委会办公室", "县政府办公室", "县政协办公室", "县法院", "县检察院", "县委组织部",
              "县委宣传部", "县委统战部", "县委政法委", "县交通局", "县审计局", "县水务局", "县公安局", "县教体局", "县人社局",
              "县林果中心"]


@dataclass
class DemoCounty:
    directory: Path
    files: list[Path] = field(default_factory=list)
    later_files: list[Path] = field(default_factory=list)
    failed_plan: str = ""
    failed_household: str = ""
    households: int = 0
    villages: int = 0
    teams: int = 0
    trace: tuple[str, str] = ("", "")  # the subject the demo traces: (kind, id)
    rulebook: str = "tongwei-2018"


def write_rows(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
    """A CSV roster as a clerk's Excel saves it (BOM, CRLF rows): the header, then the rows."""
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def generate(directory: str | Path, *, households: int = 35000, villages: int = 332, seed: int = 2018,
             poor_share: float = 0.6, year: int = 2019, townships: int = 18, xlsx: bool = False) -> DemoCounty:
    """Write the demo county's roster files into ``directory``; return what was written.

    ``townships`` above 18 adds synthetic township names (for province-sized benchmarks,
    whose townships have county-sized village and household counts). ``xlsx`` writes every
    roster as a workbook (by default the large ones are CSV, some GBK-encoded).
    """
    if townships < 1 or villages < max(townships, len(TOWNSHIPS)) or households < villages:
        raise ZerenError(f"demo sizes: need villages ≥ townships (≥ {len(TOWNSHIPS)}) and households ≥ villages; "
                         f"got {townships} townships, {villages} villages, {households} households")
    rnd = random.Random(seed)
    towns = list(TOWNSHIPS)
    extra = sorted({a + b + "乡" for a in _PREFIX + _SURNAMES for b in _PLACE} - set(towns))
    towns += random.Random(seed + 1).sample(extra, max(0, townships - len(towns)))
    out = DemoCounty(Path(directory))
    private_dir(out.directory)  # rosters hold names and 身份证号: owner only
    used: set[str] = set()

    def person() -> str:
        """A synthetic name, unique while the name space lasts (a province repeats names, as
        real ones do: a person is known by name within a unit or township)."""
        for _ in range(20):
            name = rnd.choice(_SURNAMES) + "".join(rnd.choice(_GIVEN) for _ in range(rnd.choice((1, 2, 2))))
            if name not in used:
                used.add(name)
                return name
        return name

    start = f"{year - 1}-06-01"
    town_index = {t: i for i, t in enumerate(towns)}
    # Villages per township, names unique within a township.
    per = [villages // len(towns) + (1 if i < villages % len(towns) else 0) for i in range(len(towns))]
    vill: dict[str, list[tuple[str, bool]]] = {}
    for t, n in zip(towns, per):
        names: list[str] = []
        taken = set()
        big = n > 300  # 576 plain names a township; a province needs ~700, so qualify them
        while len(names) < n:
            v = rnd.choice(_PREFIX) + rnd.choice("家山") + rnd.choice(_PLACE)
            v += (rnd.choice(("", "上", "下", "东", "西", "前", "后")) if big else "") + "村"
            if v not in taken:
                taken.add(v)
                names.append(v)
        vill[t] = [(v, rnd.random() < poor_share) for v in names]
        if not any(p for _, p in vill[t]):
            vill[t][0] = (vill[t][0][0], True)
    out.villages = villages

    # 乡镇 and 村: one workbook, a title row above each header, as county offices send them.
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "乡镇"
    ws.append(["通渭县各乡镇党政负责人名单"])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "乡镇", "党委书记", "乡镇长", "党建办主任", "起始日期", "终止日期"])
    secretaries, town_heads, directors = {}, {}, {}
    for i, t in enumerate(towns, 1):
        secretaries[t], town_heads[t], directors[t] = person(), person(), person()
        ws.append([i, t, secretaries[t], town_heads[t], directors[t], date(year - 1, 6, 1), None])
    ws2 = wb.create_sheet("村")
    ws2.append(["通渭县行政村及包村领导名单"])
    ws2.merge_cells("A1:G1")
    ws2.append(["序号", "乡镇", "村", "是否贫困村", "包村领导", "起始日期", "终止日期"])
    n = 0
    for t in towns:
        for v, poor in vill[t]:
            n += 1
            ws2.append([n, t, v, "是" if poor else "否", person(), start, ""])
    path = out.directory / "乡镇与村.xlsx"
    wb.save(path)
    out.files.append(path)

    def write_csv(name: str, header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> Path:
        if xlsx:  # the same roster as a workbook, one sheet named after it
            wb = Workbook(write_only=True)
            ws = wb.create_sheet(name.removesuffix(".csv")[:31])
            ws.append(header)
            for row in rows:
                ws.append(row)
            p = out.directory / name.replace(".csv", ".xlsx")
            wb.save(p)
            return p
        return write_rows(out.directory / name, header, rows, encoding)

    leaders = []
    titles = ["县委书记", "县长", "县委分管领导", "县政府分管领导", "挂职县委副书记"]
    for i, t in enumerate(towns):
        title = titles[i] if i < len(titles) else rnd.choice(["县委常委", "副县长", "县人大常委会副主任", "县政协副主席"])
        poor_v = [v for v, p in vill[t] if p]
        leaders.append([person(), title, t, "、".join(poor_v[:2]), start, ""])
    out.files.append(write_csv("县级领导.csv", ["姓名", "职务", "联系乡镇", "包抓村", "起始日期", "终止日期"], leaders))

    lead_rows = [[LEAD_UNITS[i % len(LEAD_UNITS)], t, person(), start, ""] for i, t in enumerate(towns)]
    out.files.append(write_csv("组长单位.csv", ["组长单位", "联系乡镇", "乡镇驻村帮扶工作队总队长", "起始日期", "终止日期"],
                               lead_rows, encoding="gb18030"))

    units = [(u, "县直") for u in LEAD_UNITS + _OTHER_UNITS] + _HIGHER_UNITS
    leaders_of = {u: (person(), person()) for u, _ in units}
    helper: dict[tuple[str, str], str] = {}
    help_rows = []
    for i, (t, vs) in enumerate(vill.items()):
        for v, poor in vs:
            if not poor:
                continue
            u, level = units[rnd.randrange(len(units))] if rnd.random() > 0.2 else (LEAD_UNITS[i % len(LEAD_UNITS)], "县直")
            helper[(t, v)] = u
            help_rows.append([u, level, *leaders_of[u], t, v, start, ""])
    out.files.append(write_csv("帮扶单位.csv", ["帮扶单位", "层级", "主要领导", "分管领导", "乡镇", "帮扶村", "起始日期",
                                              "终止日期"], help_rows, encoding="gb18030"))

    team_rows = []
    captains: dict[tuple[str, str], str] = {}
    for (t, v), u in helper.items():
        captains[(t, v)] = person()
        team_rows.append([t, v, captains[(t, v)], "队长", u, start, ""])
        team_rows.append([t, v, person(), "第一书记", u, start, ""])
        for _ in range(2):
            team_rows.append([t, v, person(), "队员", u, start, ""])
    out.teams = len(helper)
    team_header = ["乡镇", "村", "姓名", "队内职务", "派出单位", "起始日期", "终止日期"]
    out.files.append(write_csv("工作队.csv", team_header, team_rows))

    # Households: 3/4 in poor villages. Cadres of the village's helping unit, ~5 households each.
    all_villages = [(t, v, p) for t, vs in vill.items() for v, p in vs]
    poor_villages = [x for x in all_villages if x[2]]
    pair_rows, plan_rows = [], []
    cadres: dict[str, list[str]] = {}
    hh_ids: list[tuple[str, str, str]] = []
    birth0 = date(1940, 1, 1)
    for i in range(households):
        t, v, _ = rnd.choice(poor_villages) if rnd.random() < 0.75 else rnd.choice(all_villages)
        unit = helper.get((t, v)) or LEAD_UNITS[town_index[t] % len(LEAD_UNITS)]
        pool = cadres.setdefault(unit, [])
        if not pool or rnd.random() < 0.2:
            pool.append(person())
        cadre = rnd.choice(pool)
        hid = f"6211{town_index[t]:02d}{i:06d}" if len(towns) <= 100 else f"62{town_index[t]:05d}{i:07d}"
        born = birth0 + timedelta(days=rnd.randrange(0, 60 * 365))
        first17 = f"621121{born:%Y%m%d}{rnd.randrange(1000):03d}"
        pair_rows.append([hid, person() if i < 2000 else rnd.choice(_SURNAMES) + rnd.choice(_GIVEN) + rnd.choice(_GIVEN),
                          first17 + check_digit(first17), t, v, cadre, unit, start, ""])
        plan_rows.append([hid, f"P{hid}", f"{year - 1}-07-{rnd.randrange(1, 29):02d}", "已制定"])
        hh_ids.append((hid, t, v))
    out.households = households
    out.files.append(write_csv("结对帮扶.csv", ["户编号", "户主姓名", "身份证号", "乡镇", "村", "帮扶责任人", "帮扶责任人单位",
                                              "起始日期", "终止日期"], pair_rows))

    # A round of inspections in Q2 covering every finding type of the list: plan failures (one
    # township well over 3%), absent teams, a stagnating village (and one helped only by a
    # provincial unit, which 三.5 does not bind), lax management (in a township whose 党建办主任
    # post stands vacant), an unfit cadre, an annual task missed, negative incidents on a
    # township, a unit and a cadre, unsolved problems, a weak 两委 (and one in a village that is
    # not poor), county-level lapses, and one 未制定 finding that the plan roster contradicts.
    f_rows = []
    hot = towns[1]
    by_t: dict[str, list[str]] = {}
    for hid, t, _v in hh_ids:
        by_t.setdefault(t, []).append(hid)

    def when() -> str:
        return (date(year, 4, 1) + timedelta(days=rnd.randrange(0, 91))).isoformat()

    for t, hids in by_t.items():
        share = 0.045 if t == hot else (0.029 if t == towns[2] else rnd.choice([0.0, 0.005, 0.01, 0.015]))
        for hid in rnd.sample(hids, int(len(hids) * share)):
            f_rows.append([when(), "县委督查室", rnd.choice(["一户一策未制定", "一户一策未落实"]), "户", hid, "督查抽查"])
    hot_rows = [r[4] for r in f_rows if r[4] in by_t.get(hot, ())]
    if not hot_rows:  # a small county: make sure one plan of the hot township failed
        hot_rows = [by_t[hot][0]] if by_t.get(hot) else [hh_ids[0][0]]
        f_rows.append([when(), "县委督查室", "一户一策未制定", "户", hot_rows[0], "督查抽查"])
    out.failed_household = hot_rows[0]
    out.failed_plan = f"P{out.failed_household}"
    out.trace = ("plan", out.failed_plan)
    # The plan roster agrees with the inspections: a plan found 未制定 is recorded 未制定, but one.
    unmade = {r[4] for r in f_rows if r[2] == "一户一策未制定"}
    contradicted = next((h for h, _t, _v in hh_ids if h not in {r[4] for r in f_rows}), None)
    if contradicted:
        f_rows.append([when(), "县政府督查室", "一户一策未制定", "户", contradicted, "入户核查未见计划"])
    for row in plan_rows:
        if row[0] in unmade:
            row[2], row[3] = "", "未制定"
    out.files.append(write_csv("一户一策.csv", ["户编号", "计划编号", "制定日期", "状态"], plan_rows))

    teams = list(helper)
    hot_teams = [k for k in teams if k[0] == hot]
    for t, v in rnd.sample(teams, 4):
        f_rows.append([when(), "县驻村帮扶工作队管理领导小组办公室", "驻村走读", "工作队", f"{t}/{v}", "未吃住在村"])
    # Two teams of the hot township found 走读 in June for what went on in April, before their
    # captains were replaced on 05-01: the captain liable is the one in post when it happened.
    for k, (t, v) in enumerate(hot_teams[:2]):
        f_rows.append([f"{year}-06-{10 + k:02d}", "县驻村帮扶工作队管理领导小组办公室", "驻村走读", "工作队", f"{t}/{v}",
                       "群众反映4月份工作队长期不在村", f"{year}-04-{15 + k:02d}"])
    t, v = teams[5]
    f_rows.append([when(), "县政府督查室", "帮扶村发展停滞", "村", f"{t}/{v}", "产业发展长期停滞"])
    higher = {u for u, _level in _HIGHER_UNITS}
    provincial = next(((t, v) for (t, v), u in helper.items() if u in higher), None)
    if provincial:
        f_rows.append([when(), "县政府督查室", "帮扶村发展停滞", "村", "/".join(provincial), "基础设施建设停滞"])
    lax = towns[3]
    f_rows.append([when(), "县委督查室", "日常管理不严", "村", f"{hot}/{hot_teams[0][1]}", "干部两头跑"])
    f_rows.append([f"{year}-05-20", "县委督查室", "日常管理不严", "乡镇", lax, "工作队考勤流于形式"])
    f_rows.append([when(), "县委督查室", "年度任务未完成", "单位", helper[teams[7]], "年度脱贫任务未完成"])
    f_rows.append([when(), "县委组织部", "驻村干部不胜任", "干部", f"{team_rows[0][4]}/{team_rows[0][2]}", "长期不驻村"])
    f_rows.append([when(), "市督查组", "重大负面影响", "乡镇", towns[4], "涉贫舆情"])
    f_rows.append([when(), "市督查组", "重大负面影响", "单位", helper[teams[9]], "帮扶资金挪用被通报"])
    f_rows.append([when(), "市督查组", "重大负面影响", "干部", f"{team_rows[4][4]}/{team_rows[4][2]}", "酒驾被查处"])
    f_rows.append([when(), "县委督查室", "工作队反映问题未解决", "工作队", "/".join(teams[11]), "饮水工程问题反映三次未解决"])
    f_rows.append([when(), "县委督查室", "工作队反映问题未解决", "乡镇", towns[5], "工作队经费长期未报销"])
    poor_v = next((t, v) for t, vs in vill.items() for v, p in vs if p)
    plain_v = next(((t, v) for t, vs in vill.items() for v, p in vs if not p), None)
    f_rows.append([when(), "县委督查室", "两委作用发挥不好", "村", "/".join(poor_v), "村党支部软弱涣散"])
    if plain_v:
        f_rows.append([when(), "县委督查室", "两委作用发挥不好", "村", "/".join(plain_v), "村委会换届后不履职"])
    f_rows.append([when(), "省督查组", "整改不到位", "乡镇", towns[6], "省督查反馈问题逾期未整改"])
    f_rows.append([when(), "县委督查室", "乡镇帮扶推动不力", "乡镇", towns[7], "帮扶工作推进缓慢"])
    f_rows.append([when(), "市督查组", "部署落实不到位", "县", "通渭县", "产业扶贫部署在两个乡镇未落实"])
    f_rows.append([when(), "市督查组", "培训不足", "县", "通渭县", "驻村干部轮训仅3天"])
    f_rows.append([when(), "市督查组", "督查失察", "县", "通渭县", "重大失误未被县级督查发现"])
    f_rows = sorted(r + [""] * (7 - len(r)) for r in f_rows)
    out.files.append(write_csv("督查发现.csv", ["发现日期", "督查主体", "问题类型", "对象类型", "对象", "说明", "问题发生日期"],
                               f_rows))

    # The 党建办主任 of one township left on 2019-03-31; the successor starts in July.
    later_towns = write_csv(f"乡镇-{lax}-{year}年3月调整.csv",
                            ["乡镇", "党委书记", "乡镇长", "党建办主任", "起始日期", "终止日期"],
                            [[lax, secretaries[lax], town_heads[lax], directors[lax], date(year - 1, 6, 1),
                              f"{year}-03-31"],
                             [lax, secretaries[lax], town_heads[lax], "", f"{year}-04-01", f"{year}-06-30"],
                             [lax, secretaries[lax], town_heads[lax], person(), f"{year}-07-01", ""]])
    out.later_files.append(later_towns)

    # A rotation on 2019-05-01 in the hot township: two captains replaced (a later roster).
    later = [r for r in team_rows if r[0] == hot]
    for k in range(min(2, len(hot_teams))):
        t, v = hot_teams[k]
        later = [r for r in later if not (r[1] == v and r[3] == "队长")]
        later.append([t, v, person(), "队长", helper[(t, v)], f"{year}-05-01", ""])
    out.later_files.append(write_csv(f"工作队-{hot}-{year}年5月轮换.csv", team_header, later))

    # The county leaders' roster of 05-15: one township gets a new contact leader mid-quarter.
    moved = towns[8 % len(towns)]
    successor = person()
    new_leaders = []
    for row in leaders:
        if row[2] == moved:
            new_leaders.append([row[0], row[1], "", "", row[4], ""])
            new_leaders.append([successor, "副县长", moved, row[3], f"{year}-05-15", ""])
        else:
            new_leaders.append(row)
    out.later_files.append(write_csv(f"县级领导-{year}年5月调整.csv", ["姓名", "职务", "联系乡镇", "包抓村", "起始日期", "终止日期"],
                                     new_leaders))
    out.later_files.append(_duty_log(out, write_csv, random.Random(seed + 7), year=year, towns=towns, vill=vill,
                                     leaders=leaders, moved=moved, successor=successor, lead_rows=lead_rows,
                                     helper=helper, leaders_of=leaders_of, team_rows=team_rows, pair_rows=pair_rows,
                                     lax=lax))
    return out


def _duty_log(out: DemoCounty, write_csv, rnd: random.Random, *, year: int, towns, vill, leaders, moved, successor,
              lead_rows, helper, leaders_of, team_rows, pair_rows, lax) -> Path:
    """A first half-year's duty log (履职记录): most duties met, some missed, a visit to the wrong
    township, a contact leader's handover on 05-15, a township that held no 例会 after April."""
    rows: list[list[object]] = []

    def day(month: int, lo: int = 1, hi: int = 28) -> str:
        return date(year, month, rnd.randint(lo, hi)).isoformat()

    for q in (2, 5):  # the county: a 专题研究 each quarter, a 协调推进会 in the half-year
        rows.append([day(q), "县委", "专题研究", "", "", "常委会专题研究帮扶工作"])
    rows.append([day(3), "县政府", "协调推进会", "", "", ""])
    secretary = next(r[0] for r in leaders if r[1] == "县委书记")
    for q in (1, 4):
        rows.append([day(q), secretary, "队长会议", "", "", "驻村帮扶工作队队长会议"])
    rows.append([day(3), "县委督查室", "督查暗访", "", "", "一季度暗访"])  # none in the second quarter
    for t, v, name, role, unit, *_ in team_rows:  # 轮训: most 5 days or more by June
        for _ in range(rnd.choice((1, 2, 2, 3))):
            rows.append([day(rnd.randint(3, 6)), f"{unit}/{name}", "培训", "", rnd.choice((2, 2, 3)), "驻村干部轮训"])
    for name, _title, town, _villages, *_ in leaders:
        if not town:
            continue
        for month in range(1, 7):
            if town == moved and month == 5:
                rows.append([date(year, 5, 20).isoformat(), name, "调研指导", town, "", "交接后仍去原联系乡镇"])
                continue
            if town == moved and month == 6:
                rows.append([day(6), successor, "调研指导", town, "", ""])
                continue
            if (name, month) == (leaders[2][0], 6):
                continue  # one leader misses June
            where = town if (name, month) != (leaders[3][0], 5) else towns[(towns.index(town) + 1) % len(towns)]
            rows.append([day(month), name, "调研指导", where, "", ""])
        for month in (2, 5):  # a 推进会议 each quarter
            rows.append([day(month), name, "推进会议", town, "", ""])
        for v, poor in vill[town]:
            if poor and rnd.random() < 0.6:
                rows.append([day(rnd.randint(1, 6)), name, "走访", f"{town}/{v}", "", ""])
    for i, (unit, town, *_rest) in enumerate(lead_rows):
        if i % 7 != 3:
            rows.append([day(rnd.randint(1, 6)), unit, "协调推进会", town, "", "县直帮扶单位协调推进会"])
    for t in towns:
        for month in range(1, 7):
            if t == lax and month > 4:
                continue
            rows.append([day(month), t, "工作例会", "", "", "驻村帮扶工作队队长工作例会"])
    helped: dict[str, list[tuple[str, str]]] = {}
    for (t, v), unit in helper.items():
        helped.setdefault(unit, []).append((t, v))
    for k, (unit, places) in enumerate(sorted(helped.items())):
        main, deputy = leaders_of[unit]
        rows.append([day(rnd.randint(1, 6)), unit, "党组研究", "", "", ""])
        for q, months in enumerate(((1, 3), (4, 6))):
            if k % 9 == 4 and q == 1:
                continue  # a unit whose leaders did not go in the second quarter
            t, v = rnd.choice(places)
            rows.append([day(rnd.randint(*months)), f"{unit}/{rnd.choice((main, deputy))}", "调研指导", f"{t}/{v}", "", ""])
            rows.append([day(months[1]), unit, "进展报告", "", "", ""])
            rows.append([day(months[1]), unit, "回访", "", "", "回访选派干部"])
    for hid, _head, _idn, _t, _v, cadre, unit, *_ in pair_rows:
        if rnd.random() < 0.7:
            rows.append([day(rnd.randint(1, 6)), f"{unit}/{cadre}", "帮办实事", hid, "", ""])
    rows.sort(key=lambda r: str(r[0]))
    return write_csv("履职记录.csv", ["日期", "履职主体", "履职事项", "对象", "天数", "说明"], rows)


def generator(rulebook: str):
    """The demo generator of a built-in rulebook (each makes data shaped like its own list)."""
    if rulebook == "river-chief":
        from .demo_river import generate as river

        return river
    if rulebook == "tongwei-2018":
        return generate
    raise ZerenError(f"没有规则手册“{rulebook}”的演示数据（有：tongwei-2018、river-chief）")
