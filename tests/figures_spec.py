"""METRICS.md §8's keys, copied from the spec: the public interface to hold."""

SECTION_1_3_KEYS = frozenset(
    [
        "as_of",
        "opening",
        "org_id",
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
        "migration_rate_normal",
        "migration_rate_special_mention",
        "migration_rate_substandard",
        "migration_rate_doubtful",
        "performing_migration_rate",
        "flow_rate_m0_m1",
        "flow_rate_m1_m2",
        "flow_rate_m2_m3",
        "flow_rate_m3_m4",
        "entry_rate",
        "cure_rate_m1",
    ]
)

SECTION_5_6_KEYS = frozenset(
    [
        "obligations_due",
        "obligations_on_time",
        "obligations_late",
        "obligations_overdue",
        "on_time_rate",
        "completion_rate",
        "report_quality_rate",
        "watchlist_count",
    ]
)

ALL_KEYS = SECTION_1_3_KEYS | SECTION_5_6_KEYS
