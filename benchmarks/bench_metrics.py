"""Time every metric family (METRICS.md §1–7) as the pages call it, against the fastest
hand-written DuckDB query for the same figure and against plain pandas.

    python benchmarks/bench_metrics.py --warehouse W.duckdb [--label medium] [--runs 5]
        [--pandas auto|yes|no] [--json OUT]

For each family and each scope (the whole bank; the sub-branch with most loans; the account
manager with the largest book, for every family that takes a manager), on the same warehouse
opened read-only:
- daihou: the metrics function as the pages call it (reading the load-time aggregates);
- floor: one hand-written DuckDB query computing the same figure from the loan-level facts
  (fct_loan_snapshot, dim_loan; fct_obligation for §5), written for that scope (no org join
  for the whole bank). Two families have no such short query; FLOOR_NOTES says what stands in;
- pandas: a straightforward pandas version over the same facts already in memory (reading them
  is timed once and not charged), skipped when the frames would not fit in PANDAS_BUDGET_GIB
  (``--pandas auto`` estimates their size from a sample first) or when no short version exists.
Each time is the median of ``--runs`` calls after a warm-up; the warm-up answers are compared
(``same``: daihou equals the floor, and pandas where it ran). Writes
benchmarks/results/metrics-<label>.md, or with ``--json OUT`` the rows as JSON for suite.py.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from unittest import mock

import duckdb
import numpy as np
import pandas as pd
from harness import (
    GIB,
    RESULTS,
    bind,
    large_manager,
    largest_sub_branch,
    ms,
    ratio,
    root_org,
    table,
    timed,
)

from daihou.settings import Settings
from metrics import obligations as ob
from metrics import scores
from metrics.asset_quality import asset_quality_at, asset_quality_trend, floor_breaches
from metrics.migration import migration_rates
from metrics.periods import Period, parse_period, period_window
from metrics.roll_rates import flow_rates
from metrics.scope import Scope
from metrics.vintage import vintage_curves
from metrics.watchlist import Rules, watchlist_summary
from warehouse.aggregates import watchlist as watchlist_aggregate
from warehouse.connection import Warehouse

SETTINGS = Settings()
RULES = SETTINGS.asset_quality
NPL = ("substandard", "doubtful", "loss")
CLASSES = ("normal", "special_mention", "substandard", "doubtful", "loss")
RANK = {c: i for i, c in enumerate(CLASSES)}
PANDAS_BUDGET_GIB = 16.0  # the frames and the working copies pandas makes of them
PANDAS_WORKING_COPIES = 3  # filters and merges copy what they touch

FAMILIES = {
    "npl": "§1 NPL ratio at a month end",
    "trend": "§1 class balances, every month end",
    "breaches": "§1 classification-floor breaches (the list)",
    "migration": "§2 normal-class migration rate, year",
    "flow": "§3 flow rate M1→M2",
    "vintage": "§4 vintage curves (dpd > 30, by amount)",
    "compliance": "§5 on-time rate by org, year to date",
    "watchlist": "§6 watch list count at a month end",
    "scores": "§7 account-manager scores, quarter",
}
FLOOR_NOTES = {
    "npl": "the metric computes every §1 figure of the scope in the one statement the pages "
    "issue (about 30: class balances and counts, overdue, dpd buckets, deviation, breaches); "
    "the floor the NPL ratio alone",
    "breaches": "the metric and the floor list the breaching loans with borrower and org "
    "(largest balance first); pandas counts them (no names in its frames)",
    "compliance": "floor and pandas read fct_obligation, the obligation rows the load derives "
    "from the facts (deriving them is the load's work, timed in the load)",
    "watchlist": "floor = the metric's own path from the fact tables (nine triggers over "
    "snapshots, signals, obligations and collateral), which it takes when the load-time "
    "aggregate holds other rules",
    "scores": "floor = the six component queries alone (the metric's own grouped SQL on the "
    "facts, without the scoring); no pandas version (handover shares, six components)",
}

SUBTREE = "SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $org"
ON_BOOK = "{s}.status = 'active' AND {s}.balance > 0"


@dataclass(frozen=True)
class Target:
    """A scope the figures are timed for."""

    kind: str  # bank · sub_branch · manager
    label: str
    scope: Scope

    @property
    def org(self) -> str:
        return self.scope.org_id

    @property
    def manager(self) -> str | None:
        return self.scope.manager_id


@dataclass(frozen=True)
class Dates:
    months: list[date]  # every month end with snapshots
    as_of: date  # the latest
    prev: date  # the one before
    opening: date  # the previous year end (§2 migration)
    year_start: date  # (year_start, as_of]: §5's year to date
    quarter: Period  # §7: the latest quarter ending by as_of


@dataclass
class Row:
    family: str
    scope: str
    daihou_s: float
    floor_s: float | None
    pandas_s: float | None
    same: bool
    answer: str  # the figure, briefly, so the reader sees what was computed


# -- floors: hand-written SQL on the loan-level facts --------------------------------------------


def _narrow(t: Target, s: str = "s") -> tuple[str, str]:
    """(join, condition) narrowing snapshot rows ``s`` to the target: the booking org's subtree
    (no join for the whole bank) and the manager on that row."""
    join = "" if t.kind == "bank" else f"JOIN dim_loan AS l ON l.loan_id = {s}.loan_id"
    where = "" if t.kind == "bank" else f" AND l.org_id IN ({SUBTREE})"
    if t.manager:
        where += f" AND {s}.manager_id = $mgr"
    return join, where


def floor_sql(family: str, t: Target) -> str:
    join, where = _narrow(t)
    on_book = ON_BOOK.format(s="s")
    if family == "npl":
        return f"""
            SELECT sum(s.balance) FILTER (WHERE s.classification IN {NPL}) / sum(s.balance)
            FROM fct_loan_snapshot AS s {join}
            WHERE s.as_of_date = $as_of AND {on_book}{where}"""
    if family == "trend":
        return f"""
            SELECT s.as_of_date, s.classification, sum(s.balance)::DOUBLE AS balance
            FROM fct_loan_snapshot AS s {join}
            WHERE {on_book}{where}
            GROUP BY ALL"""
    if family == "breaches":  # the list the metric returns: each loan with its borrower, org
        loan = "" if join else "JOIN dim_loan AS l ON l.loan_id = s.loan_id"
        return f"""
            SELECT s.loan_id, l.customer_id, c.customer_name, l.org_id, o.org_name, s.balance,
                   s.days_past_due, s.classification
            FROM fct_loan_snapshot AS s {join} {loan}
            JOIN dim_customer AS c ON c.customer_id = l.customer_id
            JOIN dim_org AS o ON o.org_id = l.org_id
            WHERE s.as_of_date = $as_of AND {on_book}{where}
              AND ((s.days_past_due > 7 AND s.classification = 'normal')
                OR (s.days_past_due > 90 AND s.classification IN ('normal', 'special_mention'))
                OR (s.days_past_due > 270 AND s.classification NOT IN ('doubtful', 'loss'))
                OR (s.days_past_due > 360 AND s.classification <> 'loss'))
            ORDER BY s.balance DESC, s.loan_id"""
    if family == "migration":
        return f"""
            WITH c AS (
                SELECT s.loan_id FROM fct_loan_snapshot AS s {join}
                WHERE s.as_of_date = $opening AND {on_book} AND s.classification = 'normal'
                  {where}
            ), e AS (
                SELECT loan_id, balance, classification FROM fct_loan_snapshot AS s
                WHERE s.as_of_date = $as_of AND {on_book}
            )
            SELECT sum(e.balance) FILTER (WHERE e.classification <> 'normal') / sum(e.balance)
            FROM c JOIN e USING (loan_id)"""
    if family == "flow":
        return f"""
            WITH p AS (
                SELECT s.loan_id, s.balance FROM fct_loan_snapshot AS s {join}
                WHERE s.as_of_date = $prev AND {on_book}
                  AND s.days_past_due BETWEEN 1 AND 30{where}
            ), n AS (
                SELECT loan_id, balance FROM fct_loan_snapshot AS s
                WHERE s.as_of_date = $as_of AND {on_book} AND s.days_past_due BETWEEN 31 AND 60
            )
            SELECT coalesce(sum(n.balance), 0) / (SELECT sum(balance) FROM p)
            FROM p JOIN n USING (loan_id)"""
    if family == "vintage":
        mob0 = "last_day(l.disbursement_date)"
        manager = (
            f"JOIN fct_loan_snapshot AS m ON m.loan_id = l.loan_id AND m.as_of_date = {mob0} "
            "AND m.manager_id = $mgr"
            if t.manager
            else ""
        )
        org = "" if t.kind == "bank" else f"AND l.org_id IN ({SUBTREE})"
        return f"""
            WITH cohort AS (
                SELECT l.loan_id, {mob0} AS mob0, l.contract_amount FROM dim_loan AS l {manager}
                WHERE {mob0} >= (SELECT min(as_of_date) FROM fct_loan_snapshot) {org}
            ), amount AS (SELECT mob0, sum(contract_amount) AS amount FROM cohort GROUP BY mob0)
            SELECT c.mob0 AS cohort_month, datediff('month', c.mob0, s.as_of_date) AS mob,
                   (sum(s.balance) FILTER (WHERE s.days_past_due > 30)
                    / any_value(a.amount))::DOUBLE AS value
            FROM cohort AS c JOIN fct_loan_snapshot AS s USING (loan_id)
            JOIN amount AS a USING (mob0)
            WHERE {on_book}
            GROUP BY ALL"""
    if family == "compliance":
        manager = " AND o.manager_id = $mgr" if t.manager else ""
        return f"""
            WITH unit AS (
                SELECT p.org_id AS unit_org_id, b.org_id FROM dim_org AS p
                JOIN bridge_org_subtree AS b ON b.ancestor_org_id = p.org_id
                WHERE p.parent_org_id = $org
                UNION ALL SELECT $org, $org
            )
            SELECT u.unit_org_id AS org_id, count(*) AS due,
                   count(*) FILTER (WHERE o.satisfied_date <= $as_of
                                      AND o.satisfied_date <= o.due_date) AS on_time
            FROM fct_obligation AS o JOIN unit AS u ON u.org_id = o.org_id
            WHERE o.due_date > $start AND o.due_date <= $as_of{manager}
            GROUP BY 1"""
    raise KeyError(family)


# -- pandas: the same figures on frames in memory ------------------------------------------------

SOURCES = {
    "snap": "SELECT as_of_date, loan_id, balance::DOUBLE AS balance, classification, "
    "days_past_due, status, manager_id FROM fct_loan_snapshot",
    "loans": "SELECT loan_id, customer_id, org_id, disbursement_date, "
    "contract_amount::DOUBLE AS contract_amount FROM dim_loan",
    "bridge": "SELECT ancestor_org_id, org_id FROM bridge_org_subtree",
    "orgs": "SELECT org_id, parent_org_id FROM dim_org",
    "obligations": "SELECT kind, customer_id, org_id, manager_id, due_date, satisfied_date "
    "FROM fct_obligation",
    "signals": "SELECT customer_id, signal_date, severity, status, resolved_date "
    "FROM fct_warning_signal",
    "collateral": "SELECT collateral_id, loan_id, appraised_value::DOUBLE AS appraised_value, "
    "appraisal_date FROM fct_collateral_appraisal",
}


def pandas_estimate_gib(con: duckdb.DuckDBPyConnection, sample: int = 200_000) -> float:
    """The frames' size in memory, extrapolated from the first ``sample`` rows of each."""
    total = 0.0
    for sql in SOURCES.values():
        rows = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
        head = con.execute(f"{sql} LIMIT {sample}").df()
        if len(head):
            total += head.memory_usage(deep=True).sum() / len(head) * rows
    return total / GIB


def _floor_rank(dpd: pd.Series) -> np.ndarray:
    """The best class rank the days past due allow (METRICS.md §1 floors, the defaults)."""
    return np.select([dpd > 360, dpd > 270, dpd > 90, dpd > 7], [4, 3, 2, 1], 0)


def _month_index(dates: pd.Series) -> pd.Series:
    """Months since year 0, so that month differences are integer subtractions."""
    return dates.dt.year * 12 + dates.dt.month


class Pandas:
    """The facts as plain frames, and each figure computed on them the obvious way."""

    snap: pd.DataFrame  # one attribute per SOURCES entry
    loans: pd.DataFrame
    bridge: pd.DataFrame
    orgs: pd.DataFrame
    obligations: pd.DataFrame
    signals: pd.DataFrame
    collateral: pd.DataFrame

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        for name, sql in SOURCES.items():
            setattr(self, name, con.execute(sql).df())
        self.gib = sum(getattr(self, n).memory_usage(deep=True).sum() for n in SOURCES) / GIB

    def _orgs(self, org: str) -> pd.Series:
        return self.bridge.loc[self.bridge.ancestor_org_id == org, "org_id"]

    def _book(self, t: Target, as_of: date | None = None) -> pd.DataFrame:
        """Snapshot rows on the book of loans booked in the subtree (at ``as_of``), narrowed
        to the manager on the row."""
        s = self.snap
        if as_of is not None:
            s = s[s.as_of_date == pd.Timestamp(as_of)]
        s = s[(s.status == "active") & (s.balance > 0)]
        if t.manager:
            s = s[s.manager_id == t.manager]
        if t.kind != "bank":
            loans = self.loans.loc[self.loans.org_id.isin(self._orgs(t.org)), "loan_id"]
            s = s[s.loan_id.isin(loans)]
        return s

    def _on_book_at(self, as_of: date) -> pd.DataFrame:
        s = self.snap[self.snap.as_of_date == pd.Timestamp(as_of)]
        return s[(s.status == "active") & (s.balance > 0)]

    def npl(self, t: Target, d: Dates) -> float:
        s = self._book(t, d.as_of)
        return s.loc[s.classification.isin(NPL), "balance"].sum() / s.balance.sum()

    def trend(self, t: Target, d: Dates) -> pd.Series:
        return self._book(t).groupby(["as_of_date", "classification"]).balance.sum()

    def breaches(self, t: Target, d: Dates) -> int:
        s = self._book(t, d.as_of)
        return int((s.classification.map(RANK) < _floor_rank(s.days_past_due)).sum())

    def migration(self, t: Target, d: Dates) -> float:
        c = self._book(t, d.opening)
        c = c.loc[c.classification == "normal", ["loan_id"]]
        e = c.merge(self._on_book_at(d.as_of), on="loan_id")
        return e.loc[e.classification != "normal", "balance"].sum() / e.balance.sum()

    def flow(self, t: Target, d: Dates) -> float:
        p = self._book(t, d.prev)
        p = p[p.days_past_due.between(1, 30)]
        n = self._on_book_at(d.as_of)
        n = n[n.days_past_due.between(31, 60)]
        return p[["loan_id"]].merge(n, on="loan_id").balance.sum() / p.balance.sum()

    def vintage(self, t: Target, d: Dates) -> pd.Series:
        loans = self.loans
        if t.kind != "bank":
            loans = loans[loans.org_id.isin(self._orgs(t.org))]
        loans = loans.assign(mob0=_month_index(loans.disbursement_date))
        loans = loans[loans.mob0 >= _month_index(self.snap.as_of_date).min()]
        if t.manager:  # the manager at MOB 0
            first = self.snap[self.snap.manager_id == t.manager]
            first = first[_month_index(first.as_of_date).isin(loans.mob0.unique())]
            first = first.assign(mob0=_month_index(first.as_of_date))[["loan_id", "mob0"]]
            loans = loans.merge(first, on=["loan_id", "mob0"])
        amount = loans.groupby("mob0").contract_amount.sum()
        s = self.snap[(self.snap.status == "active") & (self.snap.balance > 0)]
        s = s.merge(loans[["loan_id", "mob0"]], on="loan_id")
        s["mob"] = _month_index(s.as_of_date) - s.mob0
        late = s[s.days_past_due > 30].groupby(["mob0", "mob"]).balance.sum()
        return late.div(amount, level="mob0")

    def compliance(self, t: Target, d: Dates) -> dict[str, tuple[int, int]]:
        children = self.orgs.loc[self.orgs.parent_org_id == t.org, "org_id"]
        unit = self.bridge[self.bridge.ancestor_org_id.isin(children)].rename(
            columns={"ancestor_org_id": "unit"}
        )
        unit = pd.concat([unit, pd.DataFrame({"unit": [t.org], "org_id": [t.org]})])
        o = self.obligations
        o = o[(o.due_date > pd.Timestamp(d.year_start)) & (o.due_date <= pd.Timestamp(d.as_of))]
        if t.manager:
            o = o[o.manager_id == t.manager]
        o = o.merge(unit, on="org_id")
        as_of = pd.Timestamp(d.as_of)
        o["on_time"] = (o.satisfied_date <= as_of) & (o.satisfied_date <= o.due_date)
        g = o.groupby("unit").agg(due=("on_time", "size"), on_time=("on_time", "sum"))
        return {k: (int(r.due), int(r.on_time)) for k, r in g.iterrows()}

    def watchlist(self, t: Target, d: Dates) -> int:
        """Customers with a loan on the book in scope for whom a §6 trigger holds (every
        trigger scores with the default points)."""
        as_of = pd.Timestamp(d.as_of)
        book = self._book(t, d.as_of).merge(self.loans[["loan_id", "customer_id"]], on="loan_id")
        # downgrade: worse than at the first month end on the book in the window
        start = (as_of - pd.DateOffset(months=SETTINGS.watchlist.downgrade_window_months)) + (
            pd.offsets.MonthEnd(0)
        )
        w = self.snap[(self.snap.as_of_date >= start) & (self.snap.as_of_date <= as_of)]
        w = w[(w.status == "active") & (w.balance > 0) & w.loan_id.isin(book.loan_id)]
        before = w.sort_values("as_of_date").groupby("loan_id").classification.first()
        rank = book.classification.map(RANK)
        downgraded = rank > book.loan_id.map(before).map(RANK)
        # collateral: each item as of its latest appraisal on or before the month end
        c = self.collateral[self.collateral.appraisal_date <= as_of]
        c = c.sort_values("appraisal_date").groupby("collateral_id").tail(1)
        c = c[c.loan_id.isin(book.loan_id)]
        per_loan = c.groupby("loan_id").agg(
            value=("appraised_value", "sum"), oldest=("appraisal_date", "min")
        )
        secured = book.merge(per_loan, left_on="loan_id", right_index=True)
        gap = secured.loan_id[
            (secured.value / secured.balance < SETTINGS.watchlist.coverage_floor)
            | ((as_of - secured.oldest).dt.days > SETTINGS.watchlist.appraisal_max_age_days)
        ]
        loan_trigger = (
            book.classification.isin(NPL)
            | downgraded
            | (book.days_past_due > 0)
            | (rank < _floor_rank(book.days_past_due))
            | book.loan_id.isin(gap)
        )
        listed = set(book.customer_id[loan_trigger])
        s = self.signals
        resolved = s.resolved_date.le(as_of).where(s.resolved_date.notna(), s.status == "resolved")
        s = s[(s.signal_date <= as_of) & ~resolved.astype(bool)]
        s = s[s.severity.isin(["red", "orange"])]
        listed |= set(s.customer_id) & set(book.customer_id)
        o = self.obligations
        o = o[o.kind.isin(["routine", "special"]) & (o.due_date < as_of)]
        o = o[o.satisfied_date.isna() | (o.satisfied_date > as_of)]
        oldest = o.groupby("customer_id").due_date.min()
        late = oldest[(as_of - oldest).dt.days > SETTINGS.watchlist.obligation_overdue_days]
        listed |= set(late.index) & set(book.customer_id)
        return len(listed)


# -- the cases -----------------------------------------------------------------------------------


@dataclass
class Case:
    family: str
    daihou: Callable[[], object]
    floor: Callable[[], object] | None
    pandas: Callable[[], object] | None
    same: Callable[[object, object, object | None], bool]
    show: Callable[[object], str]


def _close(a: float | None, b: float | None, tol: float = 1e-9) -> bool:
    if a is None or b is None or (isinstance(b, float) and np.isnan(b)):
        return a is None and (b is None or np.isnan(b))
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(a)))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _pct(x: object) -> str:
    return "—" if x is None else f"{float(x):.4%}"  # type: ignore[arg-type]


def _same_trend(d: pd.DataFrame, f: list[tuple], p: pd.Series | None) -> bool:
    ours = {
        (pd.Timestamp(r.as_of_date), c): float(getattr(r, f"balance_{c}"))
        for r in d.itertuples()
        for c in RANK
        if getattr(r, f"balance_{c}")
    }
    floor = {(pd.Timestamp(a), c): b for a, c, b in f}
    ok = ours.keys() == floor.keys() and all(_close(v, floor[k], 1e-9) for k, v in ours.items())
    if p is not None:
        ok = ok and all(_close(v, p[(k[0], k[1])], 1e-9) for k, v in ours.items())
    return ok


def _same_vintage(d: pd.DataFrame, f: list[tuple], p: pd.Series | None) -> bool:
    ours = {(pd.Timestamp(r.cohort_month), int(r.mob)): r.value for r in d.itertuples()}
    floor = {(pd.Timestamp(c), int(m)): v or 0.0 for c, m, v in f}
    if not floor.keys() <= ours.keys():
        return False
    ok = all(_close(v, floor.get(k, 0.0), 1e-9) for k, v in ours.items())
    if p is not None:
        month = {k: k[0].year * 12 + k[0].month for k in ours}
        ok = ok and all(
            _close(v, p.get((month[k], k[1]), 0.0) if v else 0.0, 1e-9) for k, v in ours.items()
        )
    return ok


def _same_compliance(d: pd.DataFrame, f: list[tuple], p: dict | None) -> bool:
    ours = {r.org_id: (int(r.due), int(r.on_time)) for r in d.itertuples() if r.due > 0}
    floor = {org: (due, on_time) for org, due, on_time in f}
    return ours == floor and (p is None or p == ours)


def _score_sums(frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    return {
        c: (frame[f"{c}_numerator"].sum(), frame[f"{c}_denominator"].sum())
        for c in scores.COMPONENTS
    }


def _score_components(con: duckdb.DuckDBPyConnection, t: Target, period: Period) -> dict:
    """The six component queries of the §7 score (bench_scores.py's), summed per component."""
    rules = SETTINGS.inspection
    timely = ob.compliance_by_manager(con, t.scope, period.start, period.end, period.end, rules)
    timely = timely[timely.manager_id.notna() & (timely.due > 0)]
    out = {"timeliness": (float(timely.on_time.sum()), float(timely.due.sum()))}
    reports = ob.report_quality_by_manager(con, t.scope, period.start, period.end, rules)
    reports = reports[reports.manager_id.notna()]
    out["report_quality"] = (float(reports.good.sum()), float(reports.inspections.sum()))
    for c in scores.COMPONENTS:
        if c in out:
            continue
        sql = scores.component_sql(c, "manager")
        frame = con.execute(sql, scores.component_params(c, t.scope, period, SETTINGS.scores)).df()
        out[c] = (float(frame.numerator.sum()), float(frame.denominator.sum()))
    return out


def _same_scores(d: pd.DataFrame, f: dict, p: object) -> bool:
    ours = _score_sums(d)
    return all(_close(ours[c][0], f[c][0], 1e-9) and _close(ours[c][1], f[c][1], 1e-9) for c in f)


def _facts_path() -> mock._patch:
    """Make the watch list read the fact tables, as it does when its aggregate holds other
    rules (the aggregate is found by its recorded rules key)."""
    return mock.patch.object(watchlist_aggregate, "built_key", lambda con: None)


def cases(con: duckdb.DuckDBPyConnection, t: Target, d: Dates, pdx: Pandas | None) -> list[Case]:
    """Every family for one target (the manager target only where the metric takes one)."""
    params = {
        "org": t.org,
        "mgr": t.manager,
        "as_of": d.as_of,
        "prev": d.prev,
        "opening": d.opening,
        "start": d.year_start,
    }

    def q(family: str) -> Callable[[], list[tuple]]:
        sql = floor_sql(family, t)
        bound = bind(sql, params)
        return lambda: con.execute(sql, bound).fetchall()

    def pd_(name: str) -> Callable[[], object] | None:
        return None if pdx is None else (lambda: getattr(pdx, name)(t, d))

    s = t.scope
    wl_rules = Rules.of(SETTINGS)
    inspection = SETTINGS.inspection

    def watchlist_floor() -> int:
        with _facts_path():
            return watchlist_summary(con, s, d.as_of, wl_rules).customer_count

    return [
        Case("npl", lambda: asset_quality_at(con, s, d.as_of, RULES).npl_ratio, q("npl"),
             pd_("npl"), lambda a, f, p: _close(a, f[0][0]) and (p is None or _close(a, p)),
             _pct),
        Case("trend", lambda: asset_quality_trend(con, s, d.months[0], d.as_of, RULES),
             q("trend"), pd_("trend"), _same_trend, lambda a: f"{len(a)} months"),
        Case("breaches", lambda: len(floor_breaches(con, s, d.as_of, RULES)), q("breaches"),
             pd_("breaches"), lambda a, f, p: a == len(f) and (p is None or a == p),
             lambda a: _count(a, "loan")),
        Case("migration", lambda: migration_rates(con, s, d.opening, d.as_of).normal.rate,
             q("migration"), pd_("migration"),
             lambda a, f, p: _close(a, f[0][0]) and (p is None or _close(a, p)), _pct),
        Case("flow", lambda: flow_rates(con, s, d.as_of, RULES).flow_rate_m1_m2, q("flow"),
             pd_("flow"), lambda a, f, p: _close(a, f[0][0]) and (p is None or _close(a, p)),
             _pct),
        Case("vintage", lambda: vintage_curves(con, s, 30, "current_amount", RULES),
             q("vintage"), pd_("vintage"), _same_vintage, lambda a: f"{len(a):,} cells"),
        Case("compliance",
             lambda: ob.compliance_by_org(con, s, d.year_start, d.as_of, d.as_of, inspection),
             q("compliance"), pd_("compliance"), _same_compliance,
             lambda a: f"{int(a.due.sum()):,} due, "
             f"{int(a.on_time.sum()) / max(1, int(a.due.sum())):.1%} on time"),
        Case("watchlist", lambda: watchlist_summary(con, s, d.as_of, wl_rules).customer_count,
             watchlist_floor, pd_("watchlist"),
             lambda a, f, p: a == f and (p is None or a == p),
             lambda a: _count(a, "customer")),
        Case("scores", lambda: scores.manager_scores(con, s, d.quarter, SETTINGS),
             lambda: _score_components(con, t, d.quarter), None, _same_scores,
             lambda a: f"{_count(len(a), 'manager')}, {int(a.rated.sum()):,} rated"),
    ]  # fmt: skip


# -- running -------------------------------------------------------------------------------------


def targets(con: duckdb.DuckDBPyConnection) -> list[Target]:
    root, sub = root_org(con), largest_sub_branch(con)
    manager, manager_org, book = large_manager(con)
    return [
        Target("bank", "whole bank", Scope(root)),
        Target("sub_branch", f"sub-branch {sub}", Scope(sub)),
        Target(
            "manager",
            f"manager {manager} ({manager_org}, {book:,} loans)",
            Scope(manager_org, manager_id=manager),
        ),
    ]


def dates(con: duckdb.DuckDBPyConnection) -> Dates:
    sql = "SELECT DISTINCT as_of_date FROM fct_loan_snapshot ORDER BY 1"
    months = [r[0] for r in con.execute(sql).fetchall()]
    as_of = months[-1]
    year, quarter = (as_of.year, as_of.month // 3) if as_of.month >= 3 else (as_of.year - 1, 4)
    return Dates(
        months=months,
        as_of=as_of,
        prev=months[-2],
        opening=date(as_of.year - 1, 12, 31),
        year_start=period_window(as_of, "year")[0],
        quarter=parse_period(f"{year}Q{quarter}"),
    )


def measure(warehouse: Path, runs: int, use_pandas: str = "auto") -> dict:
    """Every case timed; a JSON-able dict of the context, the pandas decision and the rows."""
    con = Warehouse(warehouse).connect_read_only()
    d = dates(con)
    scopes = targets(con)
    info: dict = {
        "loans": con.execute("SELECT count(*) FROM dim_loan").fetchone()[0],
        "snapshots": con.execute("SELECT count(*) FROM fct_loan_snapshot").fetchone()[0],
        "as_of": d.as_of.isoformat(),
        "opening": d.opening.isoformat(),
        "year_start": d.year_start.isoformat(),
        "quarter": d.quarter.label,
        "runs": runs,
        "pandas": None,
    }
    pdx = None
    estimate = pandas_estimate_gib(con)
    need = estimate * PANDAS_WORKING_COPIES
    if use_pandas == "yes" or (use_pandas == "auto" and need <= PANDAS_BUDGET_GIB):
        started = time.perf_counter()
        pdx = Pandas(con)
        info["pandas"] = {"read_s": time.perf_counter() - started, "gib": pdx.gib}
    else:
        info["pandas_skipped"] = (
            f"the frames would take about {estimate:.1f} GiB, {need:.0f} GiB with pandas' working "
            f"copies, over the {PANDAS_BUDGET_GIB:.0f} GiB budget"
            if use_pandas == "auto"
            else "switched off (--pandas no)"
        )
    rows: list[Row] = []
    for t in scopes:
        for case in cases(con, t, d, pdx):
            t_ours, r_ours = timed(case.daihou, runs)
            t_floor, r_floor = timed(case.floor, runs) if case.floor else (None, None)
            t_pd, r_pd = timed(case.pandas, max(1, runs // 2)) if case.pandas else (None, None)
            try:
                same = bool(case.same(r_ours, r_floor, r_pd))
            except (KeyError, TypeError, ValueError, IndexError):
                same = False
            row = Row(FAMILIES[case.family], t.label, t_ours, t_floor, t_pd, same,
                      case.show(r_ours))  # fmt: skip
            rows.append(row)
            print(
                f"{row.family:42} {t.kind:10} daihou {ms(t_ours):>8} ms  floor {ms(t_floor):>8} "
                f"ms  pandas {ms(t_pd):>9} ms  same={same}  {row.answer}",
                flush=True,
            )
    info["rows"] = [asdict(r) for r in rows]
    info["notes"] = {FAMILIES[k]: v for k, v in FLOOR_NOTES.items()}
    return info


def markdown(result: dict, heading: str = "#") -> list[str]:
    """The table and its notes."""
    p = result["pandas"]
    pandas_note = (
        f"pandas = plain pandas on the facts already in memory ({p['gib']:.2f} GiB of frames; "
        f"reading them took {p['read_s']:.1f} s, not counted)"
        if p
        else f"pandas skipped: {result['pandas_skipped']}"
    )
    lines = [
        f"As of {result['as_of']}; §2 from {result['opening']}; §5 due in "
        f"({result['year_start']}, {result['as_of']}]; §7 {result['quarter']}. Median of "
        f"{result['runs']} calls after a warm-up. daihou = the metrics function as the pages call "
        "it; floor = the fastest hand-written DuckDB query for the same figure on the loan-level "
        f"facts, written for the scope; {pandas_note}. `same`: the answers agree. A manager's "
        "scope is their own loans (manager at the month end in question) in their org's subtree.",
        "",
    ]
    rows = [
        [
            r["family"],
            r["scope"],
            r["answer"],
            ms(r["daihou_s"]),
            ms(r["floor_s"]),
            ratio(r["daihou_s"], r["floor_s"]),
            ms(r["pandas_s"]),
            ratio(r["pandas_s"], r["daihou_s"]),
            "yes" if r["same"] else "**NO**",
        ]
        for r in result["rows"]
    ]
    header = ["figure", "scope", "answer", "daihou ms", "floor ms", "daihou / floor"]
    header += ["pandas ms", "pandas / daihou", "same"]
    lines += table(header, rows, right={3, 4, 5, 6, 7})
    lines += ["", *(f"- {family}: {note}." for family, note in result["notes"].items())]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--label", default="medium")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pandas", choices=["auto", "yes", "no"], default="auto")
    ap.add_argument("--json", type=Path, default=None, help="write the rows as JSON here instead")
    args = ap.parse_args()
    result = measure(args.warehouse, args.runs, args.pandas)
    if args.json:
        args.json.write_text(json.dumps(result, default=str), encoding="utf-8")
        return
    lines = [
        f"# Metric families, {args.label} ({result['loans']:,} loans, "
        f"{result['snapshots']:,} snapshot rows)",
        "",
        *markdown(result),
    ]
    out = RESULTS / f"metrics-{args.label}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
