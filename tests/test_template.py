"""zeren template: workbooks that guide — example row, 填表说明, drop-downs, column formats, widths —
for any pack; an untouched template loads nothing and errs on nothing."""

from __future__ import annotations

import copy
import re

import pytest
from openpyxl import load_workbook
from zeren.cli.main import cli
from zeren.graph.errors import ZerenError
from zeren.graph.rules import parse_rulebook
from zeren.graph.store import Store
from zeren.loaders.guide import column_guides, display_width, example_problems, text_columns
from zeren.loaders.rosters import load_files
from zeren.loaders.rulebook import load_rulebook
from zeren.loaders.template import EXAMPLE_MARK, GUIDE_SHEET, write_templates

from rosters import write_base

PACKS = ["tongwei-2018", "river-chief"]


@pytest.fixture(scope="module", params=PACKS)
def made(request, tmp_path_factory):
    rb = load_rulebook(request.param)
    directory = tmp_path_factory.mktemp(request.param)
    return rb, directory, write_templates(directory, rb)


def _validations(ws) -> dict[str, object]:
    """Header → its data validation (every column of a data sheet has one)."""
    headers = {c.column_letter: c.value for c in ws[2]}
    out = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split(":")[0]
        letter = re.match(r"[A-Z]+", first).group(0)
        assert first == f"{letter}3" and str(dv.sqref).endswith("1048576")  # the whole column below the header
        out[headers[letter]] = dv
    return out


def _items(wb, dv) -> list[str]:
    """The values a list validation offers: inline, or a range of the guide sheet."""
    formula = dv.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    first, last = cells.replace("$", "").split(":")
    ws = wb[sheet.strip("'")]
    return [c.value for (c,) in ws[f"{first}:{last}"]]


def test_one_workbook_per_roster_and_one_with_every_sheet(made):
    rb, directory, paths = made
    assert [p.name for p in paths] == [f"{r.name}.xlsx" for r in rb.pack.rosters] + ["全部清单.xlsx"]
    every = load_workbook(paths[-1])
    assert every.sheetnames == [r.name for r in rb.pack.rosters] + [GUIDE_SHEET]
    for roster, path in zip(rb.pack.rosters, paths):
        assert load_workbook(path).sheetnames == [roster.name, GUIDE_SHEET]


def test_data_sheet_example_header_formats_widths(made):
    rb, directory, paths = made
    for roster, path in zip(rb.pack.rosters, paths):
        ws = load_workbook(path)[roster.name]
        assert [c.value for c in ws[2]] == ["序号", *roster.headers]
        example = [c.value or "" for c in ws[1]]
        assert example[0] == EXAMPLE_MARK and example[1:] == list(roster.example) + [""] * (
            len(roster.headers) - len(roster.example))
        assert ws.freeze_panes == "A3"
        typed = text_columns(rb.pack, roster)
        dates = set(roster.valid or ()) | {roster.fields[f] for f in ("date", "occurred") if f in roster.fields}
        dates |= {p.column for k in rb.pack.model.kinds.values() for p in k.props.values() if p.type == "date"}
        for cell in ws[2][1:]:
            dim = ws.column_dimensions[cell.column_letter]
            want = "@" if cell.value in typed else "yyyy-mm-dd" if cell.value in dates else "General"
            assert dim.number_format == want, (roster.name, cell.value)
            assert dim.width >= display_width(cell.value) + 2, (roster.name, cell.value)
            if cell.value == "身份证号":
                assert dim.width >= 20  # an 18-digit 身份证号 shows whole
        assert set(_validations(ws)) == set(roster.headers)  # every column prompts what it wants
        for header, dv in _validations(ws).items():
            assert dv.showInputMessage and dv.promptTitle == header[:32] and dv.prompt


def test_drop_downs_come_from_the_pack(made):
    rb, directory, paths = made
    wb = load_workbook(paths[-1])  # 全部清单 has every roster's sheet
    findings = rb.pack.record_roster("finding")
    dvs = _validations(wb[findings.name])
    assert _items(wb, dvs[findings.fields["type"]]) == list(rb.finding_types)
    assert _items(wb, dvs[findings.fields["object_type"]]) == list(rb.pack.model.objects)
    assert dvs[findings.fields["type"]].errorStyle == "stop"  # the loader refuses any other type
    duty = rb.pack.record_roster("duty")
    assert _items(wb, _validations(wb[duty.name])[duty.fields["item"]]) == rb.evidence()
    for roster in rb.pack.rosters:
        dvs = _validations(wb[roster.name])
        for kind in rb.pack.model.kinds.values():
            for prop in kind.props.values():
                if prop.type == "bool" and prop.column in dvs:
                    assert _items(wb, dvs[prop.column]) == ["是", "否"]
        for column in roster.columns:
            if column.choices:
                assert _items(wb, dvs[column.name]) == list(column.choices)
        for slot in roster.slots:
            if slot.vocabulary:
                assert _items(wb, dvs[slot.column]) == list(getattr(rb, slot.vocabulary))
    for header, dv in _validations(wb[findings.name]).items():
        if header in (findings.fields["date"],):
            assert dv.type == "date"


def test_tongwei_closed_lists():
    rb = load_rulebook("tongwei-2018")
    guides = {(r.name, g.name): g for r in rb.pack.rosters for g in column_guides(rb, r)}
    assert guides[("村", "是否贫困村")].choices == ("是", "否") and guides[("村", "是否贫困村")].need == "必填"
    assert guides[("工作队", "队内职务")].choices[:3] == ("队长", "第一书记", "队员")
    assert guides[("组长单位", "组长单位")].choices == tuple(rb.lead_units) and guides[("组长单位", "组长单位")].strict
    assert guides[("结对帮扶", "身份证号")].format == "text" and "18位" in guides[("结对帮扶", "身份证号")].forms
    assert guides[("乡镇", "终止日期")].need == "可选列" and "仍在任" in guides[("乡镇", "终止日期")].meaning
    assert guides[("乡镇", "党委书记")].need == "可留空" and "党委书记" in guides[("乡镇", "党委书记")].meaning


def test_guide_sheet_explains_every_column_and_object(made):
    rb, directory, paths = made
    for roster, path in zip(rb.pack.rosters, paths):
        rows = [[c for c in r] for r in load_workbook(path)[GUIDE_SHEET].iter_rows(values_only=True)]
        head = rows.index(["列名", "填写", "含义", "可接受的写法", "也可识别的表头", "示例"])
        table = {r[0]: r for r in rows[head + 1: head + 1 + len(roster.columns)]}
        assert list(table) == roster.headers
        for column in roster.columns:
            name, need, meaning, forms, aliases, example = table[column.name]
            assert need in ("必填", "可留空", "可选列") and meaning
            assert (aliases or "") == "、".join(column.aliases)
            assert (need == "可选列") == column.optional
        if roster.valid:
            assert "2019年3月1日" in table[roster.valid[0]][3] and table[roster.valid[0]][1] == "必填"
        if roster.record == "finding":
            objects = rows.index(["对象类型", None, "对象的写法", None, None, None])
            hints = {r[0]: r[2] for r in rows[objects + 1: objects + 1 + len(rb.pack.model.objects)]}
            assert hints == {w: o.hint for w, o in rb.pack.model.objects.items()}
        if roster.record == "duty":
            items = rows.index(["履职事项", "条款", "职责", "要求", None, None])
            assert [r[0] for r in rows[items + 1: items + 1 + len(rb.evidence())]] == rb.evidence()


def test_the_packs_examples_fit_their_columns():
    """Each built-in example row would pass the loader's cell checks: required cells filled,
    dates and yes/no readable, closed lists respected."""
    for name in PACKS:
        rb = load_rulebook(name)
        for roster in rb.pack.rosters:
            assert example_problems(rb, roster) == [], (name, roster.name)
            assert [g.example for g in column_guides(rb, roster)][:len(roster.example)] == list(roster.example)


def test_an_example_that_does_not_fit_is_left_out():
    """A project made with an older pack keeps it: its misaligned example is not shown."""
    raw = copy.deepcopy(load_rulebook("tongwei-2018").raw)
    raw["rosters"]["村"]["example"] = ["平襄镇", "张家村", "是", "赵六", "2019-03-01", ""]  # a column short
    rb = parse_rulebook(raw, "test")
    roster = rb.pack.roster("村")
    assert example_problems(rb, roster) == ["起始日期：必填，示例为空"]
    assert all(g.example == "" for g in column_guides(rb, roster))


def test_an_untouched_template_loads_nothing(made, tmp_path):
    rb, directory, paths = made
    project = tmp_path / "p.db"
    Store.create(project, rb).close()
    with Store.open(project, readonly=False) as store:
        result = load_files(store, [str(p) for p in paths])
    assert sorted({t[2] for t in result.tables}) == sorted(r.name for r in rb.pack.rosters)
    assert all(t[3] == 0 for t in result.tables)  # no rows: the example above the header is not data
    assert not result.changed and result.batch is None


def test_an_untouched_template_closes_nothing_in_a_loaded_county(project, tmp_path, runner):
    assert runner.invoke(cli, ["--project", str(project), "load", *map(str, write_base(tmp_path))]).exit_code == 0
    result = runner.invoke(cli, ["--project", str(project), "template", str(tmp_path / "tpl")])
    assert result.exit_code == 0, result.output
    load = runner.invoke(cli, ["--project", str(project), "load", str(tmp_path / "tpl" / "全部清单.xlsx")])
    assert load.exit_code == 0, load.output
    assert "无变化" in load.output and "错误" not in load.output


def test_template_of_another_rulebook_without_a_project(tmp_path, runner):
    result = runner.invoke(cli, ["--project", str(tmp_path / "none.db"), "template", str(tmp_path / "t"),
                                 "--rulebook", "river-chief"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t" / "县级河长.xlsx").exists() and not (tmp_path / "none.db").exists()


def test_long_lists_live_on_the_guide_sheet(tmp_path):
    """A list longer than Excel's 255 characters is written to 填表说明 and referenced there."""
    raw = copy.deepcopy(load_rulebook("tongwei-2018").raw)
    raw["finding_types"].update({f"新增问题类型第{i:02d}号": {"objects": ["县"]} for i in range(40)})
    rb = parse_rulebook(raw, "test")
    paths = write_templates(tmp_path, rb)
    wb = load_workbook(tmp_path / "督查发现.xlsx")
    dv = _validations(wb["督查发现"])["问题类型"]
    assert dv.formula1.startswith(f"'{GUIDE_SHEET}'!$")
    assert _items(wb, dv) == list(rb.finding_types)
    assert len(dv.error) <= 225 and len(dv.prompt) <= 255  # Excel's limits, or it "repairs" the file
    every = load_workbook(paths[-1])
    assert _items(every, _validations(every["督查发现"])["问题类型"]) == list(rb.finding_types)


def test_an_example_longer_than_the_columns_is_refused():
    raw = copy.deepcopy(load_rulebook("tongwei-2018").raw)
    raw["rosters"]["一户一策"]["example"] = ["1", "2", "3", "4", "5"]
    with pytest.raises(ZerenError, match="示例有 5 个值"):
        parse_rulebook(raw, "test")
