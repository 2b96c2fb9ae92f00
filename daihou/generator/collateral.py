"""Collateral (押品) of mortgage- and pledge-secured loans: appraisal and yearly revaluations.

Each secured loan has one or two items, appraised shortly before disbursement and revalued
about once a year while the loan is on the book: diligent managers on time, lax ones late or
not at all. Values drift by type: real estate rose until 2021 and falls a little in 2023–2025,
equipment depreciates, deposits earn interest. A revaluation that loses over 10% is reported
as an impairment (it raises a warning signal); some revaluations come with an on-site
collateral inspection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from daihou.generator.calendar import AS_OF_DAY, year_of
from daihou.generator.diligence import Diligence
from daihou.generator.loans import MORTGAGE, PLEDGE, SECURED, Book
from daihou.generator.people import Responsibility
from daihou.generator.writer import amounts, dates, pick
from etl.contract import CODE_LISTS

TYPES = tuple(CODE_LISTS["collateral_type"])
C = {name: i for i, name in enumerate(TYPES)}
REVALUATION_DAYS = 365
IMPAIRMENT = 0.85  # a revaluation below 85% of the previous value is an impairment
FIRST_YEAR = 2018
# Yearly value change 2018 … 2025 per type, and the noise of one revaluation.
DRIFT = {
    "real_estate": ([0.05, 0.04, 0.03, 0.02, 0.0, -0.03, -0.05, -0.04], 0.04),
    "land": ([0.04, 0.03, 0.02, 0.01, -0.01, -0.03, -0.04, -0.04], 0.05),
    "equipment": ([-0.08] * 8, 0.04),
    "deposit": ([0.015] * 8, 0.0),
    "receivables": ([0.0] * 8, 0.1),
    "other": ([-0.02] * 8, 0.05),
}
# Appraised value of the items per yuan of loan (range), per type.
COVERAGE = {
    "real_estate": (1.4, 2.0),
    "land": (1.7, 2.5),
    "equipment": (1.2, 2.0),
    "deposit": (1.0, 1.15),
    "receivables": (1.2, 2.0),
    "other": (1.1, 1.6),
}


@dataclass
class CollateralResult:
    rows: dict[str, np.ndarray]  # item, loan, type, value (fen), day
    impaired: tuple[np.ndarray, np.ndarray]  # (loan, day) of impairments
    inspected: tuple[np.ndarray, np.ndarray]  # (loan, day) of collateral inspections


def build_collateral(
    rng: np.random.Generator,
    book: Book,
    exit_day: np.ndarray,
    responsibility: Responsibility,
    diligence: Diligence,
) -> CollateralResult:
    """Items, their appraisal rows, impairments and collateral inspections of a chunk."""
    secured = np.flatnonzero((book.guarantee == SECURED) | (book.guarantee == PLEDGE))
    two = (book.product[secured] != MORTGAGE) & (rng.random(len(secured)) < 0.2)
    loan = np.repeat(secured, 1 + two)
    n = len(loan)
    u = rng.random(n)
    kind = np.where(
        book.guarantee[loan] == PLEDGE,
        np.select([u < 0.5, u < 0.9], [C["deposit"], C["receivables"]], C["other"]),
        np.select([u < 0.6, u < 0.85], [C["real_estate"], C["land"]], C["equipment"]),
    )
    kind = np.where(book.product[loan] == MORTGAGE, C["real_estate"], kind)
    low = np.array([COVERAGE[t][0] for t in TYPES])[kind]
    high = np.array([COVERAGE[t][1] for t in TYPES])[kind]
    share = np.where(np.repeat(two, 1 + two), 0.5, 1.0)
    value = book.principal[loan] * share * (low + rng.random(n) * (high - low))
    day = book.disb_day[loan] - rng.integers(3, 40, n)
    end = np.minimum(exit_day[loan], AS_OF_DAY)
    customer = book.customer[loan]
    drift = np.array([DRIFT[t][0] for t in TYPES])
    noise = np.array([DRIFT[t][1] for t in TYPES])

    items, days, values = [np.arange(n)], [day], [value]
    none_loan, none_day = np.zeros(0, np.int64), np.zeros(0, np.int32)
    imp_loan, imp_day, insp_loan, insp_day = [none_loan], [none_day], [none_loan], [none_day]
    alive = np.arange(n)
    last_day, last_value = day.copy(), value.copy()
    while len(alive):
        due = last_day[alive] + REVALUATION_DAYS
        alive, due = alive[due <= end[alive]], due[due <= end[alive]]
        manager = responsibility.at(customer[alive], due)
        skip = rng.random(len(alive)) < diligence.routine_skip_prob[manager]
        on_time = rng.random(len(alive)) < diligence.on_time_prob[manager]
        late = 1 + rng.exponential(diligence.revaluation_late_days[manager]).astype(np.int32)
        when = np.where(on_time, due - rng.integers(0, 30, len(alive)), due + late)
        done = ~skip & (when <= end[alive])
        k = kind[alive]
        year = np.clip(year_of(when), FIRST_YEAR, FIRST_YEAR + 7) - FIRST_YEAR
        years = (when - last_day[alive]) / 365.0
        new_value = last_value[alive] * np.exp(
            drift[k, year] * years + rng.normal(0.0, 1.0, len(alive)) * noise[k]
        )
        d = alive[done]
        items.append(d)
        days.append(when[done])
        values.append(new_value[done])
        fell = new_value[done] < IMPAIRMENT * last_value[d]
        imp_loan.append(loan[d[fell]])
        imp_day.append(when[done][fell])
        look = (rng.random(len(alive)) < 0.05 + 0.3 * diligence.on_time_prob[manager]) & (
            when <= end[alive]
        )
        insp_loan.append(loan[alive[look]])
        insp_day.append(when[look] + rng.integers(0, 4, look.sum()))
        last_value[d] = new_value[done]
        last_day[alive] = np.where(done, when, due)

    item = np.concatenate(items)
    order = np.lexsort((np.concatenate(days), item))
    fen = np.round(np.concatenate(values) / 10000).astype(np.int64) * 10000  # to the 100 yuan
    insp_day_all, insp_loan_all = np.concatenate(insp_day), np.concatenate(insp_loan)
    within = insp_day_all <= np.minimum(exit_day[insp_loan_all], AS_OF_DAY)
    return CollateralResult(
        rows={
            "item": item[order],
            "loan": loan[item][order],
            "type": kind[item][order],
            "value": fen[order],
            "day": np.concatenate(days)[order],
        },
        impaired=(np.concatenate(imp_loan), np.concatenate(imp_day)),
        inspected=(insp_loan_all[within], insp_day_all[within]),
    )


def collateral_rows(
    rows: dict[str, np.ndarray], collateral_id: pa.Array, loan_id: pa.Array
) -> dict[str, pa.Array]:
    """Rows of collateral.csv; ``collateral_id`` holds one id per item of the chunk."""
    return {
        "collateral_id": collateral_id.take(rows["item"]),
        "loan_id": loan_id.take(rows["loan"]),
        "collateral_type": pick(TYPES, rows["type"]),
        "appraised_value": amounts(rows["value"]),
        "appraisal_date": dates(rows["day"]),
    }
