"""The duty log (履职记录) as clerks load it: who did which duty, when, where; every refusal."""

from __future__ import annotations

import pytest
from rosters import write_base, write_csv
from zeren.cli.main import cli
from zeren.graph.store import Store

HEADER = ["日期", "履职主体", "履职事项", "对象", "天数", "说明"]


@pytest.fixture
def county(project, tmp_path, runner):
    result = runner.invoke(cli, ["--project", str(project), "load", *map(str, write_base(tmp_path))])
    assert result.exit_code == 0, result.output
    return project


def _load(runner, project, tmp_path, rows, name="log.csv"):
    return runner.invoke(cli, ["--project", str(project), "load", str(write_csv(tmp_path / name, HEADER, rows))])


def test_duty_log_loads_people_bodies_and_places(county, tmp_path, runner):
    rows = [["2019-04-10", "林书记", "调研指导", "甲镇", "", "到联系乡镇调研"],
            ["2019-04-20", "县委督查室", "督查暗访", "", "", ""],
            ["2019-05-02", "县财政局/褚局长", "调研指导", "甲镇/东村", "", ""],
            ["2019-05-03", "县财政局/韩队长", "培训", "", "3", "第一期轮训"],
            ["2019-05-04", "县财政局/何干部", "帮办实事", "H001", "", "修缮房屋"],
            ["2019-05-05", "甲镇", "工作例会", "", "", ""]]
    result = _load(runner, county, tmp_path, rows)
    assert result.exit_code == 0, result.output
    assert "履职记录（6 行" in result.output
    with Store.open(county) as store:
        got = [(d.subject_id, d.item, d.object_id, d.days) for d in store.duty_records()]
    assert got == [("person:通渭县/林书记", "调研指导", "township:甲镇", None),
                   ("body:县委督查室", "督查暗访", None, None),
                   ("person:县财政局/褚局长", "调研指导", "village:甲镇/东村", None),
                   ("person:县财政局/韩队长", "培训", None, 3.0),
                   ("person:县财政局/何干部", "帮办实事", "household:H001", None),
                   ("township:甲镇", "工作例会", None, None)]
    again = _load(runner, county, tmp_path, rows)
    assert again.exit_code == 0 and "无变化" in again.output  # loading it twice adds nothing


@pytest.mark.parametrize("row,column,phrase", [
    (["2019-04-10", "林书记", "吃饭", "", "", ""], "履职事项", "不是规则手册所列的履职事项；可用：专题研究、协调推进会"),
    (["2019-04-10", "林书计", "调研指导", "", "", ""], "履职主体", "履职主体不在项目中（是不是“通渭县/林书记”？）"),
    (["2019-04-10", "林书记", "调研指导", "火星", "", ""], "对象", "找不到该对象；可写：户"),
    (["2019-04-10", "县财政局/韩队长", "培训", "", "", ""], "天数", "“培训”按天数计，请填写天数"),
    (["2019-04-10", "县财政局/韩队长", "培训", "", "-2", ""], "天数", "天数应为大于0的数字"),
    (["2019-02-30", "林书记", "调研指导", "", "", ""], "日期", "不存在的日期"),
])
def test_duty_log_refusals(county, tmp_path, runner, row, column, phrase):
    before = county.read_bytes()
    result = _load(runner, county, tmp_path, [row])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"log.csv:第2行:{column}" in result.output and phrase in result.output, result.output
    assert county.read_bytes() == before


def test_an_ambiguous_name_asks_for_the_unit(county, tmp_path, runner):
    pairing = write_csv(tmp_path / "p.csv", ["户编号", "户主姓名", "身份证号", "乡镇", "村", "帮扶责任人", "帮扶责任人单位",
                                              "起始日期", "终止日期"],
                        [["H009", "户主九", "", "乙乡", "北村", "何干部", "县交通局", "2018-06-01", ""]])
    assert runner.invoke(cli, ["--project", str(county), "load", "--add", str(pairing)]).exit_code == 0
    result = _load(runner, county, tmp_path, [["2019-04-10", "何干部", "帮办实事", "H001", "", ""]])
    assert result.exit_code == 1 and "有 2 人同名" in result.output and "请写成“单位/姓名”" in result.output
