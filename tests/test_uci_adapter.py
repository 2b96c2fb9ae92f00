"""Real data end to end: the UCI credit-card file → adapter → normal ETL → roll-rate metrics.

The reference figures here are computed with plain pandas from the ORIGINAL CSV and its README's
column meanings, following METRICS.md §3 (on the book = balance > 0; bucket edges from the
default AssetQualityRules). They never look at the adapter's output or the warehouse, so a
mistake in the adapter's month mapping or in the metric SQL shows up as a difference.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from figures_spec import ALL_KEYS

from daihou.settings import AssetQualityRules, Settings
from etl.adapters.uci_credit_card import to_extract
from etl.contract import CLASSES
from etl.load import LoadSummary, load_extract
from metrics import asset_quality, roll_rates
from metrics.scope import Scope
from warehouse.connection import Warehouse

SOURCE_DIR = Path(__file__).resolve().parents[1] / "data_sources" / "uci_credit_card"
SOURCE = SOURCE_DIR / "UCI_Credit_Card.csv"
ROOT = Scope("U000")  # the adapter's head office
RULES = AssetQualityRules()

# The README: PAY_0 = September, PAY_2 = August … PAY_6 = April; BILL_AMT1 = September …
# BILL_AMT6 = April. Month end → (repayment status column, statement balance column).
MONTHS: dict[date, tuple[str, str]] = {
    date(2005, 4, 30): ("PAY_6", "BILL_AMT6"),
    date(2005, 5, 31): ("PAY_5", "BILL_AMT5"),
    date(2005, 6, 30): ("PAY_4", "BILL_AMT4"),
    date(2005, 7, 31): ("PAY_3", "BILL_AMT3"),
    date(2005, 8, 31): ("PAY_2", "BILL_AMT2"),
    date(2005, 9, 30): ("PAY_0", "BILL_AMT1"),
}
PAIRS = list(itertools.pairwise(MONTHS))
PAIR_IDS = [f"{a:%b}-{b:%b}" for a, b in PAIRS]


@dataclass(frozen=True)
class Uci:
    extract: Path
    rows: dict[str, int]
    settings: Settings
    summary: LoadSummary


@pytest.fixture(scope="module")
def uci(tmp_path_factory: pytest.TempPathFactory) -> Uci:
    root = tmp_path_factory.mktemp("uci")
    extract = root / "extract"
    rows = to_extract(SOURCE, extract)
    settings = Settings(data_dir=root, warehouse=root / "uci.duckdb")
    return Uci(extract, rows, settings, load_extract(extract, settings))


@pytest.fixture(scope="module")
def con(uci: Uci) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(uci.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(SOURCE)


# -- the plain-pandas reference (METRICS.md §3 on the original file) ------------------------


def bucket(status: pd.Series) -> pd.Series:
    """README: status k ≥ 1 = payment k months late = 30(k−1)+1 … 30k days past due; bucket
    that by the configured edges (M0 for status ≤ 0)."""
    late = status.clip(lower=0).to_numpy()
    index = np.where(late > 0, np.searchsorted(RULES.bucket_upper_edges, 30 * late) + 1, 0)
    return pd.Series(np.asarray(RULES.bucket_labels)[index], index=status.index)


def moves(raw: pd.DataFrame, prev: date, cur: date) -> pd.DataFrame:
    """Loans on the book at ``prev``: bucket there, bucket at ``cur`` (or settled), balances."""
    (prev_status, prev_bill), (cur_status, cur_bill) = MONTHS[prev], MONTHS[cur]
    balance_prev = raw[prev_bill].clip(lower=0)  # a credit balance owes nothing
    balance_cur = raw[cur_bill].clip(lower=0)
    frame = pd.DataFrame(
        {
            "from_bucket": bucket(raw[prev_status]),
            # off the book at t with no leaving status: the settled column (METRICS.md §2, §3)
            "to_bucket": bucket(raw[cur_status]).where(balance_cur > 0, "settled"),
            "balance_prev": balance_prev,
            "balance_cur": balance_cur,
        }
    )
    return frame[balance_prev > 0]


def reference_matrix(m: pd.DataFrame) -> dict[tuple[str, str], tuple[int, float, float, float]]:
    """(bucket at t−1, bucket at t or settled) → count, Σ balance at t−1, and the cell's share
    of its row by count and by balance (each row sums to 100%)."""
    cells = m.groupby(["from_bucket", "to_bucket"])["balance_prev"].agg(["size", "sum"])
    shares = cells / cells.groupby(level="from_bucket").transform("sum")
    return {
        k: (int(n), float(b), float(shares.at[k, "size"]), float(shares.at[k, "sum"]))
        for k, (n, b) in cells.iterrows()
    }


def rate(numerator: float, denominator: float) -> float | None:
    """None, not 0%, when there is nothing to divide by (METRICS.md)."""
    return numerator / denominator if denominator else None


def same(expected: float | None) -> object:
    """What a product rate must equal: None where the reference has no denominator."""
    return None if expected is None else pytest.approx(expected, rel=1e-9)


def reference_flow(m: pd.DataFrame, k: int) -> tuple[float | None, float | None]:
    """Flow Mk → Mk+1 (by balance: Σ balance at t / Σ balance at t−1; by count)."""
    labels = RULES.bucket_labels
    cohort = m[m["from_bucket"] == labels[k]]
    moved = cohort[cohort["to_bucket"] == labels[k + 1]]
    return (
        rate(moved["balance_cur"].sum(), cohort["balance_prev"].sum()),
        rate(len(moved), len(cohort)),
    )


def reference_entry_rate(m: pd.DataFrame) -> float | None:
    """M0 at t−1 → M1 or worse at t, by balance (a skip straight to M2 counts too)."""
    cohort = m[m["from_bucket"] == "M0"]
    entered = cohort[cohort["to_bucket"].isin(RULES.bucket_labels[1:])]
    return rate(entered["balance_cur"].sum(), cohort["balance_prev"].sum())


def reference_cure_rate_m1(m: pd.DataFrame) -> float | None:
    """Count of M1 at t−1 that are M0 (on the book, current) at t / count of M1 at t−1."""
    cohort = m[m["from_bucket"] == "M1"]
    return rate(int((cohort["to_bucket"] == "M0").sum()), len(cohort))


# -- the file and the load ------------------------------------------------------------------


def test_repo_copy_is_the_attributed_original() -> None:
    readme = (SOURCE_DIR / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"sha256 ([0-9a-f]{64})", readme)
    assert stated and hashlib.sha256(SOURCE.read_bytes()).hexdigest() == stated.group(1)
    assert "CC BY 4.0" in readme and "Yeh, I. C., & Lien, C. H. (2009)" in readme


def test_extract_loads_with_no_rejects(uci: Uci) -> None:
    expected = {
        "org_units": 17,  # head office, 4 branches, 12 sub-branches
        "staff": 24,
        "customers": 30_000,
        "loans": 30_000,
        "loan_snapshots": 6 * 30_000,
        "inspections": 0,
    }
    assert uci.rows == expected
    s = uci.summary
    assert (s.status, s.rows_rejected) == ("loaded", 0)
    assert {e.entity: e.rows_loaded for e in s.entities} == expected
    assert s.delivery_as_of == date(2005, 9, 30) and s.months == list(MONTHS)


def test_every_loan_has_a_snapshot_every_month(con: duckdb.DuckDBPyConnection) -> None:
    per_month = con.execute(
        "SELECT as_of_date, count(*), count(DISTINCT loan_id) FROM fct_loan_snapshot "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert per_month == [(m, 30_000, 30_000) for m in MONTHS]


def test_on_book_and_classes_follow_the_file(
    con: duckdb.DuckDBPyConnection, raw: pd.DataFrame
) -> None:
    """Per month: on the book = positive statement balance; class by months late under the
    credit-card rule (0 normal, 1–3 special mention, 4 substandard, 5–6 doubtful, 7+ loss)."""
    for month, (status_col, bill_col) in MONTHS.items():
        on_book = raw[raw[bill_col] > 0]
        late = on_book[status_col].clip(lower=0)
        expected_class = pd.cut(
            late,
            [-1, 0, 3, 4, 6, 99],
            labels=["normal", "special_mention", "substandard", "doubtful", "loss"],
        )
        expected = on_book.groupby(expected_class, observed=True)[bill_col].agg(["size", "sum"])
        summary = asset_quality.asset_quality_at(con, ROOT, month, RULES)
        assert summary.loan_count == len(on_book)
        assert summary.total_balance == int(on_book[bill_col].sum())
        got = {
            c: (summary.count_of(c), summary.balance_of(c)) for c in CLASSES if summary.count_of(c)
        }
        assert got == {str(c): (int(n), int(b)) for c, (n, b) in expected.iterrows()}, month


def test_org_drill_down_by_education(con: duckdb.DuckDBPyConnection, raw: pd.DataFrame) -> None:
    september = raw[raw["BILL_AMT1"] > 0]
    group = september["EDUCATION"].where(september["EDUCATION"].between(1, 3), 4)
    expected = september.groupby(group).size()
    branches = asset_quality.asset_quality_by_org(con, ROOT, date(2005, 9, 30), RULES)
    assert list(branches["org_id"]) == ["U100", "U200", "U300", "U400"]
    assert list(branches["loan_count"]) == [expected[g] for g in (1, 2, 3, 4)]


# -- roll rates: the product against the reference ----------------------------------------


@pytest.mark.parametrize(("prev", "cur"), PAIRS, ids=PAIR_IDS)
def test_transition_matrix(
    con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, prev: date, cur: date
) -> None:
    expected = reference_matrix(moves(raw, prev, cur))
    frame = roll_rates.transition_matrix(con, ROOT, cur, RULES)
    got = {(r.from_bucket, r.to_state): r for r in frame.itertuples()}
    assert got.keys() == expected.keys()
    for cell, (count, balance, count_share, balance_share) in expected.items():
        row = got[cell]
        assert row.loan_count == count, cell
        assert row.balance == pytest.approx(balance, abs=0.005), cell
        assert (row.count_share, row.balance_share) == pytest.approx((count_share, balance_share))


@pytest.mark.parametrize(("prev", "cur"), PAIRS, ids=PAIR_IDS)
def test_flow_entry_and_cure_rates(
    con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, prev: date, cur: date
) -> None:
    m = moves(raw, prev, cur)
    got = roll_rates.flow_rates(con, ROOT, cur, RULES)
    assert (got.month, got.previous_month) == (cur, prev)
    labels = RULES.bucket_labels
    assert [(f.from_bucket, f.to_bucket) for f in got.flows] == list(itertools.pairwise(labels))
    for k, flow in enumerate(got.flows):
        by_balance, by_count = reference_flow(m, k)
        step = f"{flow.from_bucket}→{flow.to_bucket}"
        assert flow.by_balance == same(by_balance), step
        assert flow.by_count == same(by_count), step
    assert got.entry_rate == same(reference_entry_rate(m))
    assert got.cure_rate_m1 == same(reference_cure_rate_m1(m))


def test_the_data_skips_buckets(raw: pd.DataFrame) -> None:
    """What makes this data a test of skipped buckets: before September almost nobody is one
    month late, so M0 → M2 far outnumbers M0 → M1 (METRICS.md §3 shows it as it is)."""
    skips = {}
    for prev, cur in PAIRS:
        m = moves(raw, prev, cur)
        from_m0 = m[m["from_bucket"] == "M0"]["to_bucket"]
        skips[cur] = (int((from_m0 == "M1").sum()), int((from_m0 == "M2").sum()))
    assert skips == {
        date(2005, 5, 31): (0, 809),
        date(2005, 6, 30): (1, 1157),
        date(2005, 7, 31): (1, 1497),
        date(2005, 8, 31): (1, 1415),
        date(2005, 9, 30): (129, 991),
    }


# -- the command line -----------------------------------------------------------------------


def daihou(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daihou.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_demo_dataset_uci_loads_its_own_warehouse(tmp_path: Path) -> None:
    done = daihou("demo", "--dataset", "uci", "--no-serve", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "(0 rejected)" in done.stderr
    assert (tmp_path / "uci-extract" / "loans.csv").is_file()
    assert (tmp_path / "uci.duckdb").exists() and not (tmp_path / "daihou.duckdb").exists()


def test_adapt_uci_writes_the_required_entities(tmp_path: Path) -> None:
    done = daihou("adapt-uci", "--out", str(tmp_path / "ex"), "--source", str(SOURCE))
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "ex").iterdir())
    assert written == [
        "customers.csv",
        "inspections.csv",
        "loan_snapshots.csv",
        "loans.csv",
        "org_units.csv",
        "staff.csv",
    ]


def test_figures_command_on_real_data(uci: Uci, raw: pd.DataFrame) -> None:
    """`daihou figures` gives every key on the real-data extract, rates as the reference."""
    done = subprocess.run(
        [sys.executable, "-m", "daihou.cli", "figures", "--as-of", "2005-09-30",
         "--opening", "2005-04-30", "--warehouse", str(uci.settings.warehouse_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == ALL_KEYS
    moves_sep = moves(raw, date(2005, 8, 31), date(2005, 9, 30))
    assert out["entry_rate"] == same(reference_entry_rate(moves_sep))
    assert out["flow_rate_m1_m2"] == same(reference_flow(moves_sep, 1)[0])
