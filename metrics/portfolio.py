"""Asset quality of a scope at month ends (METRICS.md §1): totals, class structure, trends.

Every function takes an open DuckDB connection and a Scope; the SQL text is constant and every
value reaches it as a bound parameter. Amounts in the summary are exact ``Decimal`` yuan; in
frames they are floats (yuan), which is what tables and charts consume.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from etl.contract import CLASSES, NPL_CLASSES
from metrics.scope import SCOPED_LOANS, SNAPSHOT_MANAGER_FILTER, Scope

# A snapshot row that counts as "on the book" (METRICS.md preamble). Alias ``s``.
ON_BOOK = "s.status = 'active' AND s.balance > 0"

_CLASS_AT = f"""
WITH scoped_loan AS ({SCOPED_LOANS})
SELECT s.classification, count(*) AS loan_count, sum(s.balance) AS balance
FROM fct_loan_snapshot AS s
JOIN scoped_loan AS l ON l.loan_id = s.loan_id
WHERE s.as_of_date = $as_of AND {ON_BOOK} AND {SNAPSHOT_MANAGER_FILTER}
GROUP BY s.classification
"""

# Every (month end in the window, class) pair, so that charts stack without gaps.
_CLASS_TREND = f"""
WITH scoped_loan AS ({SCOPED_LOANS}),
month_end AS (
    SELECT DISTINCT as_of_date FROM fct_loan_snapshot WHERE as_of_date BETWEEN $start AND $end
),
class AS (SELECT unnest($classes) AS classification),
on_book AS (
    SELECT s.as_of_date, s.classification, count(*) AS loan_count, sum(s.balance) AS balance
    FROM fct_loan_snapshot AS s
    JOIN scoped_loan AS l ON l.loan_id = s.loan_id
    WHERE s.as_of_date BETWEEN $start AND $end AND {ON_BOOK} AND {SNAPSHOT_MANAGER_FILTER}
    GROUP BY s.as_of_date, s.classification
)
SELECT m.as_of_date,
       c.classification,
       coalesce(o.balance, 0)::DOUBLE AS balance,
       coalesce(o.loan_count, 0) AS loan_count
FROM month_end AS m
CROSS JOIN class AS c
LEFT JOIN on_book AS o ON o.as_of_date = m.as_of_date AND o.classification = c.classification
ORDER BY m.as_of_date, list_position($classes, c.classification)
"""

# One row per direct child org; its figures cover the child's whole subtree.
_CHILDREN = f"""
WITH scoped_loan AS ({SCOPED_LOANS}),
on_book AS (
    SELECT l.org_id, s.classification, s.balance
    FROM fct_loan_snapshot AS s
    JOIN scoped_loan AS l ON l.loan_id = s.loan_id
    WHERE s.as_of_date = $as_of AND {ON_BOOK} AND {SNAPSHOT_MANAGER_FILTER}
),
child AS (
    SELECT
        c.org_id,
        c.org_name,
        c.level,
        count(o.balance) AS loan_count,
        coalesce(sum(o.balance), 0) AS total_balance,
        -- NPL = substandard + doubtful + loss
        coalesce(sum(o.balance) FILTER (list_contains($npl_classes, o.classification)), 0)
            AS npl_balance,
        coalesce(sum(o.balance) FILTER (o.classification = 'special_mention'), 0)
            AS special_mention_balance
    FROM dim_org AS c
    LEFT JOIN bridge_org_subtree AS b ON b.ancestor_org_id = c.org_id
    LEFT JOIN on_book AS o ON o.org_id = b.org_id
    WHERE c.parent_org_id = $scope_org_id
    GROUP BY c.org_id, c.org_name, c.level
)
SELECT
    org_id,
    org_name,
    level,
    loan_count,
    total_balance::DOUBLE AS total_balance,
    npl_balance::DOUBLE AS npl_balance,
    -- null, not 0%, when the child has nothing on the book
    (npl_balance / nullif(total_balance, 0))::DOUBLE AS npl_ratio,
    (special_mention_balance / nullif(total_balance, 0))::DOUBLE AS special_mention_ratio
FROM child
ORDER BY org_id
"""

_MONTH_ENDS = "SELECT DISTINCT as_of_date FROM fct_loan_snapshot ORDER BY as_of_date"


@dataclass(frozen=True)
class ClassFigures:
    """One class at a month end: count and balance on the book, share of total balance."""

    classification: str
    loan_count: int
    balance: Decimal
    share: float | None  # None when the scope has nothing on the book


@dataclass(frozen=True)
class PortfolioSummary:
    """Asset quality of a scope at one month end (METRICS.md §1)."""

    as_of: date
    loan_count: int
    total_balance: Decimal
    classes: tuple[ClassFigures, ...]  # all five, best to worst

    def of(self, classification: str) -> ClassFigures:
        return next(c for c in self.classes if c.classification == classification)

    @property
    def npl_balance(self) -> Decimal:
        """不良贷款: Σ balance of substandard + doubtful + loss."""
        return sum((self.of(c).balance for c in NPL_CLASSES), Decimal(0))

    @property
    def npl_count(self) -> int:
        return sum(self.of(c).loan_count for c in NPL_CLASSES)

    @property
    def npl_ratio(self) -> float | None:
        """不良贷款率 = NPL balance / total loans; None without loans on the book."""
        return _ratio(self.npl_balance, self.total_balance)

    @property
    def npl_ratio_by_count(self) -> float | None:
        return _ratio(Decimal(self.npl_count), Decimal(self.loan_count))

    @property
    def special_mention_ratio(self) -> float | None:
        """关注类占比 = special-mention balance / total loans."""
        return _ratio(self.of("special_mention").balance, self.total_balance)

    def class_frame(self) -> pd.DataFrame:
        """The class structure as a table: classification, loan_count, balance, share."""
        return pd.DataFrame(
            {
                "classification": [c.classification for c in self.classes],
                "loan_count": [c.loan_count for c in self.classes],
                "balance": [float(c.balance) for c in self.classes],
                "share": [c.share for c in self.classes],
            }
        )


def month_ends(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Month ends with snapshots, oldest first: the dates every §1 figure can be asked for."""
    return [row[0] for row in con.execute(_MONTH_ENDS).fetchall()]


def portfolio_at(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> PortfolioSummary:
    """Total loans and class structure of a scope at a month end (METRICS.md §1)."""
    rows = con.execute(_CLASS_AT, {**scope.params(), "as_of": as_of}).fetchall()
    found = {cls: (int(n), Decimal(bal)) for cls, n, bal in rows}
    figures = {cls: found.get(cls, (0, Decimal(0))) for cls in CLASSES}
    total = sum((bal for _, bal in figures.values()), Decimal(0))
    classes = tuple(
        ClassFigures(classification=cls, loan_count=n, balance=bal, share=_ratio(bal, total))
        for cls, (n, bal) in figures.items()
    )
    return PortfolioSummary(
        as_of=as_of,
        loan_count=sum(c.loan_count for c in classes),
        total_balance=total,
        classes=classes,
    )


def class_balance_trend(
    con: duckdb.DuckDBPyConnection, scope: Scope, start: date, end: date
) -> pd.DataFrame:
    """Balance and count on the book per class at each month end in [start, end] (§1).

    Columns: as_of_date, classification, balance (yuan), loan_count; every class at every
    month end, zero where a class is empty.
    """
    params = {**scope.params(), "start": start, "end": end, "classes": list(CLASSES)}
    return con.execute(_CLASS_TREND, params).df()


def children_breakdown(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> pd.DataFrame:
    """§1 figures for each direct child of the scope's org, over the child's subtree.

    Columns: org_id, org_name, level, loan_count, total_balance, npl_balance, npl_ratio,
    special_mention_ratio. A child with nothing on the book is listed with zeros and null
    ratios. Loans booked at the scope's org itself belong to no child.
    """
    params = {**scope.params(), "as_of": as_of, "npl_classes": list(NPL_CLASSES)}
    return con.execute(_CHILDREN, params).df()


def trend_start(end: date, months: int) -> date:
    """The month end ``months - 1`` months before ``end``: a window of ``months`` month ends."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def previous_month_end(month_ends: list[date], as_of: date) -> date | None:
    """The latest month end with data before ``as_of`` (the comparison month), if any."""
    earlier = [d for d in month_ends if d < as_of]
    return max(earlier) if earlier else None


def _ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    return float(numerator / denominator) if denominator else None
