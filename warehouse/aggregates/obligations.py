"""Inspection obligations, derived at load from the facts and the inspection rules (METRICS.md §5).

``DERIVE_OBLIGATIONS`` is one set-based query: every obligation owed (first, fund_flow,
routine, special, collateral), the inspection that satisfied it and the responsible manager and
org. ``build`` materialises it as ``fct_obligation`` with the rules it applied in
``fct_obligation_rules``; ``metrics.obligations`` reads the table when the rules of the call are
those, and runs the query itself otherwise, so a settings change is correct at once and fast
after the next load. Status (on_time, late, overdue, pending) depends on the as-of date and is
worked out at query time.

Not yet in ``warehouse.aggregates.BUILDERS``: at medium scale the build takes about 68 s (11M
obligations), which would double every load before any page reads the table. It is registered
with the inspection pages, once the build is incremental by month; until then the metrics derive
obligations on the fly and the tests build the table explicitly.

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
  chain's anchor. While none comes, a new obligation falls due one interval after each due
  date (trigger: that due date); the inspection that finally comes satisfies the earliest of
  them (late) and becomes the next anchor; the intervals missed meanwhile stay open (overdue).
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

import duckdb

from daihou.settings import InspectionRules, Settings
from warehouse.aggregates.asset_quality import ON_BOOK
from warehouse.connection import has_table

# The routine interval of rating list ``b.rat`` (structs d, days ascending by d) at date {x}.
_INTERVAL_AT = "coalesce(list_filter(b.rat, lambda r: r.d <= {x})[-1].days, $unrated_interval_days)"
# The first allowed routine inspection of ``b.ins`` (structs d, id, staff) after date {x}.
_FIRST_AFTER = "list_filter(b.ins, lambda v: v.d > {x})[1]"

DERIVE_OBLIGATIONS = f"""
WITH RECURSIVE
horizon AS (SELECT min(as_of_date) AS first_as_of, max(as_of_date) AS h FROM fct_loan_snapshot),
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
-- a loan's working-day ordinal: working days up to and including the date
working AS (
    SELECT date_key, is_working_day,
           sum(is_working_day::INTEGER) OVER (ORDER BY date_key) AS ordinal
    FROM dim_date
),
owed_first AS (
    SELECT
        'first:' || ls.loan_id AS obligation_id, 'first' AS kind, ls.customer_id, ls.loan_id,
        ls.on_date AS trigger_date,
        ls.on_date + CASE WHEN ls.payment_mode = 'self' THEN $first_due_days_self_pay
                          ELSE $first_due_days END AS due_date
    FROM loan_span AS ls
),
owed_fund_flow AS (
    SELECT
        'fund_flow:' || ls.loan_id, 'fund_flow', ls.customer_id, ls.loan_id, ls.on_date,
        w2.date_key
    FROM loan_span AS ls
    JOIN working AS w1 ON w1.date_key = ls.on_date
    JOIN working AS w2
      ON w2.ordinal = w1.ordinal + $fund_flow_due_working_days AND w2.is_working_day
),
-- overdue episodes: a month end with dpd > 0 after one with dpd = 0, or the first snapshot
episode AS (
    SELECT s.loan_id, s.as_of_date, s.days_past_due,
           lag(s.days_past_due) OVER (PARTITION BY s.loan_id ORDER BY s.as_of_date) AS prev_dpd
    FROM fct_loan_snapshot AS s
),
owed_special AS (
    SELECT
        'special:overdue:' || e.loan_id || ':' || e.as_of_date, 'special', l.customer_id,
        e.loan_id, e.as_of_date - e.days_past_due + 1 AS trigger_date,
        e.as_of_date - e.days_past_due + 1 + $special_due_days
    FROM episode AS e
    JOIN dim_loan AS l ON l.loan_id = e.loan_id
    WHERE e.days_past_due > 0 AND coalesce(e.prev_dpd, 0) = 0
    UNION ALL
    SELECT
        'special:signal:' || w.signal_id, 'special', w.customer_id, w.loan_id, w.signal_date,
        w.signal_date + $special_due_days
    FROM fct_warning_signal AS w
    WHERE list_contains($special_signal_severities, w.severity)
),
appraisal AS (
    SELECT a.collateral_id, a.loan_id, a.appraisal_date,
           lead(a.appraisal_date) OVER (
               PARTITION BY a.collateral_id ORDER BY a.appraisal_date) AS next_appraisal_date
    FROM (SELECT DISTINCT collateral_id, loan_id, appraisal_date
          FROM fct_collateral_appraisal) AS a
),
owed_collateral AS (
    SELECT
        'collateral:' || a.collateral_id || ':' || a.appraisal_date, 'collateral',
        ls.customer_id, a.loan_id, a.appraisal_date,
        a.appraisal_date + $collateral_revaluation_days AS due_date
    FROM appraisal AS a
    JOIN loan_span AS ls ON ls.loan_id = a.loan_id
    CROSS JOIN horizon AS hz
    WHERE ls.on_date <= a.appraisal_date + $collateral_revaluation_days
      AND (ls.off_date IS NULL OR ls.off_date > a.appraisal_date + $collateral_revaluation_days)
      AND a.appraisal_date <= hz.h
),
owed AS (
    SELECT * FROM owed_first
    UNION ALL SELECT * FROM owed_fund_flow
    UNION ALL SELECT * FROM owed_special
    UNION ALL SELECT * FROM owed_collateral
),
-- the inspections each matched obligation could take, earliest first
candidate AS (
    SELECT o.obligation_id, i.inspection_date, i.inspection_id, i.staff_id
    FROM owed AS o
    JOIN fct_inspection AS i
      ON i.customer_id = o.customer_id AND i.inspection_type = o.kind
    LEFT JOIN appraisal AS a
      ON o.kind = 'collateral' AND o.obligation_id = 'collateral:' || a.collateral_id || ':'
         || a.appraisal_date
    WHERE CASE o.kind
        WHEN 'first' THEN (i.loan_id = o.loan_id OR i.loan_id IS NULL)
                          AND i.inspection_date >= o.trigger_date
        WHEN 'fund_flow' THEN i.loan_id = o.loan_id
        WHEN 'special' THEN i.inspection_date >= o.trigger_date
        WHEN 'collateral' THEN i.loan_id = o.loan_id AND i.inspection_date > o.trigger_date
                               AND (a.next_appraisal_date IS NULL
                                    OR i.inspection_date < a.next_appraisal_date)
    END
),
queue AS MATERIALIZED (
    SELECT
        o.*,
        row_number() OVER (
            PARTITION BY o.kind, o.customer_id
            ORDER BY o.due_date, o.trigger_date, o.obligation_id) AS seq,
        coalesce(c.cands, []) AS cands
    FROM owed AS o
    LEFT JOIN (
        SELECT obligation_id,
               list({{'d': inspection_date, 'id': inspection_id, 'staff': staff_id}}
                    ORDER BY inspection_date, inspection_id) AS cands
        FROM candidate GROUP BY obligation_id
    ) AS c ON c.obligation_id = o.obligation_id
),
-- per kind and customer, obligation seq takes the earliest candidate not taken before
matched(kind, customer_id, seq, obligation_id, pick, taken) AS (
    SELECT kind, customer_id, 0::BIGINT, NULL::VARCHAR,
           NULL::STRUCT(d DATE, id VARCHAR, staff VARCHAR), []::VARCHAR[]
    FROM (SELECT DISTINCT kind, customer_id FROM owed)
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
matched_owed AS (
    SELECT
        q.obligation_id, q.kind, q.customer_id, q.loan_id, q.trigger_date, q.due_date,
        CASE WHEN q.kind = 'collateral' THEN least(m.pick.d, a.next_appraisal_date)
             ELSE m.pick.d END AS satisfied_date,
        CASE WHEN m.pick.d <= coalesce(a.next_appraisal_date, m.pick.d)
             THEN m.pick.id END AS inspection_id,
        CASE WHEN m.pick.d <= coalesce(a.next_appraisal_date, m.pick.d)
             THEN m.pick.staff END AS inspection_staff_id
    FROM queue AS q
    JOIN matched AS m ON m.obligation_id = q.obligation_id
    LEFT JOIN appraisal AS a
      ON q.kind = 'collateral' AND q.obligation_id = 'collateral:' || a.collateral_id || ':'
         || a.appraisal_date
),
-- routine chains, one per customer book spell
spell_mark AS (
    SELECT customer_id, on_date, coalesce(off_date, DATE '9999-12-31') AS off_date,
           coalesce(on_date > max(coalesce(off_date, DATE '9999-12-31')) OVER (
               PARTITION BY customer_id ORDER BY on_date, off_date
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), TRUE) AS starts
    FROM loan_span
),
spell AS (
    SELECT customer_id, min(on_date) AS spell_start, max(off_date) AS spell_end
    FROM (
        SELECT *, sum(starts::INTEGER) OVER (
            PARTITION BY customer_id ORDER BY on_date, off_date ROWS UNBOUNDED PRECEDING) AS n
        FROM spell_mark
    )
    GROUP BY customer_id, n
),
routine_inspection AS (
    SELECT i.customer_id,
           list({{'d': i.inspection_date, 'id': i.inspection_id, 'staff': i.staff_id}}
                ORDER BY i.inspection_date, i.inspection_id) AS ins
    FROM fct_inspection AS i
    JOIN dim_customer AS c ON c.customer_id = i.customer_id
    WHERE i.inspection_type IN ('routine', 'special')
      AND list_contains($allowed_routine_pairs, c.customer_type || ':' || i.method)
    GROUP BY i.customer_id
),
rating AS (
    SELECT customer_id,
           list({{'d': rating_date, 'days': coalesce(
                    list_extract($routine_days, list_position($routine_ratings, credit_rating)),
                    $unrated_interval_days)}} ORDER BY rating_date) AS rat
    FROM dim_customer_rating
    GROUP BY customer_id
),
chain_base AS MATERIALIZED (
    SELECT sp.customer_id, sp.spell_start, least(sp.spell_end - 1, hz.h) AS last_trigger,
           coalesce(ri.ins, []) AS ins, coalesce(r.rat, []) AS rat
    FROM spell AS sp
    CROSS JOIN horizon AS hz
    LEFT JOIN routine_inspection AS ri ON ri.customer_id = sp.customer_id
    LEFT JOIN rating AS r ON r.customer_id = sp.customer_id
    WHERE sp.spell_start <= least(sp.spell_end - 1, hz.h)
),
-- a row per routine obligation: anchor (the chain's last satisfying inspection, or the spell
-- start), trigger, due, and the first allowed inspection after the anchor (nxt)
chain(customer_id, spell_start, step, anchor, trigger_date, due_date, nxt) AS (
    SELECT b.customer_id, b.spell_start, 1, b.spell_start, b.spell_start,
           b.spell_start + {_INTERVAL_AT.format(x="b.spell_start")},
           {_FIRST_AFTER.format(x="b.spell_start")}
    FROM chain_base AS b
    UNION ALL
    SELECT b.customer_id, b.spell_start, b.step + 1, b.anchor, b.trigger_date,
           b.trigger_date + {_INTERVAL_AT.format(x="b.trigger_date")},
           CASE WHEN b.restart THEN {_FIRST_AFTER.format(x="b.trigger_date")} ELSE b.nxt END
    FROM (
        SELECT r.*,
               CASE WHEN r.restart THEN r.nxt.d ELSE r.prev_anchor END AS anchor,
               CASE WHEN r.restart THEN r.nxt.d ELSE r.due_date END AS trigger_date
        FROM (
            -- restart: the first inspection after the anchor comes before the next would fall
            -- due; it becomes the anchor. Otherwise the next falls due one interval later.
            SELECT c.customer_id, c.spell_start, c.step, c.due_date, c.nxt,
                   b.rat, b.ins, b.last_trigger, c.anchor AS prev_anchor,
                   coalesce(
                       c.nxt.d <= c.due_date + {_INTERVAL_AT.format(x="c.due_date")}, FALSE
                   ) AS restart
            FROM chain AS c
            JOIN chain_base AS b
              ON b.customer_id = c.customer_id AND b.spell_start = c.spell_start
        ) AS r
    ) AS b
    WHERE b.trigger_date <= b.last_trigger
),
routine AS (
    SELECT
        'routine:' || customer_id || ':' || spell_start || ':' || step AS obligation_id,
        'routine' AS kind, customer_id, NULL::VARCHAR AS loan_id, trigger_date, due_date,
        CASE WHEN trigger_date = anchor THEN nxt.d END AS satisfied_date,
        CASE WHEN trigger_date = anchor THEN nxt.id END AS inspection_id,
        CASE WHEN trigger_date = anchor THEN nxt.staff END AS inspection_staff_id
    FROM chain
),
obligation AS (
    SELECT * FROM matched_owed
    UNION ALL
    SELECT * FROM routine
),
-- the customer's largest loan at each month end, as runs: from_date is the first month end of
-- a run, or 0001-01-01 for the customer's first run (so that it also covers earlier dates)
customer_month AS (
    SELECT l.customer_id, s.as_of_date,
           arg_max(s.loan_id, (s.balance, l.contract_amount, s.loan_id)) AS loan_id
    FROM fct_loan_snapshot AS s
    JOIN dim_loan AS l ON l.loan_id = s.loan_id
    GROUP BY l.customer_id, s.as_of_date
),
customer_run AS (
    SELECT customer_id, loan_id,
           CASE WHEN prev_as_of IS NULL THEN DATE '0001-01-01' ELSE as_of_date END AS from_date
    FROM (
        SELECT *,
               lag(loan_id) OVER w AS prev_loan_id, lag(as_of_date) OVER w AS prev_as_of
        FROM customer_month
        WINDOW w AS (PARTITION BY customer_id ORDER BY as_of_date)
    )
    WHERE prev_loan_id IS DISTINCT FROM loan_id
),
-- a customer without snapshots: its largest contract
customer_contract AS (
    SELECT customer_id, arg_max(loan_id, (contract_amount, loan_id)) AS loan_id
    FROM dim_loan GROUP BY customer_id
),
-- each loan's managers as runs, from_date as in customer_run
manager_run AS (
    SELECT loan_id, manager_id,
           CASE WHEN prev_as_of IS NULL THEN DATE '0001-01-01' ELSE as_of_date END AS from_date
    FROM (
        SELECT loan_id, as_of_date, manager_id,
               lag(manager_id) OVER w AS prev_manager_id, lag(as_of_date) OVER w AS prev_as_of
        FROM fct_loan_snapshot
        WINDOW w AS (PARTITION BY loan_id ORDER BY as_of_date)
    )
    WHERE prev_manager_id IS DISTINCT FROM manager_id
),
based AS (
    SELECT o.*, coalesce(o.loan_id, cr.loan_id, cc.loan_id) AS basis_loan_id
    FROM obligation AS o
    ASOF LEFT JOIN customer_run AS cr
      ON cr.customer_id = o.customer_id AND cr.from_date <= o.due_date
    LEFT JOIN customer_contract AS cc ON cc.customer_id = o.customer_id
)
SELECT
    b.obligation_id, b.kind, b.customer_id, b.loan_id, b.trigger_date, b.due_date,
    b.satisfied_date, b.inspection_id, b.inspection_staff_id, b.basis_loan_id, mr.manager_id,
    l.org_id
FROM based AS b
ASOF LEFT JOIN manager_run AS mr
  ON mr.loan_id = b.basis_loan_id AND mr.from_date <= b.due_date
LEFT JOIN dim_loan AS l ON l.loan_id = b.basis_loan_id
"""

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
    """(Re)create fct_obligation from the facts with this load's inspection rules."""
    rules = settings.inspection
    con.execute(DDL)
    con.execute(
        f"INSERT INTO fct_obligation {DERIVE_OBLIGATIONS}",
        rule_params(rules),
    )
    con.execute("INSERT INTO fct_obligation_rules VALUES ($rules)", {"rules": rules_key(rules)})
