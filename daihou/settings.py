"""The one configuration model: paths, database, rules, thresholds and weights.

Values come, in increasing priority, from the defaults below (DOMAIN.md / METRICS.md), a TOML
file (``daihou.toml`` in the working directory, or the file named by ``DAIHOU_CONFIG``),
environment variables prefixed ``DAIHOU_`` (nested fields with ``__``, e.g.
``DAIHOU_INSPECTION__SPECIAL_DUE_DAYS=5``) and command-line options. Nothing in the code
repeats a default that lives here.
"""

from __future__ import annotations

import itertools
import os
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from daihou.holidays import CN_HOLIDAYS, CN_MAKEUP_WORKDAYS

Class = Literal["normal", "special_mention", "substandard", "doubtful", "loss"]


class ClassificationFloor(BaseModel):
    """A loan more than ``dpd_over`` days past due is at least ``at_least`` (METRICS.md §1)."""

    dpd_over: int
    at_least: Class


class AssetQualityRules(BaseModel):
    """Bucket edges, classification floors and vintage thresholds (METRICS.md §1, §3, §4)."""

    # Upper edges (inclusive) of M1..M6 in days past due; M0 = 0, M7+ is above the last edge.
    bucket_upper_edges: list[int] = Field(default=[30, 60, 90, 120, 150, 180])
    classification_floors: list[ClassificationFloor] = Field(
        default=[
            ClassificationFloor(dpd_over=7, at_least="special_mention"),
            ClassificationFloor(dpd_over=90, at_least="substandard"),
            ClassificationFloor(dpd_over=270, at_least="doubtful"),
            ClassificationFloor(dpd_over=360, at_least="loss"),
        ]
    )
    vintage_thresholds: list[int] = Field(default=[30, 90])

    @model_validator(mode="after")
    def _ascending(self) -> AssetQualityRules:
        edges = self.bucket_upper_edges
        if not edges or edges[0] < 1 or any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError("bucket_upper_edges must be positive and strictly ascending")
        return self

    @property
    def bucket_labels(self) -> list[str]:
        """M0, M1, ..., M{n}, M{n+1}+ for n edges."""
        n = len(self.bucket_upper_edges)
        return [f"M{i}" for i in range(n + 1)] + [f"M{n + 1}+"]


class InspectionRules(BaseModel):
    """What is owed and when (DOMAIN.md rule table, METRICS.md §5)."""

    first_due_days: int = 7
    first_due_days_self_pay: int = 3
    fund_flow_due_working_days: int = 7
    routine_interval_days: dict[str, int] = Field(
        default={
            "AAA": 180,
            "AA": 180,
            "A": 90,
            "BBB": 90,
            "BB": 60,
            "B": 60,
            "CCC": 60,
            "CC": 60,
            "C": 60,
            "unrated": 60,
        }
    )
    special_due_days: int = 3
    special_signal_severities: list[str] = Field(default=["red"])
    collateral_revaluation_days: int = 365
    allowed_routine_methods: dict[str, list[str]] = Field(
        default={
            "corporate": ["onsite"],
            "individual_business": ["onsite", "video"],
            "individual": ["onsite", "offsite", "phone", "video"],
        }
    )
    report_due_working_days: int = 5
    holidays: list[date] = Field(default_factory=lambda: list(CN_HOLIDAYS))
    makeup_workdays: list[date] = Field(default_factory=lambda: list(CN_MAKEUP_WORKDAYS))


class WatchlistRules(BaseModel):
    """Watch-list triggers, their points and the severity bands (METRICS.md §6).

    A trigger with 0 points is switched off: it neither scores nor puts a customer on the list.
    """

    red_signal_points: int = 40  # an open red warning signal
    orange_signal_points: int = 20  # an open orange warning signal
    npl_points: int = 30  # a loan substandard, doubtful or loss
    downgrade_points: int = 20  # a loan classed worse than downgrade_window_months ago
    dpd_high_points: int = 20  # a loan more than dpd_high_days past due …
    dpd_points: int = 10  # … or else more than 0 (the two never add up)
    floor_breach_points: int = 25  # a loan better classed than its dpd floor allows
    overdue_obligation_points: int = 10  # a routine/special inspection overdue too long
    collateral_gap_points: int = 10  # coverage below the floor, or an appraisal too old
    downgrade_window_months: int = 3
    dpd_high_days: int = 30
    obligation_overdue_days: int = 30  # overdue more than this many days
    coverage_floor: float = 1.0  # Σ latest appraised values of a loan's items / its balance
    appraisal_max_age_days: int = 365  # latest appraisal of an item older than this
    severity_high_from: int = 60  # score ≥ this: 高
    severity_medium_from: int = 30  # score ≥ this (and below high): 中; below: 低

    @model_validator(mode="after")
    def _sensible(self) -> WatchlistRules:
        if any(points < 0 for points in self.points().values()):
            raise ValueError("watch-list points must be 0 or more")
        if self.downgrade_window_months < 1:
            raise ValueError("downgrade_window_months must be at least 1")
        if min(self.dpd_high_days, self.obligation_overdue_days, self.appraisal_max_age_days) < 0:
            raise ValueError("watch-list day thresholds must be 0 or more")
        if self.coverage_floor < 0:
            raise ValueError("coverage_floor must be 0 or more")
        if not 0 < self.severity_medium_from <= self.severity_high_from:
            raise ValueError("severity bands must satisfy 0 < medium_from <= high_from")
        return self

    def points(self) -> dict[str, int]:
        """Points per trigger, keyed by the trigger's name (metrics.watchlist.TRIGGERS)."""
        return {
            "red_signal": self.red_signal_points,
            "orange_signal": self.orange_signal_points,
            "npl": self.npl_points,
            "downgrade": self.downgrade_points,
            "dpd_high": self.dpd_high_points,
            "dpd": self.dpd_points,
            "floor_breach": self.floor_breach_points,
            "overdue_obligation": self.overdue_obligation_points,
            "collateral_gap": self.collateral_gap_points,
        }


class ScoreRules(BaseModel):
    """Account-manager performance score: weights, targets and caps (METRICS.md §7), and the
    bonus threshold and deferral (§7 bonus allocation)."""

    # The score's components, in the order they are shown; ``weights`` has one entry for each.
    COMPONENTS: ClassVar[tuple[str, ...]] = (
        "timeliness",
        "report_quality",
        "asset_quality",
        "migration",
        "recovery",
        "warning_handling",
    )

    weights: dict[str, float] = Field(
        default={
            "timeliness": 25,
            "report_quality": 10,
            "asset_quality": 25,
            "migration": 10,
            "recovery": 15,
            "warning_handling": 15,
        }
    )
    npl_target: float = 0.02  # NPL ratio at or below which asset quality scores 100 …
    npl_cap: float = 0.10  # … falling linearly to 0 here
    migration_cap: float = 0.05  # performing-loan migration rate scoring 0 (0% scores 100)
    recovery_target: float = 0.20  # recovery rate scoring 100 (capped there)
    signal_resolution_days: int = 30  # a warning signal resolved within this many days counts
    min_obligations: int = 5  # fewer obligations due and no loans at the period end: not rated
    bonus_threshold: float = 60  # a score below this gets no bonus
    bonus_deferred_share: float = 0.40  # share of each bonus deferred

    @model_validator(mode="after")
    def _sensible(self) -> ScoreRules:
        missing = [c for c in self.COMPONENTS if c not in self.weights]
        unknown = [c for c in self.weights if c not in self.COMPONENTS]
        if missing or unknown:
            raise ValueError(
                f"scores.weights must give a weight for each of {', '.join(self.COMPONENTS)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("scores.weights must be 0 or more")
        # in decimal notation, so that 33.3 + 33.3 + 33.4 is exactly 100
        total = sum(Decimal(str(w)) for w in self.weights.values())
        if total != 100:
            raise ValueError(f"scores.weights must sum to exactly 100, not {total}")
        if not 0 <= self.npl_target < self.npl_cap:
            raise ValueError(
                f"scores.npl_cap ({self.npl_cap}) must be beyond npl_target ({self.npl_target}),"
                " which must be 0 or more"
            )
        if not self.migration_cap > 0:
            raise ValueError(
                f"scores.migration_cap ({self.migration_cap}) must be beyond its target, 0"
            )
        if not self.recovery_target > 0:
            raise ValueError(f"scores.recovery_target ({self.recovery_target}) must be above 0")
        if self.signal_resolution_days < 0 or self.min_obligations < 0:
            raise ValueError("scores.signal_resolution_days and min_obligations must be 0 or more")
        if not 0 <= self.bonus_threshold <= 100:
            raise ValueError(f"scores.bonus_threshold ({self.bonus_threshold}) must be in [0, 100]")
        if not 0 <= self.bonus_deferred_share <= 1:
            raise ValueError(
                f"scores.bonus_deferred_share ({self.bonus_deferred_share}) must be in [0, 1]"
            )
        return self


class AuthRules(BaseModel):
    """Dashboard sign-in: session lifetime and the rate limit on failed passwords."""

    idle_minutes: int = Field(
        default=30, gt=0, description="A session without any action this long signs out."
    )
    session_hours: int = Field(
        default=10, gt=0, description="A session signs out this long after sign-in, active or not."
    )
    max_failures: int = Field(
        default=5, gt=0, description="Failed passwords for one username before it is locked."
    )
    lockout_minutes: int = Field(
        default=15, gt=0, description="How long those failures count, and the lock lasts."
    )
    show_demo_logins: bool = Field(
        default=False,
        description="Show the demo accounts' passwords on the sign-in page (`daihou demo` only).",
    )


class Settings(BaseSettings):
    """All of daihou's configuration. See README "Settings" for every field."""

    model_config = SettingsConfigDict(
        env_prefix="DAIHOU_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Field(
        default=Path("data"), description="Where generated data and the warehouse live."
    )
    accounts: Path | None = Field(
        default=None,
        description="Dashboard accounts and audit log (SQLite); default <data_dir>/accounts.db.",
    )
    warehouse: Path | None = Field(
        default=None,
        description="DuckDB warehouse; default <data_dir>/daihou.duckdb. Env DAIHOU_WAREHOUSE.",
    )
    language: Literal["zh-CN", "en"] = Field(
        default="zh-CN", description="Interface language of a browser that has chosen none."
    )
    demo_seed: int = Field(default=20251231, description="Seed of the demo bank (daihou demo).")
    uci_source: Path = Field(
        default=Path(__file__).resolve().parents[1]
        / "data_sources/uci_credit_card/UCI_Credit_Card.csv",
        description="The real UCI credit-card file for `daihou demo --dataset uci`.",
    )
    asset_quality: AssetQualityRules = Field(default_factory=AssetQualityRules)
    inspection: InspectionRules = Field(default_factory=InspectionRules)
    watchlist: WatchlistRules = Field(default_factory=WatchlistRules)
    scores: ScoreRules = Field(default_factory=ScoreRules)
    auth: AuthRules = Field(default_factory=AuthRules)
    load_memory_limit: str = Field(default="6GB", description="DuckDB memory_limit during loads.")
    load_threads: int | None = Field(default=None, description="DuckDB threads during loads.")

    @property
    def accounts_path(self) -> Path:
        return (self.accounts or self.data_dir / "accounts.db").absolute()

    @property
    def warehouse_path(self) -> Path:
        return (self.warehouse or self.data_dir / "daihou.duckdb").absolute()

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL of the warehouse (duckdb-engine)."""
        return f"duckdb:///{self.warehouse_path}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("DAIHOU_CONFIG", "daihou.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file))


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """Settings from file and environment, read once per process."""
    return Settings()
