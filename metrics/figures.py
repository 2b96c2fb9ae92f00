"""Headline figures for other systems (METRICS.md §8): one flat mapping of stable keys.

Regulatory filing, BI and audits read these without the UI, so the keys are a public interface:
add, never rename. Ratios are fractions, amounts yuan, and a figure that cannot be computed is
None (JSON null).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from daihou.settings import Settings
from metrics.asset_quality import asset_quality_at
from metrics.migration import migration_rates
from metrics.obligations import compliance, report_quality
from metrics.roll_rates import flow_rates
from metrics.scope import Scope
from metrics.watchlist import Rules as WatchlistRulesInForce
from metrics.watchlist import watchlist_count

# §1 keys, read from AssetQuality fields of the same name
ASSET_QUALITY_KEYS: tuple[str, ...] = (
    "loan_count",
    "total_balance",
    "balance_normal",
    "balance_special_mention",
    "balance_substandard",
    "balance_doubtful",
    "balance_loss",
    "npl_balance",
    "npl_ratio",
    "npl_ratio_by_count",
    "special_mention_ratio",
    "overdue_balance",
    "overdue_ratio",
    "overdue_principal",
    "dpd90_to_npl",
    "dpd60_to_npl",
    "par30",
    "floor_breach_count",
    "floor_breach_balance",
)
# §2 keys: the cohort whose rate each one is
MIGRATION_KEYS: dict[str, str] = {
    "migration_rate_normal": "normal",
    "migration_rate_special_mention": "special_mention",
    "migration_rate_substandard": "substandard",
    "migration_rate_doubtful": "doubtful",
}
# §3 keys, read from FlowRates attributes of the same name (flow rates by balance)
ROLL_RATE_KEYS: tuple[str, ...] = (
    "flow_rate_m0_m1",
    "flow_rate_m1_m2",
    "flow_rate_m2_m3",
    "flow_rate_m3_m4",
    "entry_rate",
    "cure_rate_m1",
)


# §5 keys: the Compliance field each one is
COMPLIANCE_KEYS: dict[str, str] = {
    "obligations_due": "due",
    "obligations_on_time": "on_time",
    "obligations_late": "late",
    "obligations_overdue": "overdue",
    "on_time_rate": "on_time_rate",
    "completion_rate": "completion_rate",
}


def default_opening(as_of: date) -> date:
    """The previous year end, METRICS.md §8's default opening date."""
    return date(as_of.year - 1, 12, 31)


def headline_figures(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: date,
    opening: date | None,
    settings: Settings,
) -> dict[str, object]:
    """Every §8 key: §1 at ``as_of``, §2 from ``opening`` to ``as_of``, §3 for the month
    ending at ``as_of``, §5 for obligations due and inspections dated in (opening, as_of], §6
    at ``as_of``; each under the rules of ``settings``."""
    opening = opening or default_opening(as_of)
    rules = settings.asset_quality
    quality = asset_quality_at(con, scope, as_of, rules)
    migration = migration_rates(con, scope, opening, as_of)
    flows = flow_rates(con, scope, as_of, rules)
    owed = compliance(con, scope, opening, as_of, as_of, settings.inspection)
    reports = report_quality(con, scope, opening, as_of, settings.inspection)
    out: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "opening": opening.isoformat(),
        "org_id": scope.org_id,
    }
    out.update({key: _plain(getattr(quality, key)) for key in ASSET_QUALITY_KEYS})
    out.update({key: migration.of(cls).rate for key, cls in MIGRATION_KEYS.items()})
    out["performing_migration_rate"] = migration.performing_migration_rate
    out.update({key: getattr(flows, key) for key in ROLL_RATE_KEYS})
    out.update({key: getattr(owed, field) for key, field in COMPLIANCE_KEYS.items()})
    out["report_quality_rate"] = reports.share_good
    out["watchlist_count"] = watchlist_count(con, scope, as_of, WatchlistRulesInForce.of(settings))
    return out


def _plain(value: object) -> object:
    """Amounts as JSON numbers: whole yuan as integers, else the exact two-decimal value."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
