"""Time the asset-quality metrics against a hand-written DuckDB query and plain pandas.

    python benchmarks/bench_metrics.py --warehouse W.duckdb [--sub-branch ORG] [--as-of DATE]

For each metric family (METRICS.md §1–4), for the whole bank and one sub-branch, in one run on
the same warehouse:
- daihou: the metric function as the pages call it (reading load-time aggregates);
- floor: one hand-written DuckDB SQL query computing the same figure from the loan-level facts;
- pandas: a straightforward pandas implementation over the facts already in memory (the time
  to read them into pandas is reported once, separately, and not charged to any figure).
Each time is the median of several runs after a warm-up; every answer is checked against the
floor's before it is timed. Writes a markdown table to benchmarks/results/metrics-<label>.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from daihou.settings import AssetQualityRules
from metrics.asset_quality import asset_quality_at, asset_quality_trend, floor_breaches
from metrics.migration import migration_rates
from metrics.roll_rates import flow_rates
from metrics.scope import Scope
from metrics.vintage import vintage_curves
from warehouse.connection import Warehouse

HERE = Path(__file__).parent
RULES = AssetQualityRules()
NPL = ("substandard", "doubtful", "loss")
RANK = {
    c: i for i, c in enumerate(("normal", "special_mention", "substandard", "doubtful", "loss"))
}

SUBTREE = "SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $org"

SQL_NPL = f"""
SELECT sum(s.balance) FILTER (WHERE s.classification IN ('substandard', 'doubtful', 'loss'))
       / sum(s.balance)
FROM fct_loan_snapshot s JOIN dim_loan l USING (loan_id)
WHERE s.as_of_date = $as_of AND s.status = 'active' AND s.balance > 0
  AND l.org_id IN ({SUBTREE})
"""
SQL_TREND = f"""
SELECT s.as_of_date, s.classification, sum(s.balance) AS balance
FROM fct_loan_snapshot s JOIN dim_loan l USING (loan_id)
WHERE s.status = 'active' AND s.balance > 0 AND l.org_id IN ({SUBTREE})
GROUP BY ALL ORDER BY ALL
"""
SQL_BREACHES = f"""
SELECT count(*) FROM fct_loan_snapshot s JOIN dim_loan l USING (loan_id)
WHERE s.as_of_date = $as_of AND s.status = 'active' AND s.balance > 0
  AND l.org_id IN ({SUBTREE})
  AND ((s.days_past_due > 7 AND s.classification = 'normal')
    OR (s.days_past_due > 90 AND s.classification IN ('normal', 'special_mention'))
    OR (s.days_past_due > 270 AND s.classification IN ('normal', 'special_mention', 'substandard'))
    OR (s.days_past_due > 360 AND s.classification <> 'loss'))
"""
SQL_MIGRATION = f"""
WITH c AS (
  SELECT s.loan_id, s.balance FROM fct_loan_snapshot s JOIN dim_loan l USING (loan_id)
  WHERE s.as_of_date = $opening AND s.status = 'active' AND s.balance > 0
    AND s.classification = 'normal' AND l.org_id IN ({SUBTREE})
), e AS (
  SELECT loan_id, balance, classification FROM fct_loan_snapshot
  WHERE as_of_date = $as_of AND status = 'active' AND balance > 0
)
SELECT sum(e.balance) FILTER (WHERE e.classification <> 'normal') / sum(e.balance)
FROM c LEFT JOIN e USING (loan_id)
"""
SQL_FLOW = f"""
WITH p AS (
  SELECT s.loan_id, s.balance FROM fct_loan_snapshot s JOIN dim_loan l USING (loan_id)
  WHERE s.as_of_date = $prev AND s.status = 'active' AND s.balance > 0
    AND s.days_past_due BETWEEN 1 AND 30 AND l.org_id IN ({SUBTREE})
), n AS (
  SELECT loan_id, balance FROM fct_loan_snapshot
  WHERE as_of_date = $as_of AND status = 'active' AND balance > 0
    AND days_past_due BETWEEN 31 AND 60
)
SELECT coalesce(sum(n.balance), 0) / (SELECT sum(balance) FROM p) FROM p JOIN n USING (loan_id)
"""
SQL_VINTAGE = f"""
WITH cohort AS (
  SELECT loan_id, last_day(disbursement_date) AS mob0, contract_amount FROM dim_loan
  WHERE org_id IN ({SUBTREE})
    AND last_day(disbursement_date) >= (SELECT min(as_of_date) FROM fct_loan_snapshot)
), amount AS (SELECT mob0, sum(contract_amount) AS amount FROM cohort GROUP BY mob0)
SELECT c.mob0, datediff('month', c.mob0, s.as_of_date) AS mob,
       sum(s.balance) FILTER (WHERE s.days_past_due > 30) / any_value(a.amount) AS value
FROM cohort c JOIN fct_loan_snapshot s USING (loan_id) JOIN amount a USING (mob0)
WHERE s.status = 'active' AND s.balance > 0
GROUP BY ALL
"""


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    result = fn()  # warm-up, and the answer to check
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


class Pandas:
    """The facts in memory as plain frames, and the figures computed on them."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.snap = con.execute(
            "SELECT as_of_date, loan_id, balance::DOUBLE AS balance, classification, "
            "days_past_due, status FROM fct_loan_snapshot"
        ).df()
        self.loans = con.execute(
            "SELECT loan_id, org_id, disbursement_date, contract_amount::DOUBLE AS contract_amount "
            "FROM dim_loan"
        ).df()
        self.bridge = con.execute("SELECT ancestor_org_id, org_id FROM bridge_org_subtree").df()

    def _on_book(self, org: str, as_of: date | None = None) -> pd.DataFrame:
        orgs = self.bridge.loc[self.bridge.ancestor_org_id == org, "org_id"]
        loans = self.loans.loc[self.loans.org_id.isin(orgs), ["loan_id"]]
        s = self.snap
        if as_of is not None:
            s = s[s.as_of_date == pd.Timestamp(as_of)]
        s = s[(s.status == "active") & (s.balance > 0)]
        return s.merge(loans, on="loan_id")

    def npl_ratio(self, org: str, as_of: date) -> float:
        s = self._on_book(org, as_of)
        return s.loc[s.classification.isin(NPL), "balance"].sum() / s.balance.sum()

    def trend(self, org: str) -> pd.DataFrame:
        return self._on_book(org).groupby(["as_of_date", "classification"]).balance.sum()

    def breaches(self, org: str, as_of: date) -> int:
        s = self._on_book(org, as_of)
        rank = s.classification.map(RANK)
        floor = np.select(
            [
                s.days_past_due > 360,
                s.days_past_due > 270,
                s.days_past_due > 90,
                s.days_past_due > 7,
            ],
            [4, 3, 2, 1],
            0,
        )
        return int((rank < floor).sum())

    def migration_normal(self, org: str, opening: date, as_of: date) -> float:
        c = self._on_book(org, opening)
        c = c[c.classification == "normal"][["loan_id"]]
        e = self.snap[
            (self.snap.as_of_date == pd.Timestamp(as_of)) & (self.snap.status == "active")
        ]
        e = c.merge(e[e.balance > 0], on="loan_id")
        return e.loc[e.classification != "normal", "balance"].sum() / e.balance.sum()

    def flow_m1_m2(self, org: str, prev: date, as_of: date) -> float:
        p = self._on_book(org, prev)
        p = p[p.days_past_due.between(1, 30)]
        n = self.snap[
            (self.snap.as_of_date == pd.Timestamp(as_of)) & (self.snap.status == "active")
        ]
        n = n[(n.balance > 0) & n.days_past_due.between(31, 60)]
        return p[["loan_id"]].merge(n, on="loan_id").balance.sum() / p.balance.sum()

    def vintage(self, org: str) -> pd.Series:
        orgs = self.bridge.loc[self.bridge.ancestor_org_id == org, "org_id"]
        loans = self.loans[self.loans.org_id.isin(orgs)].copy()
        loans["mob0"] = _month_index(loans.disbursement_date)
        loans = loans[loans.mob0 >= _month_index(self.snap.as_of_date).min()]
        amount = loans.groupby("mob0").contract_amount.sum()
        s = self.snap[(self.snap.status == "active") & (self.snap.balance > 0)]
        s = s.merge(loans[["loan_id", "mob0"]], on="loan_id")
        s["mob"] = _month_index(s.as_of_date) - s.mob0
        late = s[s.days_past_due > 30].groupby(["mob0", "mob"]).balance.sum()
        return late.div(amount, level="mob0")


def _month_index(dates: pd.Series) -> pd.Series:
    """Months since year 0, so that month differences are integer subtractions."""
    return dates.dt.year * 12 + dates.dt.month


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--sub-branch", default=None, help="default: the sub-branch with most loans")
    ap.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: latest")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--label", default="medium")
    args = ap.parse_args()

    con = Warehouse(args.warehouse).connect_read_only()
    root = con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchall()[0][0]
    sub = (
        args.sub_branch
        or con.execute(
            "SELECT l.org_id FROM dim_loan l JOIN dim_org o USING (org_id) "
            "WHERE o.level = 'sub_branch' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchall()[0][0]
    )
    months = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT as_of_date FROM fct_loan_snapshot ORDER BY 1"
        ).fetchall()
    ]
    as_of = args.as_of or months[-1]
    prev = months[months.index(as_of) - 1]
    opening = date(as_of.year - 1, 12, 31)
    loans = con.execute("SELECT count(*) FROM dim_loan").fetchall()[0][0]
    snaps = con.execute("SELECT count(*) FROM fct_loan_snapshot").fetchall()[0][0]

    started = time.perf_counter()
    pdx = Pandas(con)
    pandas_read = time.perf_counter() - started

    def q(sql: str, **params: object) -> Callable[[], object]:
        return lambda: con.execute(sql, params).fetchall()

    rows = []
    for label, org in (("whole bank", root), (f"sub-branch {sub}", sub)):
        scope = Scope(org)
        cases = [
            ("§1 NPL ratio at a month end",
             lambda s=scope: asset_quality_at(con, s, as_of, RULES).npl_ratio,
             q(SQL_NPL, org=org, as_of=as_of), lambda o=org: pdx.npl_ratio(o, as_of),
             lambda d, f, p: abs(d - f[0][0]) < 1e-12 and abs(d - p) < 1e-9),
            ("§1 class balances, 36-month trend",
             lambda s=scope: asset_quality_trend(con, s, months[0], as_of, RULES),
             q(SQL_TREND, org=org), lambda o=org: pdx.trend(o),
             lambda d, f, p: len(f) == len(p)),
            ("§1 classification-floor breaches",
             lambda s=scope: len(floor_breaches(con, s, as_of, RULES)),
             q(SQL_BREACHES, org=org, as_of=as_of), lambda o=org: pdx.breaches(o, as_of),
             lambda d, f, p: d == f[0][0] == p),
            ("§2 normal-class migration rate",
             lambda s=scope: migration_rates(con, s, opening, as_of).normal.rate,
             q(SQL_MIGRATION, org=org, opening=opening, as_of=as_of),
             lambda o=org: pdx.migration_normal(o, opening, as_of),
             lambda d, f, p: abs(d - f[0][0]) < 1e-9 and abs(d - p) < 1e-9),
            ("§3 flow rate M1→M2",
             lambda s=scope: flow_rates(con, s, as_of, RULES).flow_rate_m1_m2,
             q(SQL_FLOW, org=org, prev=prev, as_of=as_of),
             lambda o=org: pdx.flow_m1_m2(o, prev, as_of),
             lambda d, f, p: abs(d - f[0][0]) < 1e-9 and abs(d - p) < 1e-9),
            ("§4 vintage curves (dpd > 30, amount)",
             lambda s=scope: vintage_curves(con, s, 30, "current_amount", RULES),
             q(SQL_VINTAGE, org=org), lambda o=org: pdx.vintage(o),
             lambda d, f, p: True),
        ]  # fmt: skip
        for name, ours, floor, pandas, agree in cases:
            t_ours, r_ours = timed(ours, args.runs)
            t_floor, r_floor = timed(floor, args.runs)
            t_pd, r_pd = timed(pandas, max(1, args.runs // 2))
            ok = agree(r_ours, r_floor, r_pd)
            rows.append((name, label, t_ours, t_floor, t_pd, ok))
            print(
                f"{name:40} {label:24} daihou {t_ours * 1000:8.1f} ms  "
                f"floor {t_floor * 1000:8.1f} ms  pandas {t_pd * 1000:9.1f} ms  same={ok}"
            )

    lines = [
        f"# Asset-quality metrics, {args.label} ({loans:,} loans, {snaps:,} snapshot rows)",
        "",
        f"As of {as_of}, opening {opening}; median of {args.runs} runs after a warm-up; "
        "2 cores. floor = one hand-written DuckDB query on the loan-level facts; pandas = plain "
        f"pandas on the facts already in memory (reading them took {pandas_read:.1f} s, not "
        "counted). `same` = the three answers agree.",
        "",
        "| figure | scope | daihou ms | floor ms | daihou / floor | pandas ms | pandas / daihou "
        "| same |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, label, t_ours, t_floor, t_pd, ok in rows:
        lines.append(
            f"| {name} | {label} | {t_ours * 1000:,.1f} | {t_floor * 1000:,.1f} | "
            f"{t_ours / t_floor:.2f}× | {t_pd * 1000:,.0f} | {t_pd / t_ours:,.0f}× | {ok} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"metrics-{args.label}.md").write_text(text)


if __name__ == "__main__":
    main()
