"""Repayment schedule rows (还款计划与实还) from ranges of instalments paid or left unpaid."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from daihou.generator.loans import Book
from daihou.generator.writer import amounts, dates, integers


def expand(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges first…last: the range index and the instalment number of every element."""
    count = np.maximum(last - first + 1, 0)
    which = np.repeat(np.arange(len(first)), count)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(count) - count, count)
    return which, first[which] + offset


def instalment_rows(
    book: Book,
    loan_id: pa.Array,
    loan: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    pay_day: np.ndarray,
    extra: np.ndarray,
) -> dict[str, pa.Array]:
    """One row per instalment of each range; ``pay_day`` -1 = unpaid; ``extra`` = principal
    prepaid together with the range's last instalment (the loan then settles)."""
    which, k = expand(first, last)
    li = loan[which]
    principal = book.balance(li, k - 1) - book.balance(li, k)
    interest = book.interest_sum(li, k, k)
    day = pay_day[which]
    paid = day >= 0
    prepaid = np.where(paid & (k == last[which]), extra[which], 0)
    return {
        "loan_id": loan_id.take(li),
        "installment_no": integers(k),
        "due_date": dates(book.due_day(li, k)),
        "principal_due": amounts(principal),
        "interest_due": amounts(interest),
        "paid_date": dates(np.maximum(day, 0), null=~paid),
        "principal_paid": amounts(np.where(paid, principal, 0) + prepaid),
        "interest_paid": amounts(np.where(paid, interest, 0)),
    }
