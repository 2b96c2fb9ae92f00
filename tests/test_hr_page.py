"""The HR page (绩效考核) in AppTest and the `daihou scores` / `daihou bonus` commands, over the
demo bank: the same figures as metrics.scores, an exact allocation, no borrower data."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from apptest_pages import assert_clean, page_opener
from fixtures_demo import DemoBank
from streamlit.testing.v1 import AppTest

from metrics.periods import parse_period
from metrics.scope import Scope
from metrics.scores import manager_scores
from warehouse.connection import Warehouse

PAGE = "views/hr.py"
Q4 = parse_period("2025Q4")
CUSTOMER_ID = re.compile(r"C\d{9}")

pytestmark = pytest.mark.slow


@pytest.fixture
def page(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> Callable[..., AppTest]:
    use_warehouse(demo_bank.settings.warehouse_path)
    return page_opener(PAGE, timeout=90)


def expected_scores(bank: DemoBank, org: str) -> object:
    with Warehouse(bank.settings.warehouse_path).connect_read_only() as con:
        return manager_scores(con, Scope(org), Q4, bank.settings)


def test_ranking_equals_the_scores_and_names_no_borrower(
    page: Callable[..., AppTest], demo_bank: DemoBank
) -> None:
    at = page(org="BR01")
    assert_clean(at)
    expected = expected_scores(demo_bank, "BR01")
    ranking = next(d.value for d in at.dataframe if "total" in d.value.columns)
    assert len(ranking) == len(expected)
    assert ranking["total"].round(2).tolist() == expected["total"].round(2).tolist()
    assert ranking["id"].tolist() == expected["manager_id"].tolist()
    # staff figures only: no customer id anywhere on the page
    texts = [str(e.value) for e in (*at.markdown, *at.caption, *at.metric)]
    for frame in (d.value for d in at.dataframe):
        texts += [str(v) for v in frame.astype(str).to_numpy().ravel()]
        assert not {"customer_id", "customer_name", "id_number"} & set(frame.columns)
    assert not any(CUSTOMER_ID.search(s) for s in texts)


def test_bonus_from_a_pool_entered_on_the_page(page: Callable[..., AppTest]) -> None:
    at = page(org="BR02")
    at.number_input[0].set_value(123456.78).run()
    assert_clean(at)
    allocation = at.dataframe[-1].value
    shares = [Decimal(str(v)) for v in allocation.iloc[:, 6] if str(v) not in ("nan", "None")]
    assert sum(shares) == Decimal("123456.78")


def test_english_and_a_month(page: Callable[..., AppTest]) -> None:
    at = page(lang="en", state={"hr_kind": "month"}, org="BR01-S01")
    assert_clean(at)
    assert at.title[0].value.endswith("Post-loan performance")


def daihou(*args: str, bank: DemoBank) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "daihou.cli", *args]
    cmd += ["--warehouse", str(bank.settings.warehouse_path)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def test_scores_and_bonus_commands(demo_bank: DemoBank, tmp_path: Path) -> None:
    done = daihou("scores", "--period", "2025Q4", "--org", "BR01", "--out",
                  str(tmp_path / "s.xlsx"), bank=demo_bank)  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["评分明细", "口径与参数"]
    assert "2025-12-31" in str(book["评分明细"]["A2"].value)

    runs = []
    for name in ("b1.csv", "b2.csv"):
        done = daihou("bonus", "--period", "2025Q4", "--pool", "500000.00", "--org", "BR01",
                      "--out", str(tmp_path / name), bank=demo_bank)  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs.append((tmp_path / name).read_text(encoding="utf-8-sig").splitlines())
    # the same inputs give the same file but for the generation-time line
    assert [line for line in runs[0] if "生成时间" not in line] == [
        line for line in runs[1] if "生成时间" not in line
    ]
    header = next(i for i, line in enumerate(runs[0]) if line.startswith("工号"))
    rows = list(csv.DictReader(io.StringIO("\n".join(runs[0][header:]))))
    shares = [Decimal(r["奖金（元）"]) for r in rows if r["奖金（元）"]]
    assert sum(shares) == Decimal("500000.00")

    refused = daihou("bonus", "--period", "2026Q1", "--pool", "1", "--out",
                     str(tmp_path / "x.csv"), bank=demo_bank)  # fmt: skip
    assert refused.returncode == 2 and "2026Q1" in refused.stderr
