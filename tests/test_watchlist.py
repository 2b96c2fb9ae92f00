"""METRICS.md §6: the watch list, on a hand-written bank loaded through the real ETL, and on the
demo bank.

The bank: month ends 2025-01-31 … 2025-06-30 (AS_OF). Every customer is individual and AAA
(routine inspection 180 days after disbursement, so a loan disbursed 2025-01-06 owes nothing
routine before 07-05); every loan is active, balance 100,000, booked at SB1 with manager E1,
disbursed 2025-01-06, unless said otherwise. One customer per trigger, and its near misses
(default rules: window 3 months, so the class at 06-30 is compared with the class at 03-31):

    C_RED     red signal 06-10, status handling (处置中 is open)            40
    C_RES     red signal 05-02 resolved 06-20 (special inspection 05-03)   - (40 at 05-31)
    C_NODATE  red signal 06-01, status resolved without a date             -
    C_YEL     yellow signal open                                          -
    C_ORA     orange signal open                                          20
    C_NPL     corporate, substandard all along, dpd 0                     30
    C_DOWN    normal … normal, special mention at 06-30                   20
    C_UP      special mention … , normal at 06-30                         -
    C_BLIP    normal at 03-31, special mention 04-30, normal again        -
    C_EARLY   special mention from 03-31 (the window's start)             - (20 with 4 months)
    C_NEW     disbursed 05-10: normal 05-31, special mention 06-30        20
    C_DPD45   special mention, dpd 15 (05-31), 45 (special insp. 05-19)   20
    C_DPD30   special mention, dpd 30 at 06-30 (special due 06-04: 26 d)  10
    C_DPD5    normal, dpd 5                                               10
    C_BREACH  normal with dpd 10 (floor: special mention)                 25 + 10 = 35
    C_ROUT    disbursed 2024-10-01: routine due 03-30, none: 92 d overdue  10
    C_ROUT30  disbursed 2024-12-02: routine due 05-31: 30 days            -
    C_ROUT31  disbursed 2024-12-01: routine due 05-30: 31 days            10
    C_COV     item 90,000: coverage 0.9                                   10
    C_COV1    items 60,000 + 40,000 (revalued from 20,000 on 02-01): 1.0  - (0.8 at 01-31)
    C_OLD     item 200,000 appraised 2024-06-29: 366 days old             10
    C_OLD365  item 200,000 appraised 2024-06-30: 365 days old             -
    C_MULTI   balance 500,000; SM, SM, SM (dpd 29), SM 59, SS 90, SS 120;
              red signal 04-01 (special inspections 03-05, 04-02)       40 + 30 + 20 + 20 = 110
    C_TWO     P1 at SB1 (E1) normal 100,000; P2 at SB2 (E2) substandard 300,000  30
    C_CLEAN   nothing                                                     -
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import duckdb
import pandas as pd
import pytest
from demo_scopes import demo_scopes
from extract_builder import write_extract
from fixtures_demo import DemoBank

from daihou.settings import Settings, WatchlistRules
from etl.load import load_extract
from metrics import watchlist as wl
from metrics.scope import Scope
from metrics.watchlist import Rules, WatchlistFilter
from warehouse.aggregates import watchlist as agg
from warehouse.connection import Warehouse

MONTH_ENDS = [
    date(2025, 1, 31),
    date(2025, 2, 28),
    date(2025, 3, 31),
    date(2025, 4, 30),
    date(2025, 5, 31),
    date(2025, 6, 30),
]
AS_OF = MONTH_ENDS[-1]
MAY = MONTH_ENDS[-2]
RULES = Rules.of(Settings())
N, SM, SS = "normal", "special_mention", "substandard"

# loan -> customer, monthly (class, dpd) from its first month end; other terms by keyword
LOANS: dict[str, tuple[str, list[tuple[str, int]], dict[str, str]]] = {
    "L_RED": ("C_RED", [(N, 0)] * 6, {}),
    "L_RES": ("C_RES", [(N, 0)] * 6, {}),
    "L_NODATE": ("C_NODATE", [(N, 0)] * 6, {}),
    "L_YEL": ("C_YEL", [(N, 0)] * 6, {}),
    "L_ORA": ("C_ORA", [(N, 0)] * 6, {}),
    "L_NPL": ("C_NPL", [(SS, 0)] * 6, {}),
    "L_DOWN": ("C_DOWN", [(N, 0)] * 5 + [(SM, 0)], {}),
    "L_UP": ("C_UP", [(SM, 0)] * 5 + [(N, 0)], {}),
    "L_BLIP": ("C_BLIP", [(N, 0)] * 3 + [(SM, 0)] + [(N, 0)] * 2, {}),
    "L_EARLY": ("C_EARLY", [(N, 0)] * 2 + [(SM, 0)] * 4, {}),
    "L_NEW": ("C_NEW", [(N, 0), (SM, 0)], {"disbursement_date": "2025-05-10"}),
    "L_DPD45": ("C_DPD45", [(SM, 0)] * 4 + [(SM, 15), (SM, 45)], {}),
    "L_DPD30": ("C_DPD30", [(SM, 0)] * 5 + [(SM, 30)], {}),
    "L_DPD5": ("C_DPD5", [(N, 0)] * 5 + [(N, 5)], {}),
    "L_BREACH": ("C_BREACH", [(N, 0)] * 5 + [(N, 10)], {}),
    "L_ROUT": ("C_ROUT", [(N, 0)] * 6, {"disbursement_date": "2024-10-01"}),
    "L_ROUT30": ("C_ROUT30", [(N, 0)] * 6, {"disbursement_date": "2024-12-02"}),
    "L_ROUT31": ("C_ROUT31", [(N, 0)] * 6, {"disbursement_date": "2024-12-01"}),
    "L_COV": ("C_COV", [(N, 0)] * 6, {"guarantee_type": "mortgage", "product": "mortgage"}),
    "L_COV1": ("C_COV1", [(N, 0)] * 6, {"guarantee_type": "mortgage"}),
    "L_OLD": ("C_OLD", [(N, 0)] * 6, {"guarantee_type": "mortgage"}),
    "L_OLD365": ("C_OLD365", [(N, 0)] * 6, {"guarantee_type": "mortgage"}),
    "L_MULTI": (
        "C_MULTI",
        [(SM, 0), (SM, 0), (SM, 29), (SM, 59), (SS, 90), (SS, 120)],
        {"balance": "500000"},
    ),
    "L_P1": ("C_TWO", [(N, 0)] * 6, {}),
    "L_P2": ("C_TWO", [(SS, 0)] * 6, {"org_id": "SB2", "manager": "E2", "balance": "300000"}),
    "L_CLEAN": ("C_CLEAN", [(N, 0)] * 6, {}),
}

SIGNALS = [
    # signal, customer, date, severity, status, resolved
    ("W_RED", "C_RED", "2025-06-10", "red", "handling", ""),
    ("W_RES", "C_RES", "2025-05-02", "red", "resolved", "2025-06-20"),
    ("W_NODATE", "C_NODATE", "2025-06-01", "red", "resolved", ""),
    ("W_YEL", "C_YEL", "2025-03-01", "yellow", "open", ""),
    ("W_ORA", "C_ORA", "2025-03-01", "orange", "open", ""),
    ("W_MULTI", "C_MULTI", "2025-04-01", "red", "open", ""),
]

# special inspections that satisfy the special obligations a test does not want overdue
SPECIAL_INSPECTIONS = [
    ("I_RES", "C_RES", "2025-05-03"),
    ("I_DPD45", "C_DPD45", "2025-05-19"),
    ("I_MULTI1", "C_MULTI", "2025-03-05"),
    ("I_MULTI2", "C_MULTI", "2025-04-02"),
]

APPRAISALS = [
    # item, loan, value, date
    ("K1", "L_COV", "90000", "2025-01-02"),
    ("K2", "L_COV1", "60000", "2025-01-02"),
    ("K3", "L_COV1", "20000", "2024-03-01"),
    ("K3", "L_COV1", "40000", "2025-02-01"),
    ("K4", "L_OLD", "200000", "2024-06-29"),
    ("K5", "L_OLD365", "200000", "2024-06-30"),
]

# the expected list at AS_OF under the default rules, in list order: customer, score
EXPECTED = [
    ("C_MULTI", 110),
    ("C_RED", 40),
    ("C_BREACH", 35),
    ("C_TWO", 30),  # 400,000 before C_NPL's 100,000
    ("C_NPL", 30),
    ("C_DOWN", 20),
    ("C_DPD45", 20),
    ("C_NEW", 20),
    ("C_ORA", 20),
    ("C_COV", 10),
    ("C_DPD30", 10),
    ("C_DPD5", 10),
    ("C_OLD", 10),
    ("C_ROUT", 10),
    ("C_ROUT31", 10),
]


def _tables() -> dict[str, list[dict[str, str]]]:
    customers = sorted({customer for customer, _, _ in LOANS.values()})
    loans, snapshots = [], []
    for loan_id, (customer, months, terms) in LOANS.items():
        loans.append(
            {
                "loan_id": loan_id,
                "customer_id": customer,
                "org_id": terms.get("org_id", "SB1"),
                "product": terms.get("product", "working_capital"),
                "contract_amount": "600000",
                "disbursement_date": terms.get("disbursement_date", "2025-01-06"),
                "maturity_date": "2027-12-31",
                "interest_rate": "5.0",
                "guarantee_type": terms.get("guarantee_type", "credit"),
                "payment_mode": "entrusted",
                "purpose": "",
            }
        )
        for as_of, (cls, dpd) in zip(MONTH_ENDS[-len(months) :], months, strict=True):
            snapshots.append(
                {
                    "as_of_date": as_of.isoformat(),
                    "loan_id": loan_id,
                    "manager_id": terms.get("manager", "E1"),
                    "balance": terms.get("balance", "100000"),
                    "classification": cls,
                    "days_past_due": str(dpd),
                    "overdue_principal": "1000" if dpd else "0",
                    "interest_arrears": "0",
                    "status": "active",
                }
            )
    return {
        "org_units": [
            {"org_id": "HO", "org_name": "总行", "level": "head_office", "parent_org_id": ""},
            {"org_id": "SB1", "org_name": "一支行", "level": "sub_branch", "parent_org_id": "HO"},
            {"org_id": "SB2", "org_name": "二支行", "level": "sub_branch", "parent_org_id": "HO"},
        ],
        "staff": [
            {
                "staff_id": staff,
                "staff_name": f"员工{staff}",
                "org_id": org,
                "role": "account_manager",
                "hire_date": "2020-01-01",
                "leave_date": "",
            }
            for staff, org in (("E1", "SB1"), ("E2", "SB2"))
        ],
        "customers": [
            {
                "customer_id": c,
                "customer_name": f"客户{c}",
                "customer_type": "corporate" if c == "C_NPL" else "individual",
                "id_number": f"ID-{c}",
                "industry_code": "C" if c == "C_NPL" else "",
                "region": "长沙",
                "credit_rating": "AAA",
                "rating_date": "2024-06-30",
            }
            for c in customers
        ],
        "loans": loans,
        "loan_snapshots": snapshots,
        "inspections": [
            {
                "inspection_id": iid,
                "customer_id": customer,
                "loan_id": "",
                "staff_id": "E1",
                "inspection_date": day,
                "inspection_type": "special",
                "method": "onsite",
                "report_date": day,
                "risk_found": "true",
                "findings": "",
                "reviewer_id": "",
            }
            for iid, customer, day in SPECIAL_INSPECTIONS
        ],
        "warning_signals": [
            {
                "signal_id": sid,
                "customer_id": customer,
                "loan_id": "",
                "signal_date": day,
                "signal_type": "other",
                "severity": severity,
                "source": "manual",
                "status": status,
                "resolved_date": resolved,
                "handler_id": "",
            }
            for sid, customer, day, severity, status, resolved in SIGNALS
        ],
        "collateral": [
            {
                "collateral_id": item,
                "loan_id": loan,
                "collateral_type": "real_estate",
                "appraised_value": value,
                "appraisal_date": day,
            }
            for item, loan, value, day in APPRAISALS
        ],
    }


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The bank above loaded by etl.load (which builds fct_obligation and the aggregate)."""
    root = tmp_path_factory.mktemp("wl_bank")
    settings = Settings(data_dir=root, warehouse=root / "wh.duckdb")
    summary = load_extract(write_extract(root / "extract", _tables()), settings)
    assert summary.rows_rejected == 0, summary.to_json()
    connection = Warehouse(settings.warehouse_path).connect_read_only()
    assert agg.built_key(connection) == agg.rules_key(
        RULES.watchlist, RULES.quality, RULES.inspection
    )
    yield connection
    connection.close()


@pytest.fixture(params=["bank", "aggregate", "facts"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test over the load-time aggregate (for the whole bank, its rows combined per
    customer at load, or grouped at query time as for any other scope) and over the facts (as
    after a rule change)."""
    if request.param == "aggregate":
        monkeypatch.setattr(wl, "_is_whole_bank", lambda con, scope: False)
    if request.param == "facts":
        monkeypatch.setattr(agg, "built_key", lambda con: None)
    return request.param


def _scores(frame: pd.DataFrame) -> list[tuple[str, int]]:
    return list(zip(frame["customer_id"], frame["score"], strict=True))


def test_scores_and_order(con: duckdb.DuckDBPyConnection, path: str) -> None:
    listed = wl.watchlist(con, Scope("HO"), AS_OF, RULES)
    assert _scores(listed) == EXPECTED
    row = listed.set_index("customer_id")
    assert row.loc["C_MULTI", "triggers"].tolist() == ["red_signal", "npl", "downgrade", "dpd_high"]
    assert row.loc["C_BREACH", "triggers"].tolist() == ["dpd", "floor_breach"]
    assert list(row["severity"]) == ["high"] + ["medium"] * 4 + ["low"] * 10


def test_details(con: duckdb.DuckDBPyConnection, path: str) -> None:
    row = wl.watchlist(con, Scope("HO"), AS_OF, RULES).set_index("customer_id")
    multi = row.loc["C_MULTI"]
    assert (multi.red_signal_count, multi.worst_dpd, multi.worst_class) == (1, 120, SS)
    assert (multi.balance, multi.loan_count, multi.manager_name) == (500_000, 1, "员工E1")
    # C_TWO: the largest loan (P2, 300,000) gives the manager and org; both loans count
    two = row.loc["C_TWO"]
    assert (two.balance, two.loan_count, two.manager_id, two.org_id) == (400_000, 2, "E2", "SB2")
    assert (two.org_name, two.npl_loan_count) == ("二支行", 1)
    assert row.loc["C_ROUT", "oldest_overdue_days"] == 92  # 03-30 → 06-30
    assert row.loc["C_ROUT31", "oldest_overdue_days"] == 31
    assert row.loc["C_COV", "lowest_coverage"] == pytest.approx(0.9)
    assert row.loc["C_OLD", "oldest_appraisal_days"] == 366
    assert row.loc["C_OLD", "lowest_coverage"] == pytest.approx(2.0)
    assert row.loc["C_NPL", "customer_type"] == "corporate"


def test_history(con: duckdb.DuckDBPyConnection, path: str) -> None:
    may = dict(_scores(wl.watchlist(con, Scope("HO"), MAY, RULES)))
    assert may["C_RES"] == 40  # open until 06-20
    assert "C_RED" not in may  # raised 06-10
    assert may["C_ROUT"] == 10 and "C_ROUT31" not in may  # 62 days; 1 day
    assert may["C_DPD45"] == 10  # dpd 15
    january = wl.watchlist(con, Scope("HO"), MONTH_ENDS[0], RULES).set_index("customer_id")
    assert january.loc["C_COV1", "lowest_coverage"] == pytest.approx(0.8)  # K3 still 20,000


def test_summary_and_by_org(con: duckdb.DuckDBPyConnection, path: str) -> None:
    got = wl.watchlist_summary(con, Scope("HO"), AS_OF, RULES)
    assert (got.customer_count, got.balance) == (15, 2_200_000)
    assert got.by_severity == {"high": 1, "medium": 4, "low": 10}
    assert got.by_trigger == {
        "red_signal": 2,
        "orange_signal": 1,
        "npl": 3,
        "downgrade": 3,
        "dpd_high": 2,
        "dpd": 3,
        "floor_breach": 1,
        "overdue_obligation": 2,
        "collateral_gap": 2,
    }
    assert wl.watchlist_count(con, Scope("HO"), AS_OF, RULES) == 15
    by_org = wl.watchlist_by_org(con, Scope("HO"), AS_OF, RULES).set_index("org_id")
    assert by_org["customer_count"].to_dict() == {"SB1": 14, "SB2": 1}  # C_TWO: P2 at SB2
    assert by_org.loc["SB2", "balance"] == 400_000
    assert by_org["count_high"].sum() == 1


def test_scope_sees_only_its_loans(con: duckdb.DuckDBPyConnection, path: str) -> None:
    sb1 = wl.watchlist(con, Scope("SB1"), AS_OF, RULES)
    assert "C_TWO" not in set(sb1["customer_id"])  # its NPL loan is booked at SB2
    sb2 = wl.watchlist(con, Scope("SB2"), AS_OF, RULES)
    assert _scores(sb2) == [("C_TWO", 30)]
    assert (sb2.at[0, "balance"], sb2.at[0, "loan_count"]) == (300_000, 1)
    e2 = wl.watchlist(con, Scope("HO", manager_id="E2"), AS_OF, RULES)
    assert _scores(e2) == [("C_TWO", 30)]
    e1 = wl.watchlist(con, Scope("HO", manager_id="E1"), AS_OF, RULES)
    assert "C_TWO" not in set(e1["customer_id"]) and len(e1) == 14
    corporate = wl.watchlist(con, Scope("HO", customer_type="corporate"), AS_OF, RULES)
    assert _scores(corporate) == [("C_NPL", 30)]
    mortgage = wl.watchlist(con, Scope("HO", product="mortgage"), AS_OF, RULES)
    assert _scores(mortgage) == [("C_COV", 10)]


def test_list_filters(con: duckdb.DuckDBPyConnection, path: str) -> None:
    def listed(**kw: object) -> list[str]:
        frame = wl.watchlist(con, Scope("HO"), AS_OF, RULES, WatchlistFilter(**kw))
        return list(frame["customer_id"])

    assert listed(triggers=("npl",)) == ["C_MULTI", "C_TWO", "C_NPL"]
    assert listed(triggers=("floor_breach", "orange_signal")) == ["C_BREACH", "C_ORA"]
    assert listed(severities=("high",)) == ["C_MULTI"]
    assert listed(manager_id="E2") == ["C_TWO"]
    assert listed(triggers=("npl",), severities=("medium",)) == ["C_TWO", "C_NPL"]
    top = wl.watchlist(con, Scope("HO"), AS_OF, RULES, limit=3)
    assert list(top["customer_id"]) == ["C_MULTI", "C_RED", "C_BREACH"]
    summary = wl.watchlist_summary(con, Scope("HO"), AS_OF, RULES, WatchlistFilter(("npl",)))
    assert (summary.customer_count, summary.balance) == (3, 1_000_000)
    managers = wl.watchlist_by_manager(con, Scope("HO"), AS_OF, RULES).set_index("manager_id")
    assert managers["customer_count"].to_dict() == {"E1": 14, "E2": 1}


def test_points_and_bands_apply_at_query_time(con: duckdb.DuckDBPyConnection) -> None:
    rules = WatchlistRules(orange_signal_points=0, dpd_high_points=0, severity_high_from=40)
    changed = Rules(rules, RULES.quality, RULES.inspection)
    assert agg.built_key(con) == agg.rules_key(rules, RULES.quality, RULES.inspection)
    row = wl.watchlist(con, Scope("HO"), AS_OF, changed).set_index("customer_id")
    assert "C_ORA" not in row.index  # switched off
    assert row.loc["C_DPD45", "score"] == 10  # the low band where the high one is off
    assert row.loc["C_MULTI", "score"] == 40 + 30 + 20 + 10
    assert row.loc["C_RED", "severity"] == "high"


def test_window_change_derives_from_the_facts(con: duckdb.DuckDBPyConnection) -> None:
    rules = WatchlistRules(downgrade_window_months=4)  # 06-30 against 02-28
    changed = Rules(rules, RULES.quality, RULES.inspection)
    assert agg.built_key(con) != agg.rules_key(rules, RULES.quality, RULES.inspection)
    row = wl.watchlist(con, Scope("HO"), AS_OF, changed).set_index("customer_id")
    assert row.loc["C_EARLY", "score"] == 20
    assert "C_BLIP" not in row.index and "C_UP" not in row.index


def test_negatives(con: duckdb.DuckDBPyConnection) -> None:
    listed = set(wl.watchlist(con, Scope("HO"), AS_OF, RULES)["customer_id"])
    for customer in (
        "C_RES",  # resolved
        "C_NODATE",  # resolved, no date
        "C_YEL",  # yellow
        "C_UP",  # upgraded
        "C_BLIP",  # worsened and recovered in the window
        "C_EARLY",  # downgraded at the window's start
        "C_ROUT30",  # exactly 30 days overdue
        "C_COV1",  # coverage exactly 1.0
        "C_OLD365",  # appraisal exactly 365 days old
        "C_CLEAN",
    ):
        assert customer not in listed, customer


# -- demo bank -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_con(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


def _month_ends(con: duckdb.DuckDBPyConnection) -> list[date]:
    rows = con.execute("SELECT DISTINCT as_of_date FROM fct_loan_snapshot ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def test_demo_materialised_equals_recomputed(
    demo_con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert agg.built_key(demo_con) is not None
    months = _month_ends(demo_con)
    scopes = demo_scopes(demo_con)
    checks = [(scope, as_of) for scope in scopes for as_of in (months[-1], months[5])]
    manager = demo_con.execute(
        "SELECT manager_id FROM fct_loan_snapshot WHERE as_of_date = $d "
        "GROUP BY manager_id ORDER BY count(*) DESC LIMIT 1",
        {"d": months[-1]},
    ).fetchone()[0]
    root = scopes[0]
    checks.append((Scope(root.org_id, manager_id=manager), months[-1]))
    materialised = [wl.watchlist(demo_con, scope, as_of, RULES) for scope, as_of in checks]
    monkeypatch.setattr(agg, "built_key", lambda con: None)
    for (scope, as_of), table in zip(checks, materialised, strict=True):
        derived = wl.watchlist(demo_con, scope, as_of, RULES)
        assert len(table) > 0, (scope, as_of)
        pd.testing.assert_frame_equal(table, derived, check_dtype=False, obj=f"{scope} {as_of}")


def test_demo_invariants(demo_con: duckdb.DuckDBPyConnection) -> None:
    as_of = _month_ends(demo_con)[-1]
    root = demo_scopes(demo_con)[0]
    listed = wl.watchlist(demo_con, root, as_of, RULES)
    summary = wl.watchlist_summary(demo_con, root, as_of, RULES)
    assert summary.customer_count == len(listed) > 100
    assert float(summary.balance) == pytest.approx(listed["balance"].sum())
    assert listed["customer_id"].is_unique
    order = listed[["score", "balance"]].apply(tuple, axis=1).tolist()
    assert order == sorted(order, key=lambda sb: (-sb[0], -sb[1]))
    # every customer with an NPL loan on the book is on the list, with the NPL trigger
    npl = {
        r[0]
        for r in demo_con.execute(
            "SELECT DISTINCT l.customer_id FROM fct_loan_snapshot AS s "
            "JOIN dim_loan AS l ON l.loan_id = s.loan_id WHERE s.as_of_date = $d "
            "AND s.status = 'active' AND s.balance > 0 "
            "AND s.classification IN ('substandard', 'doubtful', 'loss')",
            {"d": as_of},
        ).fetchall()
    }
    assert npl and npl == set(listed.loc[listed["has_npl"], "customer_id"])
    # the sub-units add up to the whole; severities and triggers to the list
    by_org = wl.watchlist_by_org(demo_con, root, as_of, RULES)
    assert by_org["customer_count"].sum() == summary.customer_count
    assert sum(summary.by_severity.values()) == summary.customer_count
    for name in wl.TRIGGERS:
        assert summary.by_trigger[name] == listed[f"has_{name}"].sum(), name
    assert (listed["score"] > 0).all()


def test_demo_sub_branch_is_part_of_the_whole(demo_con: duckdb.DuckDBPyConnection) -> None:
    as_of = _month_ends(demo_con)[-1]
    root, branch, sub_branch = demo_scopes(demo_con)[:3]
    whole = set(wl.watchlist(demo_con, root, as_of, RULES)["customer_id"])
    part = set(wl.watchlist(demo_con, sub_branch, as_of, RULES)["customer_id"])
    middle = set(wl.watchlist(demo_con, branch, as_of, RULES)["customer_id"])
    assert part and part <= middle <= whole


def test_rules_are_validated() -> None:
    with pytest.raises(ValueError, match="points"):
        WatchlistRules(npl_points=-1)
    with pytest.raises(ValueError, match="severity"):
        WatchlistRules(severity_high_from=20, severity_medium_from=30)
