"""Bonus allocation (METRICS.md §7): shares exact to the fen, summing to the pool, respecting
the threshold and the deferral. Expected amounts are worked out by hand in the comments."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pandas as pd
import pytest

from metrics.bonus import COLUMNS, allocate

D = Decimal


def scores(*rows: tuple[str, float, bool]) -> pd.DataFrame:
    """A scores frame as metrics.scores gives it, reduced to what the allocation reads."""
    return pd.DataFrame(
        {
            "manager_id": [m for m, _, _ in rows],
            "manager_name": [f"经理{m}" for m, _, _ in rows],
            "org_id": "B01",
            "org_name": "城关支行",
            "total": [t if rated else math.nan for _, t, rated in rows],
            "rated": [rated for _, _, rated in rows],
        }
    )


def by_manager(allocation: pd.DataFrame, column: str) -> dict[str, object]:
    return dict(zip(allocation.manager_id, allocation[column], strict=True))


def test_hand_computed_shares_remainders_and_deferral() -> None:
    frame = scores(("M4", 55, True), ("M2", 80, True), ("M5", 0, False), ("M3", 70.5, True))
    frame = pd.concat([frame, scores(("M1", 90, True))], ignore_index=True)
    result = allocate(frame, D("10000.00"), 60, D("0.40"))
    # Eligible: 90, 80, 70.5 (55 is below 60; M5 is not rated). Σ s = 240.5.
    # In fen: 1,000,000 × 90 / 240.5 = 374,220.374…; × 80 / 240.5 = 332,640.332…;
    # × 70.5 / 240.5 = 293,139.293…. Floors sum to 999,999: the one fen left goes to the
    # largest remainder (.374, M1).
    assert by_manager(result, "share") == {
        "M1": D("3742.21"),
        "M2": D("3326.40"),
        "M3": D("2931.39"),
        "M4": D("0.00"),
        "M5": D("0.00"),
    }
    # 40% deferred, half up: 1,496.884 -> 1,496.88; 1,330.56; 1,172.556 -> 1,172.56.
    assert by_manager(result, "deferred") == {
        "M1": D("1496.88"),
        "M2": D("1330.56"),
        "M3": D("1172.56"),
        "M4": D("0.00"),
        "M5": D("0.00"),
    }
    assert by_manager(result, "paid_now") == {
        "M1": D("2245.33"),
        "M2": D("1995.84"),
        "M3": D("1758.83"),
        "M4": D("0.00"),
        "M5": D("0.00"),
    }
    assert sum(result.share) == D("10000.00")
    assert list(result.columns) == list(COLUMNS)
    # ranking order: total descending, the not rated last
    assert list(result.manager_id) == ["M1", "M2", "M3", "M4", "M5"]
    assert list(result.eligible) == [True, True, True, False, False]
    assert list(result.reason) == [None, None, None, "below_threshold", "not_rated"]
    assert result.total.iloc[2] == 70.5 and math.isnan(result.total.iloc[4])
    assert all(isinstance(v, Decimal) for c in ("share", "paid_now", "deferred") for v in result[c])
    assert result.attrs["unallocated"] == D("0.00")
    assert result.attrs["pool"] == D("10000.00")


def test_equal_remainders_go_by_manager_id() -> None:
    # 10,000 fen / 3 = 3,333 r 1 each: the one fen left goes to the smallest id.
    result = allocate(
        scores(("M03", 70, True), ("M01", 70, True), ("M02", 70, True)), D("100.00"), 60, D(0)
    )
    assert by_manager(result, "share") == {"M01": D("33.34"), "M02": D("33.33"), "M03": D("33.33")}
    # 2 fen over three equal scores: M01 and M02 get one each, M03 nothing.
    result = allocate(
        scores(("M03", 70, True), ("M01", 70, True), ("M02", 70, True)), D("0.02"), 60, D(0)
    )
    assert by_manager(result, "share") == {"M01": D("0.01"), "M02": D("0.01"), "M03": D("0.00")}
    assert list(result.eligible) == [True, True, True]


def test_threshold_is_inclusive_and_exact() -> None:
    frame = scores(("A", 60, True), ("B", 59.99, True), ("C", 1.1, True), ("D", 1.09, True))
    result = allocate(frame, D("1000.00"), 60, D("0.40"))
    assert by_manager(result, "eligible") == {"A": True, "B": False, "C": False, "D": False}
    assert by_manager(result, "share")["A"] == D("1000.00")
    # 1.1 × 100 is 110.00000000000001 in floats: the comparison is made in decimals
    result = allocate(frame, D("1000.00"), 1.1, D("0.40"))
    assert by_manager(result, "eligible") == {"A": True, "B": True, "C": True, "D": False}


def test_a_not_rated_manager_gets_nothing_even_with_a_total() -> None:
    frame = scores(("A", 70, True), ("B", 95, True))
    frame.loc[1, "rated"] = False  # a total the caller forgot to blank
    result = allocate(frame, D("500.00"), 60, D("0.40"))
    assert by_manager(result, "share") == {"A": D("500.00"), "B": D("0.00")}
    assert by_manager(result, "reason") == {"A": None, "B": "not_rated"}


def test_deferral_rounds_half_up_and_adds_up() -> None:
    # 0.10 × 25% = 0.025 -> 0.03 half up (banker's rounding would give 0.02); paid 0.07.
    result = allocate(scores(("A", 80, True)), D("0.10"), 60, D("0.25"))
    assert (result.share[0], result.deferred[0], result.paid_now[0]) == (
        D("0.10"),
        D("0.03"),
        D("0.07"),
    )
    # nothing deferred, everything deferred
    assert allocate(scores(("A", 80, True)), D("12.34"), 60, D(0)).paid_now[0] == D("12.34")
    everything = allocate(scores(("A", 80, True)), D("12.34"), 60, D(1))
    assert (everything.deferred[0], everything.paid_now[0]) == (D("12.34"), D("0.00"))


def test_nobody_eligible_allocates_nothing_and_says_so() -> None:
    frame = scores(("A", 59.99, True), ("B", 10, True), ("C", 0, False))
    result = allocate(frame, D("8888.88"), 60, D("0.40"))
    assert set(result.share) == {D("0.00")} and set(result.deferred) == {D("0.00")}
    assert list(result.reason) == ["below_threshold", "below_threshold", "not_rated"]
    assert result.attrs["unallocated"] == D("8888.88")
    # the same when every eligible score is 0 (a threshold of 0)
    zero = allocate(scores(("A", 0, True)), D("10.00"), 0, D("0.40"))
    assert zero.share[0] == D("0.00") and zero.attrs["unallocated"] == D("10.00")
    # and with no managers at all
    empty = allocate(frame.iloc[:0], D("10.00"), 60, D("0.40"))
    assert list(empty.columns) == list(COLUMNS) and empty.empty
    assert empty.attrs["unallocated"] == D("10.00")


def test_pool_of_zero() -> None:
    result = allocate(scores(("A", 90, True), ("B", 70, True)), D(0), 60, D("0.40"))
    assert set(result.share) == {D("0.00")} and list(result.eligible) == [True, True]
    assert result.attrs["unallocated"] == D("0.00")


def test_bad_input_is_refused() -> None:
    frame = scores(("A", 90, True))
    with pytest.raises(ValueError, match="cannot be negative"):
        allocate(frame, D("-1.00"), 60, D("0.40"))
    with pytest.raises(ValueError, match="exact to the fen"):
        allocate(frame, D("100.005"), 60, D("0.40"))
    with pytest.raises(ValueError, match="not an amount"):
        allocate(frame, D("NaN"), 60, D("0.40"))
    with pytest.raises(TypeError, match="never a float"):
        allocate(frame, 100.0, 60, D("0.40"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 1"):
        allocate(frame, D("100.00"), 60, D("1.5"))
    with pytest.raises(ValueError, match="listed twice"):
        allocate(pd.concat([frame, frame]), D("100.00"), 60, D("0.40"))
    with pytest.raises(ValueError, match="lacks the column"):
        allocate(frame.drop(columns="rated"), D("100.00"), 60, D("0.40"))
    # a whole-yuan pool given as int or text is fine
    assert allocate(frame, 100, 60, D("0.40")).share[0] == D("100.00")  # type: ignore[arg-type]
    assert allocate(frame, "100.5", 60, 0.4).share[0] == D("100.50")  # type: ignore[arg-type]


def test_random_pools_and_scores_sum_exactly() -> None:
    rng = random.Random(20251231)
    for _ in range(400):
        n = rng.randint(1, 40)
        rows = [
            (f"M{i:03d}", rng.randint(0, 10_000) / 100, rng.random() > 0.1)
            for i in rng.sample(range(1000), n)
        ]
        pool = D(rng.choice([rng.randint(0, 99), rng.randint(0, 10**6), rng.randint(0, 10**12)]))
        pool = (pool / 100).quantize(D("0.01"))
        threshold = rng.choice([0.01, 50, 60, 60.5, 75])
        deferred_share = D(rng.choice(["0", "0.25", "0.40", "0.333", "1"]))
        result = allocate(scores(*rows), pool, threshold, deferred_share)

        bar = D(str(threshold))
        eligible = {m: D(str(t)) for m, t, rated in rows if rated and D(str(t)) >= bar}
        whole = sum(eligible.values(), D(0))
        shares = by_manager(result, "share")
        if whole:
            assert sum(result.share) == pool
        else:
            assert sum(result.share) == 0 and result.attrs["unallocated"] == pool
        for m, share in shares.items():
            assert share >= 0 and share == share.quantize(D("0.01"))
            if m not in eligible:
                assert share == 0
            elif whole:
                exact = Fraction(pool) * Fraction(eligible[m]) / Fraction(whole)
                assert abs(Fraction(share) - exact) < Fraction(1, 100)
        for share, paid, deferred in zip(
            result.share, result.paid_now, result.deferred, strict=True
        ):
            assert paid + deferred == share
            assert deferred == (share * deferred_share).quantize(D("0.01"), ROUND_HALF_UP)
            assert paid >= 0 and deferred >= 0


def test_same_input_same_allocation() -> None:
    frame = scores(("B", 70, True), ("A", 70, True), ("C", 65.55, True))
    first = allocate(frame, D("777.77"), 60, D("0.40"))
    again = allocate(frame.sample(frac=1, random_state=1), D("777.77"), 60, D("0.40"))
    pd.testing.assert_frame_equal(first, again)
