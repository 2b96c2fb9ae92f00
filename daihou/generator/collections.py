"""Collection actions (催收记录) on loans in arrears, escalating with days past due.

Each month a loan in arrears gets a handful of actions whose channels escalate with its bucket
(SMS in M1, calls and visits in M2–M3, formal notices and lawsuits once non-performing), fewer
from lax managers. A month in which the borrower paid ends with a ``paid`` action carrying the
amount recovered.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from daihou.generator.snapshots import bucket
from daihou.generator.writer import amounts, dates, pick
from etl.contract import CODE_LISTS

CHANNELS = tuple(CODE_LISTS["collection_channel"])  # sms, phone, visit, notice, legal
OUTCOMES = tuple(CODE_LISTS["collection_outcome"])  # promise_to_pay, paid, no_contact, …
PHONE, VISIT, LEGAL = CHANNELS.index("phone"), CHANNELS.index("visit"), CHANNELS.index("legal")
PAID = OUTCOMES.index("paid")
# Chance of each channel being used in a month, per bucket M1 … M7+.
CHANNEL_PROBS = np.array([
    # sms   phone visit notice legal
    [0.95, 0.60, 0.05, 0.00, 0.00],
    [0.70, 0.85, 0.30, 0.15, 0.00],
    [0.40, 0.80, 0.50, 0.50, 0.02],
    [0.20, 0.60, 0.50, 0.40, 0.05],
    [0.10, 0.50, 0.40, 0.35, 0.06],
    [0.10, 0.40, 0.40, 0.35, 0.08],
    [0.05, 0.30, 0.25, 0.35, 0.06],
])  # fmt: skip
# Outcome of an action that did not end in payment, per bucket M1 … M7+
# (promise_to_pay, no_contact, refused, other); lawsuits are mostly "other" (pending).
OUTCOME_PROBS = np.array([
    [0.55, 0.20, 0.10, 0.15],
    [0.45, 0.25, 0.15, 0.15],
    [0.35, 0.30, 0.20, 0.15],
    [0.25, 0.35, 0.25, 0.15],
    [0.20, 0.40, 0.25, 0.15],
    [0.20, 0.40, 0.25, 0.15],
    [0.15, 0.45, 0.25, 0.15],
])  # fmt: skip
NOT_PAID = np.array([i for i in range(len(OUTCOMES)) if i != PAID])


def actions(
    rng: np.random.Generator,
    loan: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    dpd: np.ndarray,
    paid_fen: np.ndarray,
    staff: np.ndarray,
    intensity: np.ndarray,
) -> dict[str, np.ndarray]:
    """Actions of one month, by date: loan, staff, day, channel, outcome, amount recovered (fen).

    ``start``/``end`` bound each loan's collection days in the month (``end`` is the payment
    day of loans that paid, ``paid_fen`` > 0); ``intensity`` is the manager's diligence."""
    b = np.clip(bucket(dpd), 1, 7) - 1
    used = rng.random((len(loan), len(CHANNELS))) < CHANNEL_PROBS[b] * intensity[:, None]
    who, channel = np.nonzero(used)
    day = start[who] + (rng.random(len(who)) * (end[who] - start[who] + 1)).astype(np.int32)
    cdf = np.cumsum(OUTCOME_PROBS[b[who]], axis=1)
    outcome = NOT_PAID[np.minimum((rng.random(len(who))[:, None] > cdf).sum(axis=1), 3)]
    outcome = np.where(
        (channel == LEGAL) & (rng.random(len(who)) < 0.8), OUTCOMES.index("other"), outcome
    )
    payer = np.flatnonzero(paid_fen > 0)
    out = {
        "loan": np.concatenate([loan[who], loan[payer]]),
        "staff": np.concatenate([staff[who], staff[payer]]),
        "day": np.concatenate([day, end[payer]]),
        "channel": np.concatenate([channel, np.where(b[payer] < 2, PHONE, VISIT)]),
        "outcome": np.concatenate([outcome, np.full(len(payer), PAID)]),
        "amount": np.concatenate([np.zeros(len(who), dtype=np.int64), paid_fen[payer]]),
    }
    order = np.lexsort((out["loan"], out["day"]))
    return {k: v[order] for k, v in out.items()}


def action_rows(
    acts: dict[str, np.ndarray], action_id: pa.Array, loan_id: pa.Array, staff_id: pa.Array
) -> dict[str, pa.Array]:
    """Rows of collection_actions.csv."""
    return {
        "action_id": action_id,
        "loan_id": loan_id.take(acts["loan"]),
        "staff_id": staff_id.take(acts["staff"]),
        "action_date": dates(acts["day"]),
        "channel": pick(CHANNELS, acts["channel"]),
        "outcome": pick(OUTCOMES, acts["outcome"]),
        "amount_recovered": amounts(acts["amount"]),
    }
