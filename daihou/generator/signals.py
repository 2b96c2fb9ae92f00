"""Risk warning signals (风险预警信号): system arrears alerts and external or manual findings.

- Each overdue episode raises a system ``overdue`` (or ``interest_arrears``) signal on its first
  overdue day, and a red one when it passes 90 days; both are resolved when the episode ends.
- Some episodes that go non-performing were preceded by an early warning (court enforcement,
  account anomaly, lost contact …) weeks before: the point of early warning.
- Collateral revaluations that lose over 10% raise ``collateral_impairment``; fund-flow checks
  that found a problem raise ``fund_diversion``.
- Other signals arrive at random, more often for riskier customers and for firms.
Signals are handled by the responsible manager, as fast as that manager's diligence allows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from daihou.generator.calendar import AS_OF_DAY, NEVER, WINDOW_FIRST_DAY
from daihou.generator.diligence import Diligence
from daihou.generator.loans import Book
from daihou.generator.people import BUSINESS, CORPORATE, INDIVIDUAL, Customers, Responsibility
from daihou.generator.snapshots import EpisodeTable
from daihou.generator.writer import dates, pick
from etl.contract import CODE_LISTS

TYPES = tuple(CODE_LISTS["signal_type"])
SEVERITIES = tuple(CODE_LISTS["severity"])  # red, orange, yellow
RED, ORANGE, YELLOW = range(3)
SOURCES = tuple(CODE_LISTS["signal_source"])  # system, manual, external
SYSTEM, MANUAL, EXTERNAL = range(3)
STATUSES = tuple(CODE_LISTS["signal_status"])  # open, handling, resolved
OPEN, HANDLING, RESOLVED = range(3)
T = {name: i for i, name in enumerate(TYPES)}

# Severity mix (red, orange, yellow) and source of each signal type.
SEVERITY_MIX = {
    "court_enforcement": (0.35, 0.40, 0.25),
    "licence_abnormal": (0.10, 0.40, 0.50),
    "account_anomaly": (0.10, 0.35, 0.55),
    "lost_contact": (0.40, 0.40, 0.20),
    "management_change": (0.05, 0.30, 0.65),
    "guarantor_risk": (0.15, 0.50, 0.35),
    "fund_diversion": (0.30, 0.50, 0.20),
    "collateral_impairment": (0.10, 0.50, 0.40),
    "other": (0.05, 0.25, 0.70),
}
SOURCE_OF = {"court_enforcement": EXTERNAL, "licence_abnormal": EXTERNAL, "account_anomaly": SYSTEM}
# Random signals per customer type: yearly rate and type mix.
RANDOM_RATE = {CORPORATE: 0.35, BUSINESS: 0.15, INDIVIDUAL: 0.06}
RANDOM_MIX = {
    CORPORATE: {"court_enforcement": 0.2, "licence_abnormal": 0.15, "account_anomaly": 0.2,
                "management_change": 0.15, "guarantor_risk": 0.1, "fund_diversion": 0.05,
                "other": 0.15},
    BUSINESS: {"court_enforcement": 0.15, "licence_abnormal": 0.2, "account_anomaly": 0.25,
               "lost_contact": 0.1, "guarantor_risk": 0.1, "fund_diversion": 0.05, "other": 0.15},
    INDIVIDUAL: {"court_enforcement": 0.15, "account_anomaly": 0.3, "lost_contact": 0.25,
                 "guarantor_risk": 0.1, "other": 0.2},
}  # fmt: skip
PRECURSOR_PROB = 0.4
PRECURSORS = ("court_enforcement", "account_anomaly", "lost_contact")


@dataclass
class Signals:
    """Signals of a chunk as parallel arrays (loan -1 = customer-level)."""

    customer: np.ndarray
    loan: np.ndarray
    day: np.ndarray
    type: np.ndarray
    severity: np.ndarray
    source: np.ndarray
    status: np.ndarray
    resolved_day: np.ndarray  # NEVER unless resolved
    handler: np.ndarray  # staff index, -1 for none

    def rows(
        self, signal_id: pa.Array, customer_id: pa.Array, loan_id: pa.Array, staff_id: pa.Array
    ) -> dict[str, pa.Array]:
        resolved = self.status == RESOLVED
        return {
            "signal_id": signal_id,
            "customer_id": customer_id.take(self.customer),
            "loan_id": pick(loan_id, np.maximum(self.loan, 0), null=self.loan < 0),
            "signal_date": dates(self.day),
            "signal_type": pick(TYPES, self.type),
            "severity": pick(SEVERITIES, self.severity),
            "source": pick(SOURCES, self.source),
            "status": pick(STATUSES, self.status),
            "resolved_date": dates(np.where(resolved, self.resolved_day, 0), null=~resolved),
            "handler_id": pick(staff_id, np.maximum(self.handler, 0), null=self.handler < 0),
        }


@dataclass
class Raised:
    """Signals as raised, before handling. ``closes`` is, for the arrears signals of an overdue
    episode, the day the episode ended (NEVER while open); -1 for signals handled on their own.
    """

    customer: np.ndarray
    loan: np.ndarray
    day: np.ndarray
    type: np.ndarray
    severity: np.ndarray
    source: np.ndarray
    closes: np.ndarray

    @classmethod
    def concat(cls, parts: list[Raised]) -> Raised:
        names = [f.name for f in fields(cls)]
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in names))


def _severity(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Severity drawn from the type's mix."""
    mix = np.array([SEVERITY_MIX.get(name, SEVERITY_MIX["other"]) for name in TYPES])
    cdf = np.cumsum(mix[kind], axis=1)
    return np.minimum((rng.random(len(kind))[:, None] > cdf).sum(axis=1), 2)


def _source(kind: np.ndarray) -> np.ndarray:
    return np.array([SOURCE_OF.get(name, MANUAL) for name in TYPES])[kind]


def _found(
    rng: np.random.Generator, book: Book, loan: np.ndarray, day: np.ndarray, kind: np.ndarray
) -> Raised:
    """Signals on loans, of drawn severity, not tied to an episode."""
    kind = kind.astype(np.int64)
    alone = np.full(len(loan), -1, dtype=np.int32)
    return Raised(book.customer[loan], loan, day, kind, _severity(rng, kind), _source(kind), alone)


def arrears_signals(episodes: EpisodeTable, book: Book, big_loan: np.ndarray) -> Raised:
    """System signals of overdue episodes: at the start (orange on big loans, else yellow) and
    red when the episode passes 90 days; both close when the episode ends."""
    n, n_red = len(episodes.loan), len(episodes.red_loan)
    kind = np.where(episodes.principal, T["overdue"], T["interest_arrears"])
    loan = np.concatenate([episodes.loan, episodes.red_loan])
    return Raised(
        customer=book.customer[loan],
        loan=loan,
        day=np.concatenate([episodes.day, episodes.red_day]),
        type=np.concatenate([kind, np.full(n_red, T["overdue"])]),
        severity=np.concatenate(
            [np.where(big_loan[episodes.loan], ORANGE, YELLOW), np.full(n_red, RED)]
        ),
        source=np.full(n + n_red, SYSTEM),
        closes=np.concatenate([episodes.end_day, episodes.red_end_day]),
    )


def early_warnings(rng: np.random.Generator, episodes: EpisodeTable, book: Book) -> Raised:
    """Some loans that went non-performing had a warning 2 weeks to 4 months before their first
    overdue episode (never in their first month)."""
    went_bad = np.unique(episodes.red_loan)
    warned = went_bad[rng.random(len(went_bad)) < PRECURSOR_PROB]
    by_loan = np.argsort(episodes.loan, kind="stable")  # chronological within a loan
    first_episode = by_loan[np.searchsorted(episodes.loan[by_loan], warned)]
    day = episodes.day[first_episode] - rng.integers(15, 120, len(warned))
    ok = day > book.disb_day[warned] + 30
    kind = np.array([T[k] for k in PRECURSORS])[rng.integers(0, len(PRECURSORS), len(warned))]
    found = _found(rng, book, warned[ok], day[ok], kind[ok])
    found.severity = np.where(rng.random(int(ok.sum())) < 0.4, RED, ORANGE)
    return found


def random_signals(
    rng: np.random.Generator,
    book: Book,
    guaranteed: np.ndarray,
    customers: Customers,
    span: tuple[np.ndarray, np.ndarray],
) -> Raised:
    """Signals at random over each customer's time on the book (from a year before the
    window), more often for firms and riskier customers; half name the customer's first loan."""
    first, last = span
    low = np.maximum(first, WINDOW_FIRST_DAY - 365)
    years = np.maximum(last - low, 0) / 365.0
    rate = np.array([RANDOM_RATE[t] for t in range(3)])[customers.type] * np.exp(0.5 * customers.z)
    cust = np.repeat(np.arange(len(customers)), rng.poisson(rate * years))
    day = low[cust] + (rng.random(len(cust)) * (last[cust] - low[cust])).astype(np.int32)
    kind = np.zeros(len(cust), dtype=np.int64)
    for t, mix in RANDOM_MIX.items():
        members = np.flatnonzero(customers.type[cust] == t)
        kinds = np.array([T[k] for k in mix])
        kind[members] = kinds[rng.choice(len(kinds), len(members), p=list(mix.values()))]
    first_loan = np.searchsorted(book.customer, cust)  # loans are ordered by customer
    kind[(kind == T["guarantor_risk"]) & ~guaranteed[first_loan]] = T["other"]
    raised = _found(rng, book, first_loan, day, kind)
    raised.loan = np.where(rng.random(len(cust)) < 0.5, first_loan, -1)
    return raised


def build_signals(
    rng: np.random.Generator,
    episodes: EpisodeTable,
    book: Book,
    big_loan: np.ndarray,
    guaranteed: np.ndarray,
    customers: Customers,
    customer_span: tuple[np.ndarray, np.ndarray],
    events: list[tuple[np.ndarray, np.ndarray, str]],
    responsibility: Responsibility,
    diligence: Diligence,
) -> Signals:
    """All signals of a chunk, sorted by date, handled by the responsible managers.

    ``events`` are (loan, day, type) findings of other processes (collateral impairment, fund
    diversion); ``customer_span`` is each customer's first and last day on the book. System
    arrears signals are resolved when their episode ends; the others after a delay that
    depends on the manager's diligence (longer for red ones), if that is before the as-of date.
    """
    raised = Raised.concat(
        [
            arrears_signals(episodes, book, big_loan),
            early_warnings(rng, episodes, book),
            *(_found(rng, book, loan, day, np.full(len(loan), T[k])) for loan, day, k in events),
            random_signals(rng, book, guaranteed, customers, customer_span),
        ]
    )
    day, severity = raised.day, raised.severity
    manager = responsibility.at(raised.customer, day)
    delay = diligence.warning_resolution_days[manager] * np.where(severity == RED, 1.5, 1.0)
    handled = day + 1 + rng.exponential(delay).astype(np.int32)
    resolved_day = np.where(raised.closes >= 0, raised.closes, handled)
    resolved = resolved_day <= AS_OF_DAY
    busy = rng.random(len(day)) < 0.6 + 0.3 * (severity == RED)
    status = np.select([resolved, busy], [RESOLVED, HANDLING], OPEN)
    handler = responsibility.at(raised.customer, np.where(resolved, resolved_day, AS_OF_DAY))
    order = np.lexsort((raised.type, raised.customer, day))
    return Signals(
        customer=raised.customer[order],
        loan=raised.loan[order],
        day=day[order].astype(np.int32),
        type=raised.type[order],
        severity=severity[order],
        source=raised.source[order],
        status=status[order],
        resolved_day=np.where(resolved, resolved_day, NEVER)[order],
        handler=np.where(status == OPEN, -1, handler)[order],
    )
