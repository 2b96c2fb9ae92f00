"""HR's Excel and CSV downloads (issue 5): sheets, header lines, values and number formats read
back with openpyxl; the configuration stamped on the file; CSV bytes reproducible; data never
turned into formulas."""

from __future__ import annotations

import csv
import io
import math
import pathlib
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from fixtures_browser import ARTIFACTS

from dashboard import hr_exports as hx
from metrics.bonus import allocate

D = Decimal
NAN = math.nan
AS_OF = date(2025, 12, 31)
AT = datetime(2026, 1, 5, 9, 30)
TITLE = "2025年第四季度 客户经理考核"
FORMULA_NAME = '=HYPERLINK("http://x","y")'

CONFIG = {
    "weights": {
        "timeliness": 25,
        "report_quality": 10,
        "asset_quality": 25,
        "migration": 10,
        "recovery": 15,
        "warning_handling": 15,
    },
    "npl_target": 0.02,
    "npl_cap": 0.10,
    "migration_cap": 0.05,
    "recovery_target": 0.20,
    "signal_resolution_days": 30,
    "min_obligations": 5,
    "bonus_threshold": 60,
    "bonus_deferred_share": 0.40,
}
CONFIG_LINE = (
    "配置：权重 检查及时性 25、报告质量 10、资产质量 25、下迁控制 10、清收成效 15、预警处置 15；"
    "不良贷款率目标 2%；不良贷款率上限 10%；下迁率上限 5%；清收率目标 20%；预警处置时限 30 天；"
    "参评最少应检查次数 5；奖金分配门槛 60 分；递延发放比例 40%"
)


def manager(mid: str, name: str, total: float, rated: bool, **components: tuple) -> dict:
    row = {
        "manager_id": mid,
        "manager_name": name,
        "org_id": "B01",
        "org_name": "城关支行",
        "total": total,
        "rated": rated,
        "not_rated_reason": None if rated else "few_obligations",
        "obligations": 20 if rated else 2,
        "loans": 31 if rated else 0,
    }
    for c in hx.COMPONENTS:
        numerator, denominator, raw, score, weight = components.get(c, (0, 0, NAN, NAN, 0))
        row |= {
            f"{c}_numerator": float(numerator),
            f"{c}_denominator": float(denominator),
            f"{c}_raw": raw,
            f"{c}_score": score,
            f"{c}_weight": weight,
        }
    return row


@pytest.fixture
def frame() -> pd.DataFrame:
    """Three managers, out of order: one full, one without recovery data (weights rescaled:
    25/85 = 29.41…), one not rated."""
    full = {
        "timeliness": (18, 20, 0.9, 90.0, 25.0),
        "report_quality": (7, 8, 0.875, 87.5, 10.0),
        "asset_quality": (150_000, 10_000_000, 0.015, 100.0, 25.0),
        "migration": (0, 9_000_000, 0.0, 100.0, 10.0),
        "recovery": (12_345.675, 100_000, 0.12345675, 61.73, 15.0),
        "warning_handling": (3, 4, 0.75, 75.0, 15.0),
    }
    rescaled = {c: (*v[:4], v[4] * 100 / 85) for c, v in full.items() if c != "recovery"}
    return pd.DataFrame(
        [
            manager("M03", "王五", NAN, False),
            manager("M02", FORMULA_NAME, 70.0, True, **rescaled),
            manager("M01", "张三", 86.25, True, **full),
        ]
    )


@pytest.fixture
def allocation(frame: pd.DataFrame) -> pd.DataFrame:
    # Σ s = 86.25 + 70 = 156.25: M01 1000 × 86.25 / 156.25 = 552.00, M02 448.00 (exact);
    # deferred 40%: 220.80 and 179.20.
    return allocate(frame, D("1000.00"), 60, D("0.40"))


def test_scores_table_reads_as_hr_expects(frame: pd.DataFrame) -> None:
    table = hx.scores_table(frame, "zh-CN")
    assert list(table.columns[:8]) == [
        "排名",
        "工号",
        "客户经理",
        "所属机构",
        "综合得分",
        "考核状态",
        "到期应检查数",
        "期末管户贷款笔数",
    ]
    assert list(table.columns[8:13]) == [
        "检查及时性·按时完成数",
        "检查及时性·到期应检查数",
        "检查及时性·按时率",
        "检查及时性·得分",
        "检查及时性·权重（%）",
    ]
    for name in ("检查及时性", "报告质量", "资产质量", "下迁控制", "清收成效", "预警处置"):
        assert f"{name}·得分" in table.columns
    assert len(table.columns) == 8 + 6 * 5
    rows = table.set_index("工号")
    assert list(rows.index) == ["M01", "M02", "M03"]  # ranked, not rated last
    assert list(rows["排名"]) == [1, 2, None]
    assert rows.loc["M03", "考核状态"] == "不参评：到期应检查不足且无管户贷款"
    assert rows.loc["M01", "考核状态"] == "参评"
    assert rows.loc["M03", "综合得分"] is None
    # amounts: Decimal yuan, half up to the fen; counts whole; ratios fractions
    assert rows.loc["M01", "资产质量·不良贷款余额（元）"] == D("150000.00")
    assert rows.loc["M01", "清收成效·清收金额（元）"] == D("12345.68")
    assert rows.loc["M01", "检查及时性·按时完成数"] == 18
    assert rows.loc["M01", "资产质量·不良贷款率"] == 0.015
    assert rows.loc["M02", "清收成效·清收率"] is None
    assert rows.loc["M02", "清收成效·权重（%）"] == 0
    assert rows.loc["M02", "客户经理"] == FORMULA_NAME


def test_scores_table_in_english(frame: pd.DataFrame) -> None:
    table = hx.scores_table(frame, "en")
    assert list(table.columns[:6]) == [
        "Rank",
        "Staff id",
        "Account manager",
        "Institution",
        "Total score",
        "Status",
    ]
    assert "Inspection timeliness: Score" in table.columns
    assert "Recovery: Recovered (yuan)" in table.columns
    assert table["Status"].iloc[2] == "Not rated: too few obligations and no loans"


def test_bonus_table(allocation: pd.DataFrame) -> None:
    table = hx.bonus_table(allocation, "zh-CN")
    assert list(table.columns) == [
        "工号",
        "客户经理",
        "所属机构",
        "综合得分",
        "参与分配",
        "未分配原因",
        "奖金（元）",
        "当期发放（元）",
        "递延发放（元）",
    ]
    assert list(table["奖金（元）"]) == [D("552.00"), D("448.00"), D("0.00")]
    assert list(table["当期发放（元）"]) == [D("331.20"), D("268.80"), D("0.00")]
    assert list(table["递延发放（元）"]) == [D("220.80"), D("179.20"), D("0.00")]
    assert list(table["参与分配"]) == ["是", "是", "否"]
    assert list(table["未分配原因"]) == [None, None, "未参评"]
    english = hx.bonus_table(allocation, "en")
    assert list(english["Eligible"]) == ["Yes", "Yes", "No"]
    assert english["Reason for no bonus"].iloc[2] == "not rated"


def test_definitions_state_the_configured_rules() -> None:
    table = hx.definitions_table(CONFIG, "zh-CN")
    assert list(table.columns) == ["类别", "名称", "口径", "评分规则或取值", "权重（%）", "配置项"]
    components = table[table["类别"] == "评分指标"].set_index("名称")
    assert list(components.index) == [
        "检查及时性",
        "报告质量",
        "资产质量",
        "下迁控制",
        "清收成效",
        "预警处置",
    ]
    assert list(components["权重（%）"]) == [25, 10, 25, 10, 15, 15]
    assert "不高于 2%" in components.loc["资产质量", "评分规则或取值"]
    assert "达到 10% 为 0 分" in components.loc["资产质量", "评分规则或取值"]
    assert "达到 5% 为 0 分" in components.loc["下迁控制", "评分规则或取值"]
    assert "/ 20% × 100" in components.loc["清收成效", "评分规则或取值"]
    assert "30 天内解除" in components.loc["预警处置", "口径"]
    rules = table[table["类别"] == "计分规则"]["口径"].str.cat()
    assert "少于 5 次" in rules and "不低于 60 分" in rules and "40% 递延" in rules
    settings = table[table["类别"] == "参数"].set_index("配置项")
    assert settings.loc["scores.npl_target = 0.02", "评分规则或取值"] == "2%"
    assert settings.loc["scores.weights.recovery = 15", "名称"] == "权重：清收成效"
    assert settings.loc["scores.signal_resolution_days = 30", "评分规则或取值"] == "30 天"
    assert len(settings) == 6 + 8  # every configuration value, the weights one by one

    changed = hx.definitions_table({**CONFIG, "npl_target": 0.025, "npl_cap": 0.12}, "en")
    rule = changed.set_index("Name").loc["Asset quality", "Scoring rule or value"]
    assert rule == "100 at or below 2.5%, falling linearly to 0 at 12%"


def test_definitions_of_the_settings_model() -> None:
    settings = pytest.importorskip("daihou.settings")
    if not hasattr(settings, "ScoreRules"):
        pytest.skip("settings.scores not there yet")
    config = settings.ScoreRules().model_dump()
    table = hx.definitions_table(config, "zh-CN")
    shown = set(table["配置项"])
    for path, _, _ in hx._flatten(config, "scores."):
        assert any(s.startswith(f"{path} = ") for s in shown), path


def sheet_rows(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_workbook_read_back(frame: pd.DataFrame, allocation: pd.DataFrame) -> None:
    data = hx.workbook(frame, allocation, CONFIG, AS_OF, AT, TITLE, "zh-CN")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["评分明细", "奖金分配", "口径与参数"]

    scores = book["评分明细"]
    assert scores["A1"].value == f"{TITLE} · 评分明细"
    assert scores["A1"].font.b
    assert scores["A2"].value == "数据日期：2025-12-31"
    assert scores["A3"].value == "生成时间：2026-01-05 09:30:00"
    assert scores["A4"].value == CONFIG_LINE
    assert scores["A5"].value is None
    header = [c.value for c in scores[6]]
    assert header == list(hx.scores_table(frame, "zh-CN").columns)
    assert scores["A6"].font.b
    assert scores.freeze_panes == "D7"
    assert scores.auto_filter.ref == "A6:AL9"
    col = {name: i + 1 for i, name in enumerate(header)}

    def cell(row: int, name: str) -> openpyxl.cell.cell.Cell:
        return scores.cell(row=row, column=col[name])

    assert [cell(r, "工号").value for r in (7, 8, 9)] == ["M01", "M02", "M03"]
    assert (cell(7, "综合得分").value, cell(7, "综合得分").number_format) == (86.25, "0.00")
    assert cell(9, "综合得分").value is None
    npl = cell(7, "资产质量·不良贷款余额（元）")
    assert (npl.value, npl.number_format) == (150000, "#,##0.00")
    assert cell(7, "清收成效·清收金额（元）").value == 12345.68
    ratio = cell(7, "资产质量·不良贷款率")
    assert (ratio.value, ratio.number_format) == (0.015, "0.00%")
    assert cell(7, "检查及时性·按时完成数").number_format == "#,##0"
    assert [cell(r, "排名").value for r in (7, 8, 9)] == [1, 2, None]
    weight = cell(8, "检查及时性·权重（%）")
    assert weight.value == pytest.approx(25 * 100 / 85) and weight.number_format == "0.00"
    name = cell(8, "客户经理")
    assert (name.value, name.data_type) == (FORMULA_NAME, "s")  # text, not a formula
    assert scores.column_dimensions["F"].width > 20  # the status text is readable

    bonus = book["奖金分配"]
    assert bonus["A1"].value == f"{TITLE} · 奖金分配"
    assert bonus["A2"].value == "数据日期：2025-12-31"
    assert bonus["A3"].value == "生成时间：2026-01-05 09:30:00"
    assert bonus["A4"].value == CONFIG_LINE
    assert bonus["A5"].value == "奖金池 1,000.00 元；参与分配门槛 60 分；递延比例 40%。"
    assert [c.value for c in bonus[7]] == list(hx.bonus_table(allocation, "zh-CN").columns)
    assert sheet_rows(bonus)[7:11] == [
        ["M01", "张三", "城关支行", 86.25, "是", None, 552, 331.2, 220.8],
        ["M02", FORMULA_NAME, "城关支行", 70, "是", None, 448, 268.8, 179.2],
        ["M03", "王五", "城关支行", None, "否", "未参评", 0, 0, 0],
        ["合计", None, None, None, None, None, 1000, 600, 400],
    ]
    assert {bonus.cell(row=r, column=c).number_format for r in (8, 11) for c in (7, 8, 9)} == {
        "#,##0.00"
    }
    assert bonus.freeze_panes == "C8"
    assert bonus.auto_filter.ref == "A7:I10"  # the total row is outside the filter

    definitions = book["口径与参数"]
    assert definitions["A1"].value == f"{TITLE} · 口径与参数"
    assert definitions["A2"].value == "数据日期：2025-12-31"
    assert definitions["A3"].value == "生成时间：2026-01-05 09:30:00"
    values = [v for row in sheet_rows(definitions) for v in row if isinstance(v, str)]
    for setting in ("scores.npl_target = 0.02", "scores.bonus_deferred_share = 0.4"):
        assert setting in values
    assert "scores.weights.timeliness = 25" in values
    assert "检查及时性" in values and "预警处置" in values


def test_workbook_without_allocation_and_in_english(frame: pd.DataFrame) -> None:
    book = openpyxl.load_workbook(io.BytesIO(hx.workbook(frame, None, CONFIG, AS_OF, AT, "T")))
    assert book.sheetnames == ["评分明细", "口径与参数"]
    english = hx.workbook(frame, None, CONFIG, AS_OF, AT, "T", "en")
    book = openpyxl.load_workbook(io.BytesIO(english))
    assert book.sheetnames == ["Scores", "Definitions"]
    assert book["Scores"]["A2"].value == "Data as of: 2025-12-31"
    assert book["Scores"]["A3"].value == "Generated: 2026-01-05 09:30:00"
    assert book["Scores"]["A4"].value.startswith("Configuration: weights Inspection timeliness 25")


def test_nobody_eligible_is_stated(frame: pd.DataFrame) -> None:
    nothing = allocate(frame, D("500.00"), 99, D("0.40"))
    book = openpyxl.load_workbook(io.BytesIO(hx.workbook(frame, nothing, CONFIG, AS_OF, AT, TITLE)))
    assert book["奖金分配"]["A6"].value == "无人达到分配条件，奖金池 500.00 元未分配。"
    assert "低于分配门槛" in hx.bonus_csv(nothing, CONFIG, AS_OF, AT, TITLE).decode("utf-8-sig")


def test_workbook_bytes_are_reproducible(frame: pd.DataFrame, allocation: pd.DataFrame) -> None:
    first = hx.workbook(frame, allocation, CONFIG, AS_OF, AT, TITLE)
    assert hx.workbook(frame.iloc[::-1], allocation, CONFIG, AS_OF, AT, TITLE) == first


def test_bonus_csv_exact(allocation: pd.DataFrame) -> None:
    data = hx.bonus_csv(allocation, CONFIG, AS_OF, AT, TITLE)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    assert data.decode("utf-8-sig").split("\r\n") == [
        f"{TITLE} · 奖金分配",
        "数据日期：2025-12-31",
        "生成时间：2026-01-05 09:30:00",
        CONFIG_LINE,
        '"奖金池 1,000.00 元；参与分配门槛 60 分；递延比例 40%。"',
        "",
        "工号,客户经理,所属机构,综合得分,参与分配,未分配原因,奖金（元）,当期发放（元）,递延发放（元）",
        "M01,张三,城关支行,86.25,是,,552.00,331.20,220.80",
        # a formula-like name gets a leading apostrophe: Excel shows it as text
        'M02,"\'=HYPERLINK(""http://x"",""y"")",城关支行,70.00,是,,448.00,268.80,179.20',
        "M03,王五,城关支行,,否,未参评,0.00,0.00,0.00",
        "",
    ]


def test_scores_csv(frame: pd.DataFrame) -> None:
    lines = hx.scores_csv(frame, CONFIG, AS_OF, AT, TITLE).decode("utf-8-sig").split("\r\n")
    assert lines[:6] == [
        f"{TITLE} · 评分明细",
        "数据日期：2025-12-31",
        "生成时间：2026-01-05 09:30:00",
        CONFIG_LINE,
        "",
        ",".join(hx.scores_table(frame, "zh-CN").columns),
    ]
    assert lines[6] == (
        "1,M01,张三,城关支行,86.25,参评,20,31,"
        "18,20,90.00%,90.00,25.00,"
        "7,8,87.50%,87.50,10.00,"
        "150000.00,10000000.00,1.50%,100.00,25.00,"
        "0.00,9000000.00,0.00%,100.00,10.00,"
        "12345.68,100000.00,12.35%,61.73,15.00,"
        "3,4,75.00%,75.00,15.00"
    )
    second = next(csv.reader([lines[7]]))
    assert second[2] == "'" + FORMULA_NAME
    assert second[28:33] == ["0.00", "0.00", "", "", "0.00"]  # recovery left out
    assert second[12] == "29.41"  # 25 × 100 / 85
    assert lines[8].startswith(",M03,王五,城关支行,,不参评：到期应检查不足且无管户贷款,2,0,")


def test_csv_identical_apart_from_the_generation_time(
    frame: pd.DataFrame, allocation: pd.DataFrame
) -> None:
    later = datetime(2026, 2, 1, 18, 5, 59)
    for make, data in ((hx.scores_csv, frame), (hx.bonus_csv, allocation)):
        first = make(data, CONFIG, AS_OF, AT, TITLE)
        assert make(data, CONFIG, AS_OF, AT, TITLE) == first
        again = make(data, CONFIG, AS_OF, later, TITLE).decode("utf-8-sig").split("\r\n")
        lines = first.decode("utf-8-sig").split("\r\n")
        differ = [i for i, (a, b) in enumerate(zip(lines, again, strict=True)) if a != b]
        assert differ == [2] and again[2] == "生成时间：2026-02-01 18:05:59"
    # row order of the input does not matter
    assert hx.scores_csv(frame.iloc[::-1], CONFIG, AS_OF, AT, TITLE) == hx.scores_csv(
        frame, CONFIG, AS_OF, AT, TITLE
    )


@pytest.mark.slow
@pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftoppm")),
    reason="LibreOffice (soffice) and poppler (pdftoppm) are needed to render the workbook",
)
def test_workbook_renders(
    frame: pd.DataFrame, allocation: pd.DataFrame, tmp_path: pathlib.Path
) -> None:
    """LibreOffice opens the file and prints every sheet; the pages go to tests/artifacts/
    (hr_export-<page>.png) to be looked at."""
    book = tmp_path / "hr_export.xlsx"
    book.write_bytes(hx.workbook(frame, allocation, CONFIG, AS_OF, AT, TITLE))
    profile = (tmp_path / "lo").as_uri()
    convert = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to"]
    subprocess.run(
        [*convert, "pdf", "--outdir", str(tmp_path), str(book)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    pdf = tmp_path / "hr_export.pdf"
    assert pdf.stat().st_size > 0
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("hr_export-*.png"):
        old.unlink()
    prefix = ARTIFACTS / "hr_export"
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(prefix)], check=True, timeout=60)
    # scores over several pages (names repeated), bonus and definitions one page each
    assert len(list(ARTIFACTS.glob("hr_export-*.png"))) >= 3
