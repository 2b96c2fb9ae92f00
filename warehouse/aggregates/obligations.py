"""Inspection obligations, derived at load from the facts and the inspection rules (METRICS.md §5).

``DERIVE_OBLIGATIONS`` is one set-based query: every obligation owed (first, fund_flow,
routine, special, collateral), the inspection that satisfied it and the responsible manager and
org. ``build`` (a load-time builder) materialises it as ``fct_obligation`` (on a large bank a
range of customers at a time: ``DERIVE_PART``) with the rules it applied in
``fct_obligation_rules``, and the monthly counts the pages read (``agg_obligation_month``,
``agg_inspection_month``, and the backlog at each month end: ``agg_obligation_backlog``);
``metrics.obligations`` reads them when the rules of the call are those, and runs the query
itself otherwise, so a settings change is correct at once and fast after ``daihou rebuild`` or
the next load. Status (on_time, late, overdue, pending) depends on the as-of date and is worked
out at query time. A monthly load derives again only the customers its delivery reaches, most
of them continued from the month end before it (``warehouse.aggregates.obligation_updates``).
The rows are stored by due month, then customer (``ORDER``).

What keeps it set-based at a million loans: a routine chain is a run of arithmetic steps from
each anchor (generated per rating segment, not step by step); special obligations are matched
by a closed form (below); the ordered "earliest untaken inspection" matching runs only for the
few (kind, customer) groups where one inspection could serve two obligations; responsibility is
looked up in runs of unchanged largest loan and manager with hash range joins.

How the rules are read (METRICS.md §5 leaves these open):

- The book: a loan is on the book from its disbursement until its first snapshot that is not
  (status active, balance > 0), or the day after its last snapshot when that is before the
  latest month end delivered (the horizon); a loan without snapshots until the first month end
  it would have appeared at (the first delivered, or its disbursement month's). A customer's
  book spells are the unions of its loans' spells; each spell starts its own routine chain. No
  routine obligation has a trigger after the horizon.
- Matching (first, fund_flow, special, collateral): per kind and customer, obligations in order
  of due date each take the earliest eligible inspection not taken by an earlier one, so an
  inspection satisfies at most one obligation of each kind.
- Routine chain: an obligation is satisfied by the customer's first allowed inspection after the
  chain's anchor (one per day: the first by id). While none comes, a new obligation falls due
  one interval after each due date (trigger: that due date); the inspection that finally comes
  satisfies the earliest of them (late) and becomes the next anchor; the intervals missed
  meanwhile stay open (overdue). A routine obligation's id is ``routine:<customer>:<trigger>``.
- Collateral: every appraisal of an item of a loan on the book at the due date owes the next
  one; a later appraisal of the item, or the earliest collateral inspection of the loan after
  the appraisal and before that later appraisal, satisfies it.
- Responsibility: the basis loan is the obligation's loan, or for an obligation without one the
  customer's largest loan (balance, then contract amount) at its latest month end on or before
  the due date; its manager from the latest snapshot on or before the due date, its booking
  org. Before a loan's first snapshot, its first snapshot is used; a customer without snapshots
  is held by its largest contract (booking org, no manager).
"""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise

import duckdb

from daihou.settings import InspectionRules, Settings
from warehouse.aggregates.asset_quality import ON_BOOK
from warehouse.connection import has_table

# How far apart routine obligations fall for customer g's rating segment (NULL: never rated).
_DAYS = "coalesce(g.days, $unrated_interval_days)"
_SEG_END = "coalesce(g.seg_end, DATE '9999-12-31')"
# The first point x + k·days (k ≥ 0) at or after the segment's end.
_NEXT_SEGMENT_X = f"p.x + (ceil(({_SEG_END} - p.x) / {_DAYS}) * {_DAYS})::INTEGER"

DERIVE_OBLIGATIONS = f"""
WITH RECURSIVE
-- the whole bank's month ends (main.: kept whole when the derivation runs by customer part)
horizon AS (
    SELECT min(as_of_date) AS first_as_of, max(as_of_date) AS h FROM main.fct_loan_snapshot
),
loan_span AS MATERIALIZED (
    SELECT
        l.loan_id, l.customer_id, l.payment_mode, l.disbursement_date AS on_date,
        coalesce(
            min(s.as_of_date) FILTER (WHERE NOT ({ON_BOOK})),
            CASE WHEN max(s.as_of_date) < any_value(hz.h) THEN max(s.as_of_date) + 1 END,
            -- no snapshot at all: off by the first month end it would have appeared at
            CASE WHEN count(s.loan_id) = 0
                 THEN greatest(any_value(hz.first_as_of), last_day(l.disbursement_date)) END
        ) AS off_date
    FROM dim_loan AS l
    CROSS JOIN horizon AS hz
    LEFT JOIN fct_loan_snapshot AS s ON s.loan_id = l.loan_id
    GROUP BY l.loan_id, l.customer_id, l.payment_mode, l.disbursement_date
),
-- a date's working-day ordinal: working days up to and including the date
working AS (
    SELECT date_key, is_working_day,
           sum(is_working_day::INTEGER) OVER (ORDER BY date_key) AS ordinal
    FROM dim_date
),
-- owed: obligation_id, kind, customer_id, loan_id, trigger_date, due_date, window_end (the
-- date from which an inspection no longer counts: a collateral item's next appraisal)
owed_first AS (
    SELECT
        'first:' || ls.loan_id AS obligation_id, 'first' AS kind, ls.customer_id, ls.loan_id,
        ls.on_date AS trigger_date,
        ls.on_date + CASE WHEN ls.payment_mode = 'self' THEN $first_due_days_self_pay
                          ELSE $first_due_days END AS due_date,
        NULL::DATE AS window_end
    FROM loan_span AS ls
),
owed_fund_flow AS (
    SELECT
        'fund_flow:' || ls.loan_id, 'fund_flow', ls.customer_id, ls.loan_id, ls.on_date,
        w2.date_key, NULL::DATE
    FROM loan_span AS ls
    JOIN working AS w1 ON w1.date_key = ls.on_date
    JOIN working AS w2
      ON w2.ordinal = w1.ordinal + $fund_flow_due_working_days AND w2.is_working_day
),
-- overdue episodes: a month end with dpd > 0 after one with dpd = 0, or the first snapshot
-- (only loans ever past due can have one)
episode AS (
    SELECT s.loan_id, s.as_of_date, s.days_past_due,
           lag(s.days_past_due) OVER (PARTITION BY s.loan_id ORDER BY s.as_of_date) AS prev_dpd
    FROM fct_loan_snapshot AS s
    WHERE s.loan_id IN (SELECT loan_id FROM fct_loan_snapshot WHERE days_past_due > 0)
),
owed_special AS (
    SELECT
        'special:overdue:' || e.loan_id || ':' || e.as_of_date AS obligation_id,
        'special' AS kind, l.customer_id, e.loan_id,
        e.as_of_date - e.days_past_due + 1 AS trigger_date,
        e.as_of_date - e.days_past_due + 1 + $special_due_days AS due_date
    FROM episode AS e
    JOIN dim_loan AS l ON l.loan_id = e.loan_id
    WHERE e.days_past_due > 0 AND coalesce(e.prev_dpd, 0) = 0 /*CONTINUED_EPISODES*/
    UNION ALL
    SELECT
        'special:signal:' || w.signal_id, 'special', w.customer_id, w.loan_id, w.signal_date,
        w.signal_date + $special_due_days
    FROM fct_warning_signal AS w
    WHERE list_contains($special_signal_severities, w.severity)
),
owed_collateral AS (
    SELECT
        'collateral:' || a.collateral_id || ':' || a.appraisal_date, 'collateral',
        ls.customer_id, a.loan_id, a.appraisal_date,
        a.appraisal_date + $collateral_revaluation_days AS due_date, a.next_appraisal_date
    FROM (
        SELECT collateral_id, loan_id, appraisal_date,
               lead(appraisal_date) OVER (
                   PARTITION BY collateral_id ORDER BY appraisal_date) AS next_appraisal_date
        FROM (SELECT DISTINCT collateral_id, loan_id, appraisal_date
              FROM fct_collateral_appraisal)
    ) AS a
    JOIN loan_span AS ls ON ls.loan_id = a.loan_id
    CROSS JOIN horizon AS hz
    WHERE ls.on_date <= a.appraisal_date + $collateral_revaluation_days
      AND (ls.off_date IS NULL OR ls.off_date > a.appraisal_date + $collateral_revaluation_days)
      AND a.appraisal_date <= hz.h
),
-- Matching first, fund_flow and collateral obligations: the inspections each could take
owed_general AS MATERIALIZED (
    SELECT * FROM (
        SELECT * FROM owed_first
        UNION ALL SELECT * FROM owed_fund_flow
        UNION ALL SELECT * FROM owed_collateral
    ) AS g /*CONTINUED_GENERAL*/
),
general_inspection AS MATERIALIZED (
    SELECT customer_id, loan_id, inspection_type, inspection_date AS d, inspection_id AS id,
           staff_id AS staff
    FROM fct_inspection
    WHERE inspection_type IN ('first', 'fund_flow', 'collateral') /*CONTINUED_GENERAL_INSPECTIONS*/
),
candidate AS MATERIALIZED (
    SELECT o.obligation_id, o.kind, o.customer_id, i.d, i.id, i.staff
    FROM owed_general AS o
    JOIN general_inspection AS i
      ON i.loan_id = o.loan_id AND i.customer_id = o.customer_id AND i.inspection_type = o.kind
    WHERE CASE o.kind
        WHEN 'first' THEN i.d >= o.trigger_date
        WHEN 'fund_flow' THEN TRUE
        ELSE i.d > o.trigger_date AND (o.window_end IS NULL OR i.d < o.window_end)
    END
    UNION ALL
    -- a first inspection of the customer with no loan named counts for any of its loans
    SELECT o.obligation_id, o.kind, o.customer_id, i.d, i.id, i.staff
    FROM owed_general AS o
    JOIN general_inspection AS i
      ON i.customer_id = o.customer_id AND i.loan_id IS NULL AND i.inspection_type = 'first'
    WHERE o.kind = 'first' AND i.d >= o.trigger_date
),
-- (kind, customer) groups where an inspection could serve two obligations: only these need
-- the ordered matching below; elsewhere each obligation takes its earliest candidate
contended AS (
    SELECT DISTINCT kind, customer_id
    FROM (SELECT kind, customer_id, id FROM candidate GROUP BY ALL HAVING count(*) > 1)
),
uncontended_pick AS (
    SELECT c.obligation_id,
           arg_min({{'d': c.d, 'id': c.id, 'staff': c.staff}}, (c.d, c.id)) AS pick
    FROM candidate AS c
    ANTI JOIN contended AS k ON k.kind = c.kind AND k.customer_id = c.customer_id
    GROUP BY c.obligation_id
),
queue AS MATERIALIZED (
    SELECT
        o.obligation_id, o.kind, o.customer_id,
        row_number() OVER (
            PARTITION BY o.kind, o.customer_id
            ORDER BY o.due_date, o.trigger_date, o.obligation_id) AS seq,
        coalesce(c.cands, []) AS cands
    FROM owed_general AS o
    JOIN contended AS k ON k.kind = o.kind AND k.customer_id = o.customer_id
    LEFT JOIN (
        SELECT c.obligation_id,
               list({{'d': c.d, 'id': c.id, 'staff': c.staff}} ORDER BY c.d, c.id) AS cands
        FROM candidate AS c
        JOIN contended AS k ON k.kind = c.kind AND k.customer_id = c.customer_id
        GROUP BY c.obligation_id
    ) AS c ON c.obligation_id = o.obligation_id
),
-- per contended group, obligation seq takes the earliest candidate not taken before
matched(kind, customer_id, seq, obligation_id, pick, taken) AS (
    SELECT kind, customer_id, 0::BIGINT, NULL::VARCHAR,
           NULL::STRUCT(d DATE, id VARCHAR, staff VARCHAR), []::VARCHAR[]
    FROM contended
    UNION ALL
    SELECT t.kind, t.customer_id, t.seq, t.obligation_id, t.pick,
           CASE WHEN t.pick IS NULL THEN t.taken ELSE list_append(t.taken, t.pick.id) END
    FROM (
        SELECT q.kind, q.customer_id, q.seq, q.obligation_id, m.taken,
               list_filter(q.cands, lambda v: NOT list_contains(m.taken, v.id))[1] AS pick
        FROM matched AS m
        JOIN queue AS q
          ON q.kind = m.kind AND q.customer_id = m.customer_id AND q.seq = m.seq + 1
    ) AS t
),
general_matched AS (
    SELECT
        o.obligation_id, o.kind, o.customer_id, o.loan_id, o.trigger_date, o.due_date,
        -- a collateral item's next appraisal satisfies its obligation too
        least(p.pick.d, o.window_end) AS satisfied_date,
        p.pick.id AS inspection_id, p.pick.staff AS inspection_staff_id
    FROM owed_general AS o
    LEFT JOIN (
        SELECT obligation_id, pick FROM uncontended_pick
        UNION ALL
        SELECT obligation_id, pick FROM matched WHERE obligation_id IS NOT NULL
    ) AS p ON p.obligation_id = o.obligation_id
),
-- Matching special obligations. Every special inspection of the customer on or after the
-- trigger is a candidate, and due − trigger is the same for all, so in due order the
-- candidates' first index f_k never decreases and the earliest-untaken rule has a closed form:
-- pick_k = max(f_k, pick_(k−1) + 1) = k + max over j ≤ k of (f_j − j).
special_inspection AS MATERIALIZED (
    SELECT customer_id, inspection_date AS d, inspection_id AS id, staff_id AS staff,
           row_number() OVER (
               PARTITION BY customer_id ORDER BY inspection_date, inspection_id) AS idx
    FROM fct_inspection
    WHERE inspection_type = 'special'
),
special_day AS (
    SELECT customer_id, d, max(idx) AS idx FROM special_inspection GROUP BY customer_id, d
),
special_seq AS (
    SELECT o.*,
           row_number() OVER (
               PARTITION BY o.customer_id
               ORDER BY o.due_date, o.trigger_date, o.obligation_id) AS seq
    FROM owed_special AS o
),
special_pick AS (
    SELECT q.*,
           q.seq + max(coalesce(sd.idx, 0) + 1 - q.seq) OVER (
               PARTITION BY q.customer_id ORDER BY q.seq ROWS UNBOUNDED PRECEDING) AS pick_idx
    FROM special_seq AS q
    ASOF LEFT JOIN special_day AS sd
      ON sd.customer_id = q.customer_id AND q.trigger_date > sd.d
),
special_matched AS (
    SELECT p.obligation_id, p.kind, p.customer_id, p.loan_id, p.trigger_date, p.due_date,
           i.d AS satisfied_date, i.id AS inspection_id, i.staff AS inspection_staff_id
    FROM special_pick AS p
    LEFT JOIN special_inspection AS i ON i.customer_id = p.customer_id AND i.idx = p.pick_idx
),
-- Routine chains, one per customer book spell
spell_mark AS (
    SELECT customer_id, on_date, coalesce(off_date, DATE '9999-12-31') AS off_date,
           coalesce(on_date > max(coalesce(off_date, DATE '9999-12-31')) OVER (
               PARTITION BY customer_id ORDER BY on_date, off_date
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), TRUE) AS starts
    FROM loan_span
),
spell AS (
    SELECT customer_id, spell_start, least(spell_end - 1, hz.h) AS last_trigger
    FROM (
        SELECT customer_id, min(on_date) AS spell_start, max(off_date) AS spell_end
        FROM (
            SELECT *, sum(starts::INTEGER) OVER (
                PARTITION BY customer_id ORDER BY on_date, off_date ROWS UNBOUNDED PRECEDING) AS n
            FROM spell_mark
        )
        GROUP BY customer_id, n
    )
    CROSS JOIN horizon AS hz
    WHERE spell_start <= least(spell_end - 1, hz.h)
),
-- the customer's allowed routine inspections, one per day (the first by id), and the next day
routine_day AS MATERIALIZED (
    SELECT *, lead(d) OVER w AS next_d, lead(id) OVER w AS next_id,
           lead(staff) OVER w AS next_staff
    FROM (
        SELECT i.customer_id, i.inspection_date AS d, min(i.inspection_id) AS id,
               arg_min(i.staff_id, i.inspection_id) AS staff
        FROM fct_inspection AS i
        JOIN dim_customer AS c ON c.customer_id = i.customer_id
        WHERE i.inspection_type IN ('routine', 'special')
          AND list_contains($allowed_routine_pairs, c.customer_type || ':' || i.method)
        GROUP BY i.customer_id, i.inspection_date
    )
    WINDOW w AS (PARTITION BY customer_id ORDER BY d)
),
-- A run: the chain from one anchor (the spell start, or an allowed inspection within the
-- spell) to the next allowed inspection b, which satisfies the run's first obligation and
-- anchors the next run. Triggers of a run: x0 = anchor, x(k+1) = xk + interval(xk), while
-- xk ≤ lim (the spell's last trigger, and before b).
spell_day AS MATERIALIZED (
    SELECT s.customer_id, s.spell_start, s.last_trigger, r.d, r.id, r.staff, r.next_d,
           r.next_id, r.next_staff
    FROM spell AS s
    JOIN routine_day AS r ON r.customer_id = s.customer_id AND r.d > s.spell_start
),
run AS MATERIALIZED (
    SELECT s.customer_id, s.spell_start, s.last_trigger, s.spell_start AS anchor,
           f.first.d AS b, f.first.id AS b_id, f.first.staff AS b_staff
    FROM spell AS s
    LEFT JOIN (
        SELECT customer_id, spell_start,
               arg_min({{'d': d, 'id': id, 'staff': staff}}, d) AS first
        FROM spell_day GROUP BY customer_id, spell_start
    ) AS f ON f.customer_id = s.customer_id AND f.spell_start = s.spell_start
    UNION ALL
    SELECT customer_id, spell_start, last_trigger, d, next_d, next_id, next_staff
    FROM spell_day
    WHERE d <= last_trigger
),
-- the routine interval in force from each rating date (before the first: unrated)
rating_segment AS MATERIALIZED (
    SELECT customer_id, rating_date AS seg_start,
           coalesce(lead(rating_date) OVER (PARTITION BY customer_id ORDER BY rating_date),
                    DATE '9999-12-31') AS seg_end,
           coalesce(list_extract($routine_days, list_position($routine_ratings, credit_rating)),
                    $unrated_interval_days) AS days
    FROM dim_customer_rating
    UNION ALL
    SELECT customer_id, DATE '0001-01-01', min(rating_date), $unrated_interval_days
    FROM dim_customer_rating
    GROUP BY customer_id
),
-- a run's triggers in pieces of equal interval: each piece starts at x, its first trigger in
-- a rating segment; the next piece starts at the first trigger past the segment's end
piece(customer_id, spell_start, anchor, b, b_id, b_staff, lim, x) AS (
    SELECT customer_id, spell_start, anchor, b, b_id, b_staff,
           CASE WHEN b IS NULL THEN last_trigger ELSE least(last_trigger, b - 1) END, anchor
    FROM run /*CONTINUED_RUNS*/
    UNION ALL
    SELECT p.customer_id, p.spell_start, p.anchor, p.b, p.b_id, p.b_staff, p.lim,
           {_NEXT_SEGMENT_X}
    FROM piece AS p
    LEFT JOIN rating_segment AS g
      ON g.customer_id = p.customer_id AND g.seg_start <= p.x AND p.x < g.seg_end
    WHERE {_NEXT_SEGMENT_X} <= p.lim
),
routine_trigger AS (
    SELECT customer_id, anchor, b, b_id, b_staff,
           x + (k * days)::INTEGER AS trigger_date, x + ((k + 1) * days)::INTEGER AS due_date
    FROM (
        SELECT p.customer_id, p.anchor, p.b, p.b_id, p.b_staff, p.x, {_DAYS} AS days,
               unnest(range(least(
                   ceil(({_SEG_END} - p.x) / {_DAYS}),
                   floor((p.lim - p.x) / {_DAYS}) + 1)::BIGINT)) AS k
        FROM piece AS p
        LEFT JOIN rating_segment AS g
          ON g.customer_id = p.customer_id AND g.seg_start <= p.x AND p.x < g.seg_end
    )
),
-- a run's first obligation is satisfied by b; a later one arises only while b has not come
-- by its due date (the missed intervals stay open)
routine AS (
    SELECT
        'routine:' || t.customer_id || ':' || t.trigger_date AS obligation_id,
        'routine' AS kind, t.customer_id, NULL::VARCHAR AS loan_id, t.trigger_date, t.due_date,
        CASE WHEN t.trigger_date = t.anchor THEN t.b END AS satisfied_date,
        CASE WHEN t.trigger_date = t.anchor THEN t.b_id END AS inspection_id,
        CASE WHEN t.trigger_date = t.anchor THEN t.b_staff END AS inspection_staff_id
    FROM routine_trigger AS t
    WHERE t.trigger_date = t.anchor OR t.b IS NULL OR t.due_date < t.b
),
obligation AS (
    SELECT * FROM general_matched
    UNION ALL
    SELECT obligation_id, kind, customer_id, loan_id, trigger_date, due_date, satisfied_date,
           inspection_id, inspection_staff_id
    FROM special_matched
    UNION ALL
    SELECT * FROM routine /*CONTINUED_ROUTINE*/
),
-- Responsibility. A customer-level obligation is held by the customer's largest loan (balance,
-- then contract amount) at its latest month end on or before the due date: as runs [from_date,
-- to_date) of month ends with the same largest loan, the first run open to the past. Only
-- customers with several loans need it worked out; the others have their one loan.
multi_loan AS (
    SELECT loan_id, customer_id, contract_amount
    FROM dim_loan
    WHERE customer_id IN (
        SELECT customer_id FROM dim_loan GROUP BY customer_id HAVING count(*) > 1)
),
customer_run AS (
    SELECT customer_id, loan_id, from_date,
           coalesce(lead(from_date) OVER (PARTITION BY customer_id ORDER BY from_date),
                    DATE '9999-12-31') AS to_date
    FROM (
        SELECT customer_id, loan_id,
               CASE WHEN prev_as_of IS NULL THEN DATE '0001-01-01' ELSE as_of_date END
                   AS from_date
        FROM (
            SELECT *, lag(loan_id) OVER w AS prev_loan_id, lag(as_of_date) OVER w AS prev_as_of
            FROM (
                SELECT m.customer_id, s.as_of_date,
                       arg_max(s.loan_id, (s.balance, m.contract_amount, s.loan_id)) AS loan_id
                FROM fct_loan_snapshot AS s
                JOIN multi_loan AS m ON m.loan_id = s.loan_id
                GROUP BY m.customer_id, s.as_of_date
            )
            WINDOW w AS (PARTITION BY customer_id ORDER BY as_of_date)
        )
        WHERE prev_loan_id IS DISTINCT FROM loan_id
    )
),
-- a customer without snapshots (or with one loan): its largest contract
customer_contract AS (
    SELECT customer_id, arg_max(loan_id, (contract_amount, loan_id)) AS loan_id
    FROM dim_loan GROUP BY customer_id
),
based AS (
    SELECT o.*, o.loan_id AS basis_loan_id FROM obligation AS o WHERE o.loan_id IS NOT NULL
    UNION ALL
    SELECT o.*, coalesce(cr.loan_id, cc.loan_id)
    FROM obligation AS o
    LEFT JOIN customer_run AS cr
      ON cr.customer_id = o.customer_id AND cr.from_date <= o.due_date AND o.due_date < cr.to_date
    LEFT JOIN customer_contract AS cc ON cc.customer_id = o.customer_id
    WHERE o.loan_id IS NULL
),
-- The basis loan's booking org, and its manager at its latest month end on or before the due
-- date (its first before the first). Loans never handed over have one; the others, runs as
-- above.
loan_manager AS (
    SELECT l.loan_id, l.org_id, m.manager_id, m.handed_over
    FROM dim_loan AS l
    LEFT JOIN (
        SELECT loan_id, min(manager_id) AS manager_id,
               min(manager_id) <> max(manager_id) AS handed_over
        FROM fct_loan_snapshot
        GROUP BY loan_id
    ) AS m ON m.loan_id = l.loan_id
),
manager_run AS (
    SELECT loan_id, manager_id, from_date,
           coalesce(lead(from_date) OVER (PARTITION BY loan_id ORDER BY from_date),
                    DATE '9999-12-31') AS to_date
    FROM (
        SELECT loan_id, manager_id,
               CASE WHEN prev_as_of IS NULL THEN DATE '0001-01-01' ELSE as_of_date END
                   AS from_date
        FROM (
            SELECT s.loan_id, s.as_of_date, s.manager_id,
                   lag(s.manager_id) OVER w AS prev_manager_id,
                   lag(s.as_of_date) OVER w AS prev_as_of
            FROM fct_loan_snapshot AS s
            WHERE s.loan_id IN (SELECT loan_id FROM loan_manager WHERE handed_over)
            WINDOW w AS (PARTITION BY s.loan_id ORDER BY s.as_of_date)
        )
        WHERE prev_manager_id IS DISTINCT FROM manager_id
    )
)
SELECT
    b.obligation_id, b.kind, b.customer_id, b.loan_id, b.trigger_date, b.due_date,
    b.satisfied_date, b.inspection_id, b.inspection_staff_id, b.basis_loan_id,
    coalesce(mr.manager_id, lm.manager_id) AS manager_id, lm.org_id
FROM based AS b
LEFT JOIN loan_manager AS lm ON lm.loan_id = b.basis_loan_id
LEFT JOIN manager_run AS mr
  ON lm.handed_over AND mr.loan_id = b.basis_loan_id
 AND mr.from_date <= b.due_date AND b.due_date < mr.to_date
"""


# The derivation for the customers in [$first, $after) only (and, in DERIVE_LISTED, listed in
# the temporary table LISTED): every obligation is one customer's, derived from that customer's
# loans, snapshots, inspections, signals, appraisals and ratings, so the parts' rows together
# are the whole's. Each source is read through a part CTE (the whole bank's month ends stay
# whole: main.fct_loan_snapshot above).
def derive_for(
    customers: str, sources: dict[str, str] | None = None, markers: dict[str, str] | None = None
) -> str:
    """DERIVE_OBLIGATIONS over part CTEs of the customers ``customers`` selects; ``sources``
    replaces or adds part CTEs (``part_<name>``, referred to by name), ``markers`` fills the
    derivation's /*MARKER*/ comments (warehouse.aggregates.obligation_updates)."""
    sources = {
        "dim_loan": f"SELECT * FROM dim_loan WHERE {customers}",
        "fct_loan_snapshot": (
            "SELECT s.* FROM fct_loan_snapshot AS s SEMI JOIN part_dim_loan AS l USING (loan_id)"
        ),
        "fct_inspection": f"SELECT * FROM fct_inspection WHERE {customers}",
        "fct_warning_signal": f"SELECT * FROM fct_warning_signal WHERE {customers}",
        "fct_collateral_appraisal": (
            "SELECT a.* FROM fct_collateral_appraisal AS a "
            "SEMI JOIN part_dim_loan AS l USING (loan_id)"
        ),
        "dim_customer_rating": f"SELECT * FROM dim_customer_rating WHERE {customers}",
    } | (sources or {})
    body = DERIVE_OBLIGATIONS.strip().removeprefix("WITH RECURSIVE")
    for marker, sql in (markers or {}).items():
        body = body.replace(f"/*{marker}*/", sql)
    return (
        "WITH RECURSIVE\n"
        + "".join(f"part_{table} AS MATERIALIZED ({sql}),\n" for table, sql in sources.items())
        + re.sub(r"(?<![.\w])(" + "|".join(sources) + r")\b", r"part_\1", body)
    )


IN_PART = "customer_id >= $first AND customer_id < $after"
DERIVE_PART = derive_for(IN_PART)
# The customers a load derives again from their whole history (warehouse.aggregates.
# obligation_updates).
LISTED = "listed_customer"
DERIVE_LISTED = derive_for(f"{IN_PART} AND customer_id IN (SELECT customer_id FROM {LISTED})")

# Snapshots one derivation statement reads at most: the whole history of a medium bank in one
# or two statements; a large bank's (136M snapshots) in parts of a 16 GB working set or less,
# where the whole in one statement spills tens of gigabytes to disk.
_PART_SNAPSHOTS = 10_000_000
# Above every customer id (ids are text; U+10FFFF is the largest code point).
_AFTER_ALL = "\U0010ffff"


def customer_parts(
    con: duckdb.DuckDBPyConnection,
    listed: str | None = None,
    rows: str | None = None,
    per_part: int | None = None,
) -> list[tuple[str, str]]:
    """The derivation's parts as ranges [first, after) of customer ids, in order, about equal
    in customers: one per ``per_part`` (default _PART_SNAPSHOTS) of the ``rows`` a derivation
    reads (default: the customers' snapshots), one range covering every id when few; of the
    customers in the table ``listed`` only when given."""
    customers = f"(SELECT DISTINCT customer_id FROM {listed})" if listed else "dim_customer"
    if rows is None:
        rows = "FROM fct_loan_snapshot" + (
            f" SEMI JOIN (dim_loan SEMI JOIN {customers} USING (customer_id)) USING (loan_id)"
            if listed
            else ""
        )
    count = con.execute(f"SELECT count(*) FROM ({rows})").fetchone()[0]
    n = max(1, -(-count // (per_part or _PART_SNAPSHOTS)))
    cuts = []
    if n > 1:
        row = con.execute(
            f"SELECT quantile_disc(customer_id, $q) FROM {customers}",
            {"q": [k / n for k in range(1, n)]},
        ).fetchone()
        cuts = sorted(set(row[0] or []))
    bounds = ["", *cuts, _AFTER_ALL]
    return list(pairwise(bounds))


DDL = """
-- fct_obligation: one row per inspection obligation owed (METRICS.md §5), with the inspection
-- (or, for collateral, the appraisal) that satisfied it. Status is not stored: it depends on
-- the as-of date (metrics.obligations).
CREATE OR REPLACE TABLE fct_obligation (
    obligation_id        VARCHAR NOT NULL,   -- kind:key, stable across loads with same rules
    kind                 VARCHAR NOT NULL,   -- first · fund_flow · routine · special · collateral
    customer_id          VARCHAR NOT NULL,
    loan_id              VARCHAR,            -- null for customer-level obligations
    trigger_date         DATE NOT NULL,
    due_date             DATE NOT NULL,
    satisfied_date       DATE,               -- null: never satisfied in the data
    inspection_id        VARCHAR,            -- null when open or satisfied by an appraisal
    inspection_staff_id  VARCHAR,
    basis_loan_id        VARCHAR,            -- the loan responsibility is taken from
    manager_id           VARCHAR,            -- responsible manager
    org_id               VARCHAR             -- the basis loan's booking org
);

-- fct_obligation_rules: one row: the inspection rules fct_obligation applied (JSON).
CREATE OR REPLACE TABLE fct_obligation_rules (rules VARCHAR NOT NULL);
"""

AGGREGATES_DDL = """
-- agg_obligation_month: obligations counted by responsibility, kind, due month and the month
-- they were satisfied in (for the late ones: an on-time one is never late nor overdue). For an
-- as-of date at a month end M this gives every §5 count exactly: due by M ⇔ due_month ≤ M;
-- satisfied by M ⇔ satisfied_month ≤ M; due before M ⇔ due_month < M or not
-- due_on_month_end (metrics.obligations).
CREATE OR REPLACE TABLE agg_obligation_month (
    org_id            VARCHAR,            -- fct_obligation.org_id
    manager_id        VARCHAR,
    kind              VARCHAR NOT NULL,
    due_month         DATE NOT NULL,      -- last day of the due date's month
    due_on_month_end  BOOLEAN NOT NULL,   -- due_date = due_month
    satisfied_month   DATE,               -- of a late one; null: on time or never satisfied
    on_time           BOOLEAN NOT NULL,   -- satisfied_date <= due_date
    obligations       BIGINT NOT NULL,
    days_late         BIGINT NOT NULL,    -- Σ (satisfied_date - due_date) of the late ones
    first_due_date    DATE NOT NULL       -- the earliest due date of the cell
);

-- agg_inspection_month: inspections done, by the inspector's org and staff id, month and how
-- the report went (METRICS.md §5 报告质量), so the report rule can change without a reload.
CREATE OR REPLACE TABLE agg_inspection_month (
    org_id               VARCHAR NOT NULL,   -- the inspector's org (dim_staff)
    staff_id             VARCHAR NOT NULL,
    month                DATE NOT NULL,      -- last day of the inspection date's month
    report_working_days  INTEGER,            -- working days to the report, capped; null: none
    reviewed             BOOLEAN NOT NULL,   -- reviewer_id present
    inspections          BIGINT NOT NULL
);

-- agg_obligation_backlog: the obligations open past due (overdue, METRICS.md §5) at each month
-- end up to the book's horizon, by responsibility and kind, with the earliest due date among
-- them. A month end without a row for a group has none. What the §5 backlog of a month end
-- sums instead of every agg_obligation_month row (half of them open: 9M at 10M loans).
CREATE OR REPLACE TABLE agg_obligation_backlog (
    as_of_date  DATE NOT NULL,       -- a month end
    org_id      VARCHAR,
    manager_id  VARCHAR,
    kind        VARCHAR NOT NULL,
    backlog     BIGINT NOT NULL,     -- obligations due before as_of_date, not satisfied by it
    oldest_due  DATE NOT NULL
);
"""

# Every inspection with the working days its report took (dim_date's working-day ordinals)
# and the inspector's org; report_working_days is null when no report was filed.
INSPECTION_REPORTS = """
    WITH working AS (
        SELECT date_key, sum(is_working_day::INTEGER) OVER (ORDER BY date_key) AS ordinal
        FROM dim_date
    )
    SELECT i.*, st.org_id, wr.ordinal - wi.ordinal AS report_working_days
    FROM fct_inspection AS i
    JOIN dim_staff AS st ON st.staff_id = i.staff_id
    LEFT JOIN working AS wi ON wi.date_key = i.inspection_date
    LEFT JOIN working AS wr ON wr.date_key = i.report_date
"""
REPORT_DAYS_CAP = 99  # working days beyond any sensible report rule

# agg_obligation_month's cells of the obligations {rows} selects (a FROM clause giving
# fct_obligation's columns), stored by due month: a period's rows are a few row groups.
COUNT_OBLIGATIONS = """
INSERT INTO agg_obligation_month
SELECT org_id, manager_id, kind, last_day(due_date) AS due_month, due_date = last_day(due_date),
       CASE WHEN NOT satisfied_date <= due_date THEN last_day(satisfied_date) END,
       coalesce(satisfied_date <= due_date, FALSE), count(*),
       coalesce(sum(satisfied_date - due_date) FILTER (WHERE satisfied_date > due_date), 0),
       min(due_date)
{rows}
GROUP BY ALL
ORDER BY due_month
"""

# agg_obligation_backlog at the month ends from $from on (null: all): a cell not on time is
# overdue at the month ends from its first "due before" one (its due month, or the next when
# due on the month end) until the month it was satisfied in.
COUNT_BACKLOG = """
INSERT INTO agg_obligation_backlog
WITH open AS (
    SELECT org_id, manager_id, kind, obligations, first_due_date, satisfied_month,
           CASE WHEN due_on_month_end THEN last_day(due_month + 1) ELSE due_month END
               AS overdue_from
    FROM agg_obligation_month
    WHERE NOT on_time
),
-- every month end from the first a cell is overdue at to the horizon
month_end AS (
    SELECT last_day(m)::DATE AS as_of_date
    FROM (
        SELECT unnest(range(date_trunc('month', greatest(first, $from))::TIMESTAMP,
                            h::TIMESTAMP + INTERVAL 1 DAY, INTERVAL 1 MONTH)) AS m
        FROM (SELECT min(overdue_from) AS first FROM open),
             (SELECT max(as_of_date) AS h FROM fct_loan_snapshot)
    )
)
SELECT m.as_of_date, o.org_id, o.manager_id, o.kind, sum(o.obligations), min(o.first_due_date)
FROM open AS o
JOIN month_end AS m
  ON o.overdue_from <= m.as_of_date
 AND (o.satisfied_month IS NULL OR o.satisfied_month > m.as_of_date)
GROUP BY ALL
ORDER BY m.as_of_date
"""

# agg_inspection_month's rows for the inspections from $from on (the first day of a month).
COUNT_INSPECTIONS = f"""
INSERT INTO agg_inspection_month
SELECT org_id, staff_id, last_day(inspection_date),
       -- least() would turn a missing report (null) into the cap
       CASE WHEN report_working_days IS NOT NULL
            THEN least(report_working_days, {REPORT_DAYS_CAP}) END,
       reviewer_id IS NOT NULL, count(*)
FROM ({INSPECTION_REPORTS})
WHERE inspection_date >= $from
GROUP BY ALL
"""


def count_all(con: duckdb.DuckDBPyConnection, ddl: str = AGGREGATES_DDL) -> None:
    """(Re)create the monthly counts the pages read from fct_obligation and fct_inspection
    (with ``ddl``: the benchmark's temporary tables)."""
    con.execute(ddl)
    con.execute(COUNT_OBLIGATIONS.format(rows="FROM fct_obligation"))
    con.execute(COUNT_BACKLOG, {"from": None})
    con.execute(COUNT_INSPECTIONS, {"from": date.min})


def recount_inspections(con: duckdb.DuckDBPyConnection, since: date) -> None:
    """Count agg_inspection_month again from the month of ``since`` on (a load's inspections
    reach no earlier month)."""
    first_day = {"from": since.replace(day=1)}
    con.execute("DELETE FROM agg_inspection_month WHERE month >= $from", first_day)
    con.execute(COUNT_INSPECTIONS, first_day)


def rules_key(rules: InspectionRules) -> str:
    """The rules that shape obligations, as JSON (the calendar lives in dim_date)."""
    return rules.model_dump_json(exclude={"holidays", "makeup_workdays", "report_due_working_days"})


def rule_params(rules: InspectionRules) -> dict[str, object]:
    """Bound parameters of DERIVE_OBLIGATIONS."""
    ratings = list(rules.routine_interval_days)
    return {
        "first_due_days": rules.first_due_days,
        "first_due_days_self_pay": rules.first_due_days_self_pay,
        "fund_flow_due_working_days": rules.fund_flow_due_working_days,
        "routine_ratings": ratings,
        "routine_days": [rules.routine_interval_days[r] for r in ratings],
        "unrated_interval_days": rules.routine_interval_days["unrated"],
        "special_due_days": rules.special_due_days,
        "special_signal_severities": list(rules.special_signal_severities),
        "collateral_revaluation_days": rules.collateral_revaluation_days,
        "allowed_routine_pairs": [
            f"{customer_type}:{method}"
            for customer_type, methods in rules.allowed_routine_methods.items()
            for method in methods
        ],
    }


def built_rules(con: duckdb.DuckDBPyConnection) -> str | None:
    """The rules_key fct_obligation was built with; None when this warehouse has none."""
    if not has_table(con, "fct_obligation_rules"):
        return None
    rows = con.execute("SELECT rules FROM fct_obligation_rules").fetchall()
    return rows[0][0] if rows else None


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)create fct_obligation from the facts with this load's inspection rules, and the
    monthly counts the pages read."""
    rules = settings.inspection
    con.execute(DDL)
    parts = customer_parts(con)
    derive = DERIVE_OBLIGATIONS if len(parts) == 1 else DERIVE_PART
    insert_derived(con, derive, rules, parts if len(parts) > 1 else None)
    con.execute("INSERT INTO fct_obligation_rules VALUES ($rules)", {"rules": rules_key(rules)})
    count_all(con)


# The order of a customer range's rows. By due month: the lists of open obligations (the oldest
# overdue first, those due in the next days) read a few row groups, which DuckDB's zone maps on
# due_date pick (at 10M loans the overdue backlog takes 0.3 s instead of 1.8 s); then by
# customer: a borrower's file reads one row group or two per due month of its range (0.1 s).
ORDER = "last_day(due_date), customer_id, due_date, obligation_id"


def insert_derived(
    con: duckdb.DuckDBPyConnection,
    derive: str,
    rules: InspectionRules,
    parts: list[tuple[str, str]] | None,
    into: str = "fct_obligation",
    params: dict[str, object] | None = None,
) -> None:
    """Append the rows ``derive`` gives to ``into``, a customer range at a time (None: one
    statement without range parameters, which DuckDB rejects when a query does not use them),
    each range stored by due month, then customer (ORDER)."""
    for first, after in parts or [("", _AFTER_ALL)]:
        con.execute(
            f"INSERT INTO {into} SELECT * FROM ({derive}) ORDER BY {ORDER}",
            rule_params(rules)
            | (params or {})
            | ({"first": first, "after": after} if parts else {}),
        )
