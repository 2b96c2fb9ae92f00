"""Five-class migration between two month ends (METRICS.md §2, 贷款迁徙率).

The cohort of class c is the loans on the book at the opening month end t0 with class c; a
loan disbursed after t0 has no snapshot on the book at t0 (the load refuses snapshots before
the disbursement month end), so it is in no cohort. A cohort loan belongs to the scope through
its booking org and the scope's filters (and, for a manager scope, its manager at t0). Its state
at the closing month end t1 is its class if on the book at t1; otherwise ``written_off`` or
``transferred`` when that is the status of its last snapshot up to t1, else ``settled`` (also
when it has no later snapshot).

Two sources give identical results (tests/test_migration.py checks it on the demo bank): the
load-time tables ``agg_loan_month`` and ``agg_loan_exit_run`` (see
``warehouse.aggregates.asset_quality``), and the loan-level snapshots, used for a warehouse
without them. Amounts are exact ``Decimal`` yuan in MigrationRates and floats in frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from etl.contract import CLASSES, LEAVING_STATUSES, NPL_CLASSES
from metrics.aggregate_scope import AGGREGATE_SCOPE_FILTER
from metrics.scope import SCOPED_LOANS, SNAPSHOT_MANAGER_FILTER, Scope
from warehouse.aggregates.asset_quality import ON_BOOK, built_floors

# States at t1: the five classes (on the book), then the ways off the book.
STATES: tuple[str, ...] = (*CLASSES, *LEAVING_STATUSES)
# Cohorts with a migration rate: loss cannot migrate down.
RATED_CLASSES: tuple[str, ...] = CLASSES[:-1]

# Cohort loans: (loan_id, from_class, to_state, opening_balance, closing_balance), where
# closing_balance is the balance at t1 when on the book then, else 0.
_COHORT_FROM_AGGREGATE = f"""
    WITH opening AS (
        SELECT a.loan_id, a.classification, a.balance
        FROM agg_loan_month AS a
        WHERE a.as_of_date = $opening AND {AGGREGATE_SCOPE_FILTER}
          AND ($scope_manager_id IS NULL OR a.manager_id = $scope_manager_id)
    ),
    closing AS (
        SELECT a.loan_id, a.classification, a.balance
        FROM agg_loan_month AS a
        WHERE a.as_of_date = $closing
    )
    SELECT
        o.loan_id,
        o.classification AS from_class,
        CASE
            WHEN c.loan_id IS NOT NULL THEN c.classification
            ELSE coalesce(x.exit_status, 'settled')
        END AS to_state,
        o.balance AS opening_balance,
        coalesce(c.balance, 0) AS closing_balance
    FROM opening AS o
    LEFT JOIN closing AS c ON c.loan_id = o.loan_id
    -- the written-off/transferred run that holds the loan's last snapshot up to t1, if any
    LEFT JOIN agg_loan_exit_run AS x
      ON x.loan_id = o.loan_id
     AND x.first_as_of_date <= $closing
     AND (x.next_as_of_date IS NULL OR x.next_as_of_date > $closing)
"""

_COHORT_FROM_LOANS = f"""
    WITH opening AS (
        SELECT s.loan_id, s.classification, s.balance
        FROM fct_loan_snapshot AS s
        WHERE s.as_of_date = $opening AND {ON_BOOK} AND {SNAPSHOT_MANAGER_FILTER}
          AND s.loan_id IN (SELECT loan_id FROM ({SCOPED_LOANS}))
    ),
    closing AS (
        SELECT s.loan_id, s.classification, s.balance
        FROM fct_loan_snapshot AS s
        WHERE s.as_of_date = $closing AND {ON_BOOK}
    ),
    last_row AS (
        SELECT s.loan_id, arg_max(s.status, s.as_of_date) AS status
        FROM fct_loan_snapshot AS s
        WHERE s.as_of_date > $opening AND s.as_of_date <= $closing
          AND s.loan_id IN (SELECT loan_id FROM opening)
        GROUP BY s.loan_id
    )
    SELECT
        o.loan_id,
        o.classification AS from_class,
        CASE
            WHEN c.loan_id IS NOT NULL THEN c.classification
            WHEN r.status IN ('written_off', 'transferred') THEN r.status
            ELSE 'settled'
        END AS to_state,
        o.balance AS opening_balance,
        coalesce(c.balance, 0) AS closing_balance
    FROM opening AS o
    LEFT JOIN closing AS c ON c.loan_id = o.loan_id
    LEFT JOIN last_row AS r ON r.loan_id = o.loan_id
"""


def _matrix_sql(cohort: str) -> str:
    """Every (class at t0, state at t1) cell, zero where no cohort loan went."""
    return f"""
    WITH cohort_loan AS ({cohort}),
    cell AS (
        SELECT f.from_class, t.to_state
        FROM (SELECT unnest($classes) AS from_class) AS f
        CROSS JOIN (SELECT unnest($states) AS to_state) AS t
    )
    SELECT
        cell.from_class,
        cell.to_state,
        coalesce(sum(l.opening_balance), 0) AS opening_balance,
        coalesce(sum(l.closing_balance), 0) AS closing_balance,
        count(l.loan_id) AS loan_count
    FROM cell
    LEFT JOIN cohort_loan AS l ON l.from_class = cell.from_class AND l.to_state = cell.to_state
    GROUP BY cell.from_class, cell.to_state
    ORDER BY list_position($classes, cell.from_class), list_position($states, cell.to_state)
    """


_MATRIX_FROM_AGGREGATE = _matrix_sql(_COHORT_FROM_AGGREGATE)
_MATRIX_FROM_LOANS = _matrix_sql(_COHORT_FROM_LOANS)


@dataclass(frozen=True)
class MatrixCell:
    """Cohort loans of ``from_class`` at t0 in ``to_state`` at t1."""

    from_class: str
    to_state: str
    opening_balance: Decimal
    closing_balance: Decimal
    loan_count: int


@dataclass(frozen=True)
class CohortMigration:
    """The migration of one class's cohort (METRICS.md §2)."""

    from_class: str
    loan_count: int
    opening_balance: Decimal
    period_reduction: Decimal  # 期间减少金额: opening − closing (repaid, recovered, out)
    denominator: Decimal  # opening − period reduction (= Σ closing balance)
    downward_amount: Decimal  # Σ closing balance of cohort loans in a worse class at t1
    rate: float | None  # downward / denominator; None when the denominator is 0


@dataclass(frozen=True)
class MigrationRates:
    """Migration rates of the normal, special-mention, substandard and doubtful cohorts and
    the performing-loan migration rate, from ``opening`` to ``closing`` (METRICS.md §2)."""

    opening: date
    closing: date
    normal: CohortMigration  # 正常类贷款迁徙率
    special_mention: CohortMigration  # 关注类贷款迁徙率
    substandard: CohortMigration  # 次级类贷款迁徙率
    doubtful: CohortMigration  # 可疑类贷款迁徙率
    # 正常贷款迁徙率: normal and special-mention cohort loans NPL at t1 / their denominators
    performing_numerator: Decimal
    performing_denominator: Decimal
    performing_migration_rate: float | None

    def of(self, from_class: str) -> CohortMigration:
        return getattr(self, from_class)


def migration_matrix(
    con: duckdb.DuckDBPyConnection, scope: Scope, opening: date, closing: date
) -> pd.DataFrame:
    """The five-class migration matrix from ``opening`` to ``closing`` (METRICS.md §2), long.

    Columns: from_class (class at t0), to_state (class at t1, or settled / written_off /
    transferred), opening_balance and closing_balance (yuan), loan_count; all 5 × 8 cells,
    rows best class first. Each from_class's opening balances and counts add up to its cohort.
    """
    cells = _cells(con, scope, opening, closing)
    frame = pd.DataFrame(cells)
    return frame.astype({"opening_balance": float, "closing_balance": float})


def migration_rates(
    con: duckdb.DuckDBPyConnection, scope: Scope, opening: date, closing: date
) -> MigrationRates:
    """The §2 migration rates of a scope from ``opening`` to ``closing``, from the matrix."""
    cells = _cells(con, scope, opening, closing)
    cohorts = {c: _cohort(c, [x for x in cells if x.from_class == c]) for c in RATED_CLASSES}
    performing = ("normal", "special_mention")
    numerator = _sum(
        x.closing_balance for x in cells if x.from_class in performing and x.to_state in NPL_CLASSES
    )
    denominator = _sum(cohorts[c].denominator for c in performing)
    return MigrationRates(
        opening=opening,
        closing=closing,
        **cohorts,
        performing_numerator=numerator,
        performing_denominator=denominator,
        performing_migration_rate=_ratio(numerator, denominator),
    )


def _cells(
    con: duckdb.DuckDBPyConnection, scope: Scope, opening: date, closing: date
) -> list[MatrixCell]:
    if closing <= opening:
        raise ValueError(f"closing {closing} must be after opening {opening} (METRICS.md §2)")
    # the loan tables are built with agg_class_month, whatever the floors
    sql = _MATRIX_FROM_AGGREGATE if built_floors(con) is not None else _MATRIX_FROM_LOANS
    params = {
        **scope.params(),
        "opening": opening,
        "closing": closing,
        "classes": list(CLASSES),
        "states": list(STATES),
    }
    return [MatrixCell(*row) for row in con.execute(sql, params).fetchall()]


def _cohort(from_class: str, cells: list[MatrixCell]) -> CohortMigration:
    """A cohort's §2 figures from its row of the matrix."""
    worse = CLASSES[CLASSES.index(from_class) + 1 :]
    opening = _sum(x.opening_balance for x in cells)
    reduction = opening - _sum(x.closing_balance for x in cells)
    denominator = opening - reduction
    downward = _sum(x.closing_balance for x in cells if x.to_state in worse)
    return CohortMigration(
        from_class=from_class,
        loan_count=sum(x.loan_count for x in cells),
        opening_balance=opening,
        period_reduction=reduction,
        denominator=denominator,
        downward_amount=downward,
        rate=_ratio(downward, denominator),
    )


def _sum(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, Decimal(0))


def _ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    return float(numerator / denominator) if denominator else None
