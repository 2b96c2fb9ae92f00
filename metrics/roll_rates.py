"""Delinquency buckets, month-on-month transitions and roll rates of a scope (METRICS.md §3).

Buckets come from ``rules.bucket_upper_edges`` (M0 = dpd 0, M1 = 1 to the first edge, …, the
last label above the last edge). The rows of a month t are the loans on the book at t−1, the
previous calendar month end; both month ends must be in the data, otherwise the month has no
transitions (empty matrix, rates None).

Figures come from ``agg_bucket_transition`` or, for an account manager's scope (the manager
at t−1), ``agg_bucket_manager_transition``, built at load time with the bucket edges then
configured: a settings change reaches them with the next load. Until then, and for a warehouse
without them, the same cells are computed from the loan rows with the same per-loan SQL
(``LOAN_TRANSITIONS``): identical figures, slower.
"""

from __future__ import annotations

import calendar
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import duckdb
import pandas as pd

from daihou.settings import AssetQualityRules
from metrics.aggregate_scope import (
    AGGREGATE_MANAGER_FILTER,
    AGGREGATE_SCOPE_FILTER,
    aggregate_params,
    manager_aggregate_params,
)
from metrics.scope import SCOPED_LOANS, SNAPSHOT_MANAGER_FILTER, Scope
from warehouse.aggregates.transitions import (
    EXIT_STATES,
    LOAN_TRANSITIONS,
    MANAGER_TRANSITION_TABLE,
    built_rules,
)
from warehouse.connection import has_table

# Cells: per month t × bucket at t−1 × state at t, count and balances at t−1 and at t.
_AGGREGATE_CELLS = f"""
SELECT a.month_end, a.from_bucket, a.to_state,
       sum(a.loan_count) AS loan_count,
       sum(a.balance_prev) AS balance_prev,
       sum(a.balance_now) AS balance_now
FROM agg_bucket_transition AS a
WHERE a.month_end BETWEEN $first_month AND $last_month AND {AGGREGATE_SCOPE_FILTER}
GROUP BY ALL
"""

# The same cells of a scope with a manager (manager at t−1), from the per-manager aggregate.
_MANAGER_AGGREGATE_CELLS = f"""
SELECT a.month_end, a.from_bucket, a.to_state,
       sum(a.loan_count) AS loan_count,
       sum(a.balance_prev) AS balance_prev,
       sum(a.balance_now) AS balance_now
FROM agg_bucket_manager_transition AS a
WHERE a.month_end BETWEEN $first_month AND $last_month AND {AGGREGATE_MANAGER_FILTER}
  AND {AGGREGATE_SCOPE_FILTER}
GROUP BY ALL
"""

# The same cells from the loan rows (any scope, manager at t−1).
_LOAN_CELLS = f"""
WITH scoped_loan AS ({SCOPED_LOANS}),
s AS ({LOAN_TRANSITIONS})
SELECT s.month_end, s.from_bucket, s.to_state,
       count(*) AS loan_count,
       sum(s.balance_prev) AS balance_prev,
       sum(s.balance_now) AS balance_now
FROM s
JOIN scoped_loan AS l ON l.loan_id = s.loan_id
WHERE {SNAPSHOT_MANAGER_FILTER}
GROUP BY ALL
"""

_MONTH_ENDS = """
SELECT DISTINCT as_of_date FROM fct_loan_snapshot
WHERE as_of_date BETWEEN $first_month AND $last_month
ORDER BY as_of_date
"""

MATRIX_COLUMNS = [
    "from_bucket",
    "to_state",
    "loan_count",
    "balance",
    "count_share",
    "balance_share",
]


@dataclass(frozen=True)
class _Cell:
    loan_count: int
    balance_prev: Decimal  # Σ balance at t−1
    balance_now: Decimal  # Σ balance at t (0 for loans that left the book)


_Cells = dict[tuple[str, str], _Cell]  # (from_bucket, to_state) -> cell, one month


@dataclass(frozen=True)
class Flow:
    """Flow rate Mk → Mk+1 in one month, by balance and by count (METRICS.md §3)."""

    from_bucket: str
    to_bucket: str
    by_balance: float | None  # Σ balance at t of Mk→Mk+1 / Σ balance at t−1 of Mk; None if 0
    by_count: float | None


@dataclass(frozen=True)
class FlowRates:
    """Roll rates of a scope in month t (METRICS.md §3; the §8 keys are properties)."""

    month: date  # t
    previous_month: date  # t−1
    flows: tuple[Flow, ...]  # Mk → Mk+1 for every bucket but the last
    entry_rate: float | None  # 入催率, by balance
    cure_rate_m1: float | None  # M1 催回率, by count

    def _by_balance(self, k: int) -> float | None:
        """Flow Mk → Mk+1 by balance; None when the bucket edges give no such flow."""
        return self.flows[k].by_balance if k < len(self.flows) else None

    @property
    def flow_rate_m0_m1(self) -> float | None:
        return self._by_balance(0)

    @property
    def flow_rate_m1_m2(self) -> float | None:
        return self._by_balance(1)

    @property
    def flow_rate_m2_m3(self) -> float | None:
        return self._by_balance(2)

    @property
    def flow_rate_m3_m4(self) -> float | None:
        return self._by_balance(3)

    def figures(self) -> dict[str, float | None]:
        """Every rate by name: flow_rate_m0_m1 (by balance), flow_rate_m0_m1_by_count, …,
        entry_rate, cure_rate_m1. The last bucket's "+" is dropped (M6 → M7+: m6_m7)."""
        out: dict[str, float | None] = {}
        for f in self.flows:
            key = f"flow_rate_{_key(f.from_bucket)}_{_key(f.to_bucket)}"
            out[key] = f.by_balance
            out[f"{key}_by_count"] = f.by_count
        out["entry_rate"] = self.entry_rate
        out["cure_rate_m1"] = self.cure_rate_m1
        return out


def transition_matrix(
    con: duckdb.DuckDBPyConnection, scope: Scope, month: date, rules: AssetQualityRules
) -> pd.DataFrame:
    """Month-on-month bucket transition matrix t−1 → t in long form (METRICS.md §3).

    ``month`` names t (any day of it). One row per observed (from_bucket, to_state): from_bucket
    = bucket at t−1 of the loans on the book then; to_state = bucket at t, or settled ·
    written_off · transferred for loans not on the book at t (as METRICS.md §2). loan_count,
    balance (at t−1, yuan), count_share and balance_share of the from_bucket row (each row sums
    to 1). Ordered by bucket, then bucket states before exit states.
    """
    t = _month_end(month)
    cells = _cells(con, scope, t, t, rules).get(t, {})
    order = [*rules.bucket_labels, *EXIT_STATES]
    keys = sorted(cells, key=lambda k: (order.index(k[0]), order.index(k[1])))
    row_count: dict[str, int] = defaultdict(int)
    row_balance: dict[str, Decimal] = defaultdict(Decimal)
    for (from_bucket, _), cell in cells.items():
        row_count[from_bucket] += cell.loan_count
        row_balance[from_bucket] += cell.balance_prev
    return pd.DataFrame(
        [
            (
                f,
                to,
                cells[f, to].loan_count,
                float(cells[f, to].balance_prev),
                cells[f, to].loan_count / row_count[f],
                float(cells[f, to].balance_prev / row_balance[f]),
            )
            for f, to in keys
        ],
        columns=MATRIX_COLUMNS,
    ).astype({"loan_count": "int64", "balance": "float64"})


def flow_rates(
    con: duckdb.DuckDBPyConnection, scope: Scope, month: date, rules: AssetQualityRules
) -> FlowRates:
    """Flow rates Mk → Mk+1, entry rate and M1 cure rate in month t (METRICS.md §3).

    A flow's numerator is the balance at t (what rolled on), its denominator the balance at t−1
    (what could roll); a loan skipping a bucket (Mk → Mk+2) is in no flow rate but does enter
    the entry rate. Rates whose denominator is 0 are None.
    """
    t = _month_end(month)
    return _rates(t, _cells(con, scope, t, t, rules).get(t, {}), rules.bucket_labels)


def flow_rate_trend(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    rules: AssetQualityRules,
) -> pd.DataFrame:
    """Every §3 rate for each month end t in the data with start < t ≤ end (METRICS.md §3).

    Columns: month_end, then FlowRates.figures() keys (flow_rate_m0_m1, …_by_count, …,
    entry_rate, cure_rate_m1) as floats, NaN where flow_rates() gives None (e.g. a month whose
    previous month end is not in the data).
    """
    first, last = start + timedelta(days=1), end
    cells = _cells(con, scope, first, last, rules)
    months = [
        r[0]
        for r in con.execute(_MONTH_ENDS, {"first_month": first, "last_month": last}).fetchall()
    ]
    rows = [
        {"month_end": t, **_rates(t, cells.get(t, {}), rules.bucket_labels).figures()}
        for t in months
    ]
    # the names from a month without cells, so that an empty window still has every column
    columns = ["month_end", *_rates(end, {}, rules.bucket_labels).figures()]
    frame = pd.DataFrame(rows, columns=columns).astype(dict.fromkeys(columns[1:], "float64"))
    frame["month_end"] = pd.to_datetime(frame["month_end"])  # as in the other trend frames
    return frame


def _cells(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    first: date,
    last: date,
    rules: AssetQualityRules,
) -> dict[date, _Cells]:
    """Transition cells per month t in [first, last], from the aggregate when it can answer."""
    window = {"first_month": first, "last_month": last}
    built = built_rules(con)
    same_rules = built is not None and built.bucket_upper_edges == rules.bucket_upper_edges
    if same_rules and scope.manager_id is None:
        rows = con.execute(_AGGREGATE_CELLS, {**aggregate_params(scope), **window}).fetchall()
    elif same_rules and has_table(con, MANAGER_TRANSITION_TABLE):
        params = {**manager_aggregate_params(scope), **window}
        rows = con.execute(_MANAGER_AGGREGATE_CELLS, params).fetchall()
    else:
        params = {
            **scope.params(),
            **window,
            "bucket_edges": list(rules.bucket_upper_edges),
            "bucket_labels": rules.bucket_labels,
        }
        rows = con.execute(_LOAN_CELLS, params).fetchall()
    out: dict[date, _Cells] = defaultdict(dict)
    for t, from_bucket, to_state, n, balance_prev, balance_now in rows:
        out[t][from_bucket, to_state] = _Cell(int(n), balance_prev, balance_now)
    return out


def _rates(t: date, cells: _Cells, labels: list[str]) -> FlowRates:
    """The §3 rates of one month from its transition cells."""
    count_from: dict[str, int] = defaultdict(int)
    balance_from: dict[str, Decimal] = defaultdict(Decimal)
    for (from_bucket, _), cell in cells.items():
        count_from[from_bucket] += cell.loan_count
        balance_from[from_bucket] += cell.balance_prev
    empty = _Cell(0, Decimal(0), Decimal(0))
    flows = []
    for mk, mk1 in itertools.pairwise(labels):
        rolled = cells.get((mk, mk1), empty)
        flows.append(
            Flow(
                from_bucket=mk,
                to_bucket=mk1,
                by_balance=_ratio(rolled.balance_now, balance_from[mk]),
                by_count=_ratio(rolled.loan_count, count_from[mk]),
            )
        )
    m0, m1 = labels[0], labels[1]
    entered = sum(
        (c.balance_now for (f, to), c in cells.items() if f == m0 and to in labels[1:]),
        Decimal(0),
    )
    return FlowRates(
        month=t,
        previous_month=_month_end(t.replace(day=1) - timedelta(days=1)),
        flows=tuple(flows),
        entry_rate=_ratio(entered, balance_from[m0]),
        cure_rate_m1=_ratio(cells.get((m1, m0), empty).loan_count, count_from[m1]),
    )


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _key(label: str) -> str:
    return label.lower().rstrip("+")


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> float | None:
    return float(Decimal(numerator) / Decimal(denominator)) if denominator else None
