"""Bonus allocation over account-manager scores (METRICS.md §7, "Bonus allocation").

HR pays real money from this, so every amount is a ``Decimal`` of yuan exact to the fen and
the arithmetic is done in whole fen (integers): no float ever touches an amount.

Readings of the points METRICS.md leaves open:

- **Eligible**: rated, with a total of at least ``threshold``. The total is taken at the two
  decimals it is shown with (rounded half up), so the allocation can be recomputed by hand from
  the score table.
- **Rounding to the fen** (largest remainder, 最大余额法): each eligible manager first gets
  ⌊P × sᵢ / Σ s⌋ fen; the fen left over (fewer than the number of eligible managers) go one
  each to the managers with the largest remainders; equal remainders go in ascending
  ``manager_id`` order. So Σ shares = P exactly and each share is within one fen of the exact
  P × sᵢ / Σ s.
- **Deferral**: deferred = share × deferred_share rounded half up (四舍五入) to the fen;
  paid_now = share − deferred, so paid_now + deferred = share exactly.
- **Nobody eligible** (or every eligible score 0): nobody is paid; the pool stays unallocated
  and the frame says so in ``attrs["unallocated"]`` (the whole pool). Every manager is still
  listed, with the reason he gets nothing.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

import pandas as pd

FEN = Decimal("0.01")

REASONS: tuple[str, ...] = ("not_rated", "below_threshold")

COLUMNS: tuple[str, ...] = (
    "manager_id",  # the account manager
    "manager_name",
    "org_id",  # the manager's own org
    "org_name",
    "total",  # the score (0–100, 2 decimals); NaN when not rated
    "eligible",  # rated and total ≥ threshold
    "reason",  # None when eligible, else one of REASONS
    "share",  # Decimal yuan: the manager's part of the pool
    "paid_now",  # Decimal yuan: share − deferred
    "deferred",  # Decimal yuan: share × deferred_share, rounded half up to the fen
)

_NEEDED = ("manager_id", "manager_name", "org_id", "org_name", "total", "rated")


def allocate(
    scores: pd.DataFrame, pool: Decimal, threshold: float, deferred_share: Decimal
) -> pd.DataFrame:
    """Split ``pool`` yuan among the managers of ``scores`` in proportion to their totals.

    ``scores`` is the frame of metrics.scores (one row per manager; columns manager_id,
    manager_name, org_id, org_name, total, rated are used). Returns one row per manager, in
    ranking order (total descending, not rated last, then manager_id), with the ``COLUMNS``
    above. ``attrs`` records ``pool``, ``threshold``, ``deferred_share`` and ``unallocated``
    (Decimal yuan: 0, or the whole pool when nobody is eligible).

    Raises ValueError for a negative pool, a pool not exact to the fen, a deferred share
    outside [0, 1], a missing column or a manager listed twice.
    """
    pool = _money(pool)
    share_deferred = _ratio(deferred_share)
    missing = [c for c in _NEEDED if c not in scores.columns]
    if missing:
        raise ValueError(f"the scores frame lacks the column(s) {', '.join(missing)}")
    if scores["manager_id"].duplicated().any():
        twice = sorted(scores.loc[scores["manager_id"].duplicated(), "manager_id"].astype(str))
        raise ValueError(f"managers listed twice in the scores frame: {', '.join(twice)}")

    frame = scores.loc[:, list(_NEEDED)].copy()
    bar = Decimal(str(threshold)) * 100  # hundredths of a point, exact (no float product)
    hundredths = [
        _hundredths(t) if bool(r) else None for t, r in zip(frame.total, frame.rated, strict=True)
    ]
    frame["total"] = [math.nan if h is None else h / 100 for h in hundredths]
    frame["eligible"] = [h is not None and h >= bar for h in hundredths]
    frame["reason"] = pd.Series(  # object dtype: None stays None (a str column makes it NaN)
        [
            None if ok else ("not_rated" if h is None else "below_threshold")
            for ok, h in zip(frame.eligible, hundredths, strict=True)
        ],
        index=frame.index,
        dtype=object,
    )
    weights = {
        m: h
        for m, h, ok in zip(frame.manager_id, hundredths, frame.eligible, strict=True)
        if ok and h
    }
    fen = _largest_remainder(int(pool * 100), weights)
    shares = [Decimal(fen.get(m, 0)) * FEN for m in frame.manager_id]
    deferred = [_deferral(s, share_deferred) for s in shares]
    frame["share"] = shares
    frame["deferred"] = deferred
    frame["paid_now"] = [s - d for s, d in zip(shares, deferred, strict=True)]
    frame = frame.drop(columns="rated")
    frame["_missing"] = frame["total"].isna()
    frame = frame.sort_values(
        ["_missing", "total", "manager_id"], ascending=[True, False, True], kind="mergesort"
    )
    result = frame.loc[:, list(COLUMNS)].reset_index(drop=True)
    result.attrs = {
        "pool": pool,
        "threshold": threshold,
        "deferred_share": share_deferred,
        "unallocated": pool if not weights else Decimal("0.00"),
    }
    return result


def _largest_remainder(total_fen: int, weights: dict[object, int]) -> dict[object, int]:
    """``total_fen`` split in proportion to the integer ``weights``, summing exactly; the
    leftover fen go to the largest remainders, ties in ascending key order."""
    if not weights:
        return {}
    whole = sum(weights.values())
    floors = {k: total_fen * w // whole for k, w in weights.items()}
    remainders = {k: total_fen * w % whole for k, w in weights.items()}
    left = total_fen - sum(floors.values())
    for k in sorted(weights, key=lambda k: (-remainders[k], str(k)))[:left]:
        floors[k] += 1
    return floors


def _deferral(share: Decimal, deferred_share: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50  # the product is exact; only the quantize rounds
        return (share * deferred_share).quantize(FEN, rounding=ROUND_HALF_UP)


def _hundredths(total: object) -> int | None:
    """A total as whole hundredths of a point (rounded half up), None when missing."""
    if pd.isna(total):
        return None
    return int((Decimal(str(total)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _money(pool: object) -> Decimal:
    if isinstance(pool, float):
        raise TypeError("the bonus pool must be a Decimal (or int/str) of yuan, never a float")
    try:
        value = Decimal(str(pool)) if not isinstance(pool, Decimal) else pool
    except InvalidOperation:
        raise ValueError(f"the bonus pool {pool!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"the bonus pool {pool!r} is not an amount")
    if value < 0:
        raise ValueError(f"the bonus pool cannot be negative (got {value} yuan)")
    if value != value.quantize(FEN):
        raise ValueError(f"the bonus pool must be exact to the fen (0.01 yuan); got {value}")
    return value.quantize(FEN)


def _ratio(share: object) -> Decimal:
    value = share if isinstance(share, Decimal) else Decimal(str(share))
    if not value.is_finite() or not 0 <= value <= 1:
        raise ValueError(f"the deferred share must lie between 0 and 1 (got {share})")
    return value
