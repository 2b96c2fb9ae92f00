"""Loans: products with plausible terms, and each loan's repayment schedule in closed form.

A loan repays in monthly instalments on a fixed day (its disbursement day, at most the 27th so
that every instalment falls before its month end). Annuity loans (等额本息) pay a constant
instalment; bullet loans (按月付息、到期还本) pay interest monthly and the principal at maturity.
Balances after k instalments are rounded to the fen and instalment principal is the difference
of two such balances, so balances, arrears and schedule rows agree to the fen.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from daihou.generator.calendar import (
    EARLIEST_DISBURSEMENT_MONTH,
    WINDOW_FIRST_MONTH,
    WINDOW_LAST_MONTH,
    month_end,
    month_start,
    year_of,
)
from daihou.generator.names import INDUSTRY_LETTERS
from daihou.generator.people import BUSINESS, CORPORATE, INDIVIDUAL, Customers
from daihou.generator.writer import amounts, dates, pick, rates
from etl.contract import CODE_LISTS

PRODUCTS = tuple(CODE_LISTS["product"])
WC, FA, PB, CONSUMER, MORTGAGE, FARMER, OTHER = range(len(PRODUCTS))
GUARANTEES = tuple(CODE_LISTS["guarantee_type"])  # credit, guarantee, mortgage, pledge
GUARANTEE, SECURED, PLEDGE = 1, 2, 3
PAYMENT_MODES = tuple(CODE_LISTS["payment_mode"])  # entrusted, self
SELF_PAY = 1
MAX_DUE_DAY = 27


@dataclass(frozen=True)
class Product:
    """Terms of one product (amounts in yuan, rates in percent, probabilities per month)."""

    median: float
    sigma: float
    low: float
    high: float
    rounding: float
    terms: tuple[int, ...]
    term_probs: tuple[float, ...]
    rate: float  # typical rate for a 2023 loan of average risk
    rate_low: float
    rate_high: float
    guarantee_probs: tuple[float, float, float, float]  # credit, guarantee, mortgage, pledge
    self_pay_prob: float  # share paid out to the borrower (自主支付) when small enough
    self_pay_limit: float  # above this the bank pays the counterparty (受托支付)
    bullet_prob: float  # share repaying principal at maturity
    hazard: float  # monthly chance that a current loan misses an instalment
    prepay: float  # monthly chance that a current loan is repaid early
    purposes: tuple[str, ...]


PRODUCT_SPECS: dict[int, Product] = {
    WC: Product(2.5e6, 0.8, 5e5, 5e7, 1e5, (6, 12, 24, 36), (0.1, 0.72, 0.1, 0.08), 4.35, 3.45,
                6.5, (0.05, 0.5, 0.35, 0.1), 0.2, 1e7, 1.0, 0.0035, 0.008,
                ("日常经营周转", "采购原材料", "支付货款", "支付工资及水电费")),
    FA: Product(8e6, 0.6, 5e6, 2e8, 1e5, (36, 60, 84, 120), (0.25, 0.35, 0.2, 0.2), 4.2, 3.6,
                5.6, (0.0, 0.25, 0.6, 0.15), 0.05, 1e7, 0.0, 0.0015, 0.004,
                ("厂房建设", "设备购置", "生产线技术改造", "仓储设施建设")),
    PB: Product(4e5, 0.8, 5e4, 3e6, 1e4, (12, 24, 36, 60), (0.45, 0.25, 0.2, 0.1), 5.2, 3.9,
                7.8, (0.1, 0.4, 0.45, 0.05), 0.6, 5e5, 0.5, 0.006, 0.011,
                ("经营周转", "进货", "店铺装修", "购置经营设备", "支付租金")),
    CONSUMER: Product(6e4, 0.8, 1e4, 3e5, 1e3, (12, 24, 36, 48, 60),
                      (0.3, 0.25, 0.25, 0.1, 0.1), 5.5, 3.6, 9.0, (0.7, 0.3, 0.0, 0.0), 0.75,
                      3e5, 0.0, 0.007, 0.014,
                      ("家庭装修", "购车", "教育支出", "旅游", "购买家具家电", "医疗支出")),
    MORTGAGE: Product(6e5, 0.55, 2e5, 2e6, 1e4, (120, 180, 240, 300, 360),
                      (0.1, 0.15, 0.3, 0.15, 0.3), 4.1, 3.5, 4.9, (0.0, 0.0, 1.0, 0.0), 0.0, 0.0,
                      0.0, 0.0018, 0.009, ("购买首套自住住房", "购买改善型住房", "购买二手住房")),
    FARMER: Product(8e4, 0.8, 2e4, 5e5, 1e3, (12, 24, 36), (0.6, 0.25, 0.15), 5.6, 4.2, 7.5,
                    (0.5, 0.4, 0.1, 0.0), 0.7, 3e5, 1.0, 0.0065, 0.01,
                    ("购买化肥种子", "养殖扩栏", "购买农机具", "果园种植", "大棚建设")),
    OTHER: Product(5e4, 0.7, 1e4, 3e5, 1e3, (12, 24, 36, 60), (0.25, 0.25, 0.25, 0.25), 6.0,
                   4.0, 9.0, (0.6, 0.4, 0.0, 0.0), 0.5, 3e5, 0.0, 0.008, 0.012,
                   ("助学", "购买汽车", "综合消费")),
}  # fmt: skip

PRODUCT_BY_TYPE = {
    CORPORATE: {WC: 0.75, FA: 0.25},
    INDIVIDUAL: {CONSUMER: 0.38, MORTGAGE: 0.32, FARMER: 0.28, OTHER: 0.02},
    BUSINESS: {PB: 0.85, WC: 0.15},
}
BUSINESS_WC_SCALE = 0.25  # working-capital loans to individual businesses are small ones
LOANS_PER_CUSTOMER_PROBS = (0.78, 0.16, 0.05, 0.01)
FIRST_YEAR = 2018
# Rate level by disbursement year 2018 … 2025 relative to 2023 (LPR cuts), percentage points.
RATE_BY_YEAR = np.array([0.8, 0.7, 0.5, 0.4, 0.25, 0.0, -0.2, -0.4])
# Credit quality of the vintages 2018 … 2025 (COVID-era loans worse, tighter underwriting lately).
VINTAGE_RISK = np.array([1.0, 1.05, 1.15, 1.3, 1.2, 1.0, 0.9, 0.85])
RATING_RISK = np.array([0.3, 0.45, 0.7, 1.0, 1.6, 2.5, 4.0, 6.0, 8.0, 1.3])  # RATINGS order
INDUSTRY_RISK = dict(E=1.5, K=1.8, F=1.2, A=1.1, C=1.1, H=1.2)
# Month-of-year weights of disbursement (开门红 in Q1, slow December).
SEASON = np.array([1.3, 1.0, 1.4, 1.1, 1.0, 1.1, 1.0, 0.9, 1.0, 0.9, 1.0, 0.8])


@dataclass
class Book:
    """The loans of one chunk, ordered by customer and disbursement date."""

    customer: np.ndarray  # chunk customer index
    product: np.ndarray
    principal: np.ndarray  # contract amount in fen
    rate: np.ndarray  # annual percent, in hundredths
    term: np.ndarray  # number of monthly instalments
    bullet: np.ndarray
    disb_day: np.ndarray
    disb_month: np.ndarray
    due_dom: np.ndarray  # day of month instalments fall due
    guarantee: np.ndarray
    payment: np.ndarray
    purpose: np.ndarray  # index into the product's purposes' flat pool, -1 for none
    hazard: np.ndarray  # static part of the monthly chance of missing an instalment
    prepay: np.ndarray  # monthly chance of early repayment
    strict: np.ndarray  # U(0, 1): how strictly the bank classifies this loan
    payment_fen: np.ndarray  # annuity instalment (fen)
    interest_fen: np.ndarray  # bullet monthly interest (fen)

    def __len__(self) -> int:
        return len(self.customer)

    def take(self, index: np.ndarray) -> Book:
        return Book(*(getattr(self, f.name)[index] for f in fields(self)))

    @property
    def monthly_rate(self) -> np.ndarray:
        return self.rate / 120000.0

    def balance(self, i: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Principal outstanding (fen) of loans ``i`` after their first ``k`` instalments."""
        p, t, r = self.principal[i], self.term[i], self.monthly_rate[i]
        k = np.clip(k, 0, t)
        growth_t, growth_k = (1 + r) ** t, (1 + r) ** k
        annuity = np.rint(p * (growth_t - growth_k) / (growth_t - 1)).astype(np.int64)
        out = np.where(self.bullet[i], np.where(k >= t, 0, p), annuity)
        return np.where(k <= 0, p, np.where(k >= t, 0, out))

    def interest_sum(self, i: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Interest (fen) of instalments ``first`` … ``last`` of loans ``i`` (0 when empty)."""
        count = np.maximum(last - first + 1, 0)
        annuity = count * self.payment_fen[i] - (
            self.balance(i, first - 1) - self.balance(i, np.maximum(last, first - 1))
        )
        return np.where(self.bullet[i], count * self.interest_fen[i], annuity)

    def due_day(self, i: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Due date (day number) of instalment ``k`` of loans ``i``."""
        return (month_start(self.disb_month[i] + k) + self.due_dom[i] - 1).astype(np.int32)

    @property
    def maturity_day(self) -> np.ndarray:
        return self.due_day(np.arange(len(self)), self.term)

    def table(
        self, loan_id: pa.Array, customer_id: pa.Array, org_id: pa.Array
    ) -> dict[str, pa.Array]:
        """Rows of loans.csv."""
        pool, _ = purpose_pool()
        has_purpose = self.purpose >= 0
        return {
            "loan_id": loan_id,
            "customer_id": customer_id,
            "org_id": org_id,
            "product": pick(PRODUCTS, self.product),
            "contract_amount": amounts(self.principal),
            "disbursement_date": dates(self.disb_day),
            "maturity_date": dates(self.maturity_day),
            "interest_rate": rates(self.rate),
            "guarantee_type": pick(GUARANTEES, self.guarantee),
            "payment_mode": pick(PAYMENT_MODES, self.payment),
            "purpose": pick(pool, np.maximum(self.purpose, 0), null=~has_purpose),
        }


def purpose_pool() -> tuple[list[str], np.ndarray]:
    """All products' purposes in one list, and where each product's start."""
    pool: list[str] = []
    start = np.zeros(len(PRODUCTS), dtype=np.int64)
    for p, spec in PRODUCT_SPECS.items():
        start[p] = len(pool)
        pool.extend(spec.purposes)
    return pool, start


def _spec_array(name: str) -> np.ndarray:
    return np.array([getattr(PRODUCT_SPECS[p], name) for p in range(len(PRODUCTS))])


def _disbursement_months(rng: np.random.Generator, term: np.ndarray) -> np.ndarray:
    """Disbursement months of loans still running at the window start or disbursed in it,
    weighted by growth and season. Long loans are drawn more often before the window: the
    book holds only their vintages since 2018, which stands in for a longer history."""
    months = np.arange(EARLIEST_DISBURSEMENT_MONTH, WINDOW_LAST_MONTH + 1)
    weight = SEASON[months % 12] * 1.06 ** ((months - months[0]) / 12)
    low = np.maximum(WINDOW_FIRST_MONTH - term, EARLIEST_DISBURSEMENT_MONTH) - months[0]
    boost = np.clip(np.minimum(term, 120) / 60, 1.0, 2.0)
    out = np.empty(len(term), dtype=np.int32)
    for b in np.unique(boost):
        members = np.flatnonzero(boost == b)
        cum = np.concatenate(
            [[0.0], np.cumsum(weight * np.where(months < WINDOW_FIRST_MONTH, b, 1))]
        )
        lo = cum[low[members]]
        target = lo + rng.random(len(members)) * (cum[-1] - lo)
        out[members] = months[0] + np.searchsorted(cum, target) - 1
    return out


def build_book(
    rng: np.random.Generator,
    customers: Customers,
    org_risk: np.ndarray,
) -> Book:
    """Loans of the chunk's customers: products by customer type, terms, dates and risk.

    Disbursements are spread from 2018 to the last month end, restricted to loans that are
    still running at the start of the window, so the book exists before the first month end.
    """
    n_loans = 1 + rng.choice(
        len(LOANS_PER_CUSTOMER_PROBS), len(customers), p=LOANS_PER_CUSTOMER_PROBS
    )
    cust = np.repeat(np.arange(len(customers)), n_loans)
    n = len(cust)
    ctype = customers.type[cust]
    product = np.empty(n, dtype=np.int8)
    for t, mix in PRODUCT_BY_TYPE.items():
        members = np.flatnonzero(ctype == t)
        choices = np.array(list(mix))
        product[members] = choices[rng.choice(len(choices), len(members), p=list(mix.values()))]

    term = np.empty(n, dtype=np.int32)
    for p, spec in PRODUCT_SPECS.items():
        members = np.flatnonzero(product == p)
        term[members] = rng.choice(spec.terms, len(members), p=spec.term_probs)
    disb_month = _disbursement_months(rng, term)
    days_in_month = month_end(disb_month) - month_start(disb_month) + 1
    disb_day = month_start(disb_month) + (rng.random(n) * days_in_month).astype(np.int32)
    year = np.clip(year_of(disb_day), FIRST_YEAR, FIRST_YEAR + len(RATE_BY_YEAR) - 1) - FIRST_YEAR

    scale = np.where((ctype == BUSINESS) & (product == WC), BUSINESS_WC_SCALE, 1.0)
    raw = np.exp(
        np.log(_spec_array("median")[product] * scale)
        + rng.normal(0, 1, n) * _spec_array("sigma")[product]
    )
    step = _spec_array("rounding")[product]
    yuan = np.clip(
        np.round(raw / step) * step, _spec_array("low")[product], _spec_array("high")[product]
    )
    principal = (yuan * 100).astype(np.int64)

    z = customers.z[cust]
    rate = _spec_array("rate")[product] + RATE_BY_YEAR[year] + 0.25 * z + rng.normal(0, 0.2, n)
    rate = np.clip(rate, _spec_array("rate_low")[product], _spec_array("rate_high")[product])
    rate_step = np.where(product == MORTGAGE, 5, 1)
    rate_hundredths = (np.round(rate * 100 / rate_step) * rate_step).astype(np.int64)

    guarantee = np.empty(n, dtype=np.int8)
    gprobs = np.cumsum(
        np.array([PRODUCT_SPECS[p].guarantee_probs for p in range(len(PRODUCTS))]), axis=1
    )
    guarantee[:] = (rng.random(n)[:, None] > gprobs[product]).sum(axis=1)
    guarantee = np.minimum(guarantee, len(GUARANTEES) - 1)

    self_pay = (yuan <= _spec_array("self_pay_limit")[product]) & (
        rng.random(n) < _spec_array("self_pay_prob")[product]
    )
    bullet = rng.random(n) < _spec_array("bullet_prob")[product]
    _, pstart = purpose_pool()
    n_purposes = np.array([len(PRODUCT_SPECS[p].purposes) for p in range(len(PRODUCTS))])
    purpose = pstart[product] + (rng.random(n) * n_purposes[product]).astype(np.int64)
    purpose = np.where(rng.random(n) < 0.03, -1, purpose)

    industry_risk = np.ones(len(INDUSTRY_LETTERS) + 1)  # the extra last one: no industry (-1)
    for letter, mult in INDUSTRY_RISK.items():
        industry_risk[INDUSTRY_LETTERS.index(letter)] = mult
    hazard = (
        _spec_array("hazard")[product]
        * RATING_RISK[customers.rating[cust]]
        * org_risk[customers.org[cust]]
        * industry_risk[customers.industry[cust]]
        * np.exp(0.35 * z)
        * VINTAGE_RISK[year]
        * rng.lognormal(0, 0.3, n)
    )

    r = rate_hundredths / 120000.0
    growth = (1 + r) ** term
    payment_fen = np.rint(principal * r * growth / (growth - 1)).astype(np.int64)
    order = np.lexsort((disb_day, cust))
    book = Book(
        customer=cust,
        product=product,
        principal=principal,
        rate=rate_hundredths,
        term=term,
        bullet=bullet,
        disb_day=disb_day.astype(np.int32),
        disb_month=disb_month,
        due_dom=np.minimum(disb_day - month_start(disb_month) + 1, MAX_DUE_DAY).astype(np.int32),
        guarantee=guarantee.astype(np.int8),
        payment=self_pay.astype(np.int8),
        purpose=purpose,
        hazard=hazard,
        prepay=_spec_array("prepay")[product],
        strict=rng.random(n),
        payment_fen=payment_fen,
        interest_fen=np.rint(principal * r).astype(np.int64),
    )
    return book.take(order)
