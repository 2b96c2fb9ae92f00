"""How diligent each account manager is: the planted truth behind inspection compliance.

Each account manager gets a profile, drawn more often as ``lax`` or ``late`` in branches with a
lax culture, and personal parameters jittered around the profile's. Inspections, reports,
collateral revaluations, collections and warning handling all follow these parameters, and
``_truth/manager_diligence.csv`` records them so that the product's scores can be checked
against what was planted.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from daihou.generator.writer import pick


@dataclass(frozen=True)
class Profile:
    """Behaviour of one kind of account manager (probabilities per obligation)."""

    name: str
    share_good_branch: float  # how common the profile is in an exemplary branch
    share_lax_branch: float  # … and in a lax one
    on_time_prob: float  # an inspection that is done is done by its due date
    mean_late_days: float  # days after the due date when it is late
    routine_skip_prob: float  # a routine (or guarantor/collateral) inspection is not done
    special_skip_prob: float  # a special inspection after an overdue or red signal is not done
    report_skip_prob: float  # no written report is filed
    report_delay_days: float  # mean days from inspection to report (at least 1)
    reviewer_prob: float  # the report is signed off by the head or risk manager
    phone_corporate_prob: float  # a corporate routine inspection is done by phone
    warning_resolution_days: float  # mean days to resolve a warning signal
    revaluation_late_days: float  # mean days a yearly collateral revaluation is late
    collection_intensity: float  # multiplier on collection actions per overdue month
    risk_multiplier: float  # lending quality of the manager's customers (重贷轻管)


PROFILES: tuple[Profile, ...] = (
    Profile("diligent", 0.45, 0.06, 0.95, 5, 0.01, 0.02, 0.01, 2, 0.95, 0.0, 12, 5, 1.2, 0.85),
    Profile("average", 0.38, 0.26, 0.78, 14, 0.06, 0.10, 0.05, 4, 0.80, 0.03, 28, 25, 1.0, 1.0),
    Profile("late", 0.06, 0.22, 0.30, 32, 0.08, 0.15, 0.10, 9, 0.70, 0.05, 45, 90, 0.8, 1.05),
    Profile("lax", 0.03, 0.32, 0.45, 25, 0.40, 0.40, 0.35, 12, 0.40, 0.15, 80, 150, 0.5, 1.25),
    Profile(
        "phone_corporate", 0.04, 0.07, 0.80, 12, 0.05, 0.10, 0.05, 3, 0.80, 0.75, 28, 25, 1.0, 1.0
    ),
    Profile("no_reports", 0.04, 0.07, 0.75, 12, 0.06, 0.12, 0.55, 6, 0.60, 0.05, 32, 40, 0.9, 1.0),
)
PROFILE_NAMES = tuple(p.name for p in PROFILES)
PARAMETERS = tuple(f.name for f in fields(Profile) if f.name != "name" and "share" not in f.name)
PROBABILITIES = {n for n in PARAMETERS if n.endswith("_prob")}
TRUTH_SCHEMA = pa.schema(
    [("staff_id", pa.string()), ("org_id", pa.string()), ("profile", pa.string())]
    + [(name, pa.float64()) for name in PARAMETERS]
)


@dataclass(frozen=True)
class Diligence:
    """Per staff member: profile index (-1 for staff who are not account managers) and the
    personal value of every parameter (NaN for them)."""

    profile: np.ndarray
    params: dict[str, np.ndarray]

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.params[name]
        except KeyError:
            raise AttributeError(name) from None

    def truth_table(self, staff_id: pa.Array, org_id: pa.Array) -> dict[str, pa.Array]:
        """Rows of ``_truth/manager_diligence.csv`` (account managers only)."""
        am = np.flatnonzero(self.profile >= 0)
        out: dict[str, pa.Array] = {
            "staff_id": staff_id.take(am),
            "org_id": org_id.take(am),
            "profile": pick(PROFILE_NAMES, self.profile[am]),
        }
        for name in PARAMETERS:
            out[name] = pa.array(np.round(self.params[name][am], 3))
        return out


def assign_profiles(
    rng: np.random.Generator, is_manager: np.ndarray, culture: np.ndarray
) -> Diligence:
    """Draw a profile per account manager from its branch culture, then jitter parameters."""
    n = len(is_manager)
    good = np.array([p.share_good_branch for p in PROFILES])
    lax = np.array([p.share_lax_branch for p in PROFILES])
    mix = (1 - culture)[:, None] * good + culture[:, None] * lax
    cdf = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    profile = (rng.random(n)[:, None] > cdf).sum(axis=1)
    profile = np.where(is_manager, np.minimum(profile, len(PROFILES) - 1), -1).astype(np.int8)

    params: dict[str, np.ndarray] = {}
    for name in PARAMETERS:
        base = np.array([getattr(p, name) for p in PROFILES], dtype=float)
        value = base[np.maximum(profile, 0)]
        if name in PROBABILITIES:  # jitter on the logit scale keeps it a probability
            odds = np.clip(value, 1e-3, 1 - 1e-3)
            logit = np.log(odds / (1 - odds)) + rng.normal(0.0, 0.3, n)
            value = np.where(value <= 0, 0.0, 1 / (1 + np.exp(-logit)))
        else:
            value = value * rng.lognormal(0.0, 0.15, n)
        params[name] = np.where(is_manager, value, np.nan)
    return Diligence(profile, params)
