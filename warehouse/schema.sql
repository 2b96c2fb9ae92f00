-- daihou warehouse: a star schema in DuckDB.
-- Each table states its grain. Amounts are CNY yuan as DECIMAL(18,2) (exact, as booked).
-- Keys are not declared as constraints: uniqueness is enforced by the loader's validation
-- (DuckDB's ART indexes would slow bulk loads and month replacement for no gain).

------------------------------------------------------------------------------------------
-- Dimensions
------------------------------------------------------------------------------------------

-- dim_org: one row per institution (机构), latest delivery wins.
CREATE TABLE IF NOT EXISTS dim_org (
    org_id         VARCHAR NOT NULL,
    org_name       VARCHAR NOT NULL,
    level          VARCHAR NOT NULL,   -- head_office · branch · sub_branch
    parent_org_id  VARCHAR,            -- null only for the root
    depth          INTEGER,            -- 0 at the root; derived after each load
    org_path       VARCHAR             -- '/root/…/org_id/': ancestors from the root; derived
);

-- bridge_org_subtree: one row per (ancestor, descendant) pair, each org also paired with
-- itself (distance 0). Scope filters join it: "org_id in the subtree of X" is one equi-join.
CREATE TABLE IF NOT EXISTS bridge_org_subtree (
    ancestor_org_id VARCHAR NOT NULL,
    org_id          VARCHAR NOT NULL,
    distance        INTEGER NOT NULL    -- levels between ancestor and org
);

-- dim_staff: one row per staff member (员工), latest delivery wins.
CREATE TABLE IF NOT EXISTS dim_staff (
    staff_id    VARCHAR NOT NULL,
    staff_name  VARCHAR NOT NULL,
    org_id      VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    hire_date   DATE NOT NULL,
    leave_date  DATE
);

-- dim_customer: one row per customer (客户), latest delivery wins; rating = the one in force.
CREATE TABLE IF NOT EXISTS dim_customer (
    customer_id    VARCHAR NOT NULL,
    customer_name  VARCHAR NOT NULL,   -- personal data for individuals
    customer_type  VARCHAR NOT NULL,
    id_number      VARCHAR NOT NULL,   -- personal data
    industry_code  VARCHAR,
    region         VARCHAR,
    credit_rating  VARCHAR NOT NULL,
    rating_date    DATE
);

-- dim_customer_rating: one row per customer per rating date (rating history, 评级历史),
-- from customers.rating_date and the customer_ratings extension; never deleted by a load.
CREATE TABLE IF NOT EXISTS dim_customer_rating (
    customer_id    VARCHAR NOT NULL,
    credit_rating  VARCHAR NOT NULL,
    rating_date    DATE NOT NULL
);

-- dim_loan: one row per loan (借据), static terms; latest delivery wins.
CREATE TABLE IF NOT EXISTS dim_loan (
    loan_id            VARCHAR NOT NULL,
    customer_id        VARCHAR NOT NULL,
    org_id             VARCHAR NOT NULL,   -- booking institution: the loan's scope
    product            VARCHAR NOT NULL,
    contract_amount    DECIMAL(18, 2) NOT NULL,
    disbursement_date  DATE NOT NULL,
    maturity_date      DATE NOT NULL,
    interest_rate      DECIMAL(9, 4) NOT NULL,  -- annual, percent
    guarantee_type     VARCHAR NOT NULL,
    payment_mode       VARCHAR NOT NULL,
    purpose            VARCHAR
);

-- dim_date: one row per calendar day from the earliest to the latest date in the data.
CREATE TABLE IF NOT EXISTS dim_date (
    date_key        DATE NOT NULL,
    year            INTEGER NOT NULL,
    quarter         INTEGER NOT NULL,
    month           INTEGER NOT NULL,
    month_end       DATE NOT NULL,      -- last day of the date's month
    is_month_end    BOOLEAN NOT NULL,
    is_working_day  BOOLEAN NOT NULL    -- Mon–Fri and not a holiday, or a make-up working day
);

------------------------------------------------------------------------------------------
-- Facts
------------------------------------------------------------------------------------------

-- fct_loan_snapshot: one row per loan per month end while on the book, plus the month it
-- leaves (月末借据快照). A re-delivered month replaces all rows of that as_of_date.
CREATE TABLE IF NOT EXISTS fct_loan_snapshot (
    as_of_date         DATE NOT NULL,
    loan_id            VARCHAR NOT NULL,
    manager_id         VARCHAR NOT NULL,   -- responsible account manager at as_of_date
    balance            DECIMAL(18, 2) NOT NULL,
    classification     VARCHAR NOT NULL,
    days_past_due      INTEGER NOT NULL,
    overdue_principal  DECIMAL(18, 2) NOT NULL,
    interest_arrears   DECIMAL(18, 2) NOT NULL,
    status             VARCHAR NOT NULL    -- active · settled · written_off · transferred
);

-- fct_inspection: one row per post-loan inspection done (贷后检查记录).
CREATE TABLE IF NOT EXISTS fct_inspection (
    inspection_id    VARCHAR NOT NULL,
    customer_id      VARCHAR NOT NULL,
    loan_id          VARCHAR,
    staff_id         VARCHAR NOT NULL,
    inspection_date  DATE NOT NULL,
    inspection_type  VARCHAR NOT NULL,
    method           VARCHAR NOT NULL,
    report_date      DATE,             -- null = no report filed
    risk_found       BOOLEAN NOT NULL,
    findings         VARCHAR,
    reviewer_id      VARCHAR
);

-- fct_warning_signal: one row per risk warning signal (风险预警信号), latest state.
CREATE TABLE IF NOT EXISTS fct_warning_signal (
    signal_id      VARCHAR NOT NULL,
    customer_id    VARCHAR NOT NULL,
    loan_id        VARCHAR,
    signal_date    DATE NOT NULL,
    signal_type    VARCHAR NOT NULL,
    severity       VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,
    resolved_date  DATE,
    handler_id     VARCHAR
);

-- fct_collateral_appraisal: one row per collateral item per appraisal date (押品评估).
CREATE TABLE IF NOT EXISTS fct_collateral_appraisal (
    collateral_id    VARCHAR NOT NULL,
    loan_id          VARCHAR NOT NULL,
    collateral_type  VARCHAR NOT NULL,
    appraised_value  DECIMAL(18, 2) NOT NULL,
    appraisal_date   DATE NOT NULL
);

-- fct_collection_action: one row per collection action (催收记录).
CREATE TABLE IF NOT EXISTS fct_collection_action (
    action_id         VARCHAR NOT NULL,
    loan_id           VARCHAR NOT NULL,
    staff_id          VARCHAR NOT NULL,
    action_date       DATE NOT NULL,
    channel           VARCHAR NOT NULL,
    outcome           VARCHAR NOT NULL,
    amount_recovered  DECIMAL(18, 2) NOT NULL
);

-- fct_repayment: one row per loan instalment, scheduled and paid (还款计划与实还).
CREATE TABLE IF NOT EXISTS fct_repayment (
    loan_id         VARCHAR NOT NULL,
    installment_no  INTEGER NOT NULL,
    due_date        DATE NOT NULL,
    principal_due   DECIMAL(18, 2) NOT NULL,
    interest_due    DECIMAL(18, 2) NOT NULL,
    paid_date       DATE,
    principal_paid  DECIMAL(18, 2) NOT NULL,
    interest_paid   DECIMAL(18, 2) NOT NULL
);

------------------------------------------------------------------------------------------
-- Load bookkeeping
------------------------------------------------------------------------------------------

-- meta_load_run: one row per successful load (a refused load changes nothing, so it leaves
-- no row; its message goes to the terminal and the exit code).
CREATE TABLE IF NOT EXISTS meta_load_run (
    load_id         INTEGER NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP NOT NULL,
    status          VARCHAR NOT NULL,   -- loaded · loaded_with_rejects
    source_dir      VARCHAR NOT NULL,
    delivery_as_of  DATE,               -- latest as_of_date in the delivery's snapshots
    months          VARCHAR,            -- month ends delivered, comma separated
    rows_read       BIGINT NOT NULL,
    rows_loaded     BIGINT NOT NULL,
    rows_rejected   BIGINT NOT NULL
);

-- meta_load_file: one row per file read by a load.
CREATE TABLE IF NOT EXISTS meta_load_file (
    load_id        INTEGER NOT NULL,
    entity         VARCHAR NOT NULL,
    file_name      VARCHAR NOT NULL,
    file_format    VARCHAR NOT NULL,   -- csv · parquet · xlsx
    encoding       VARCHAR,            -- csv only
    rows_read      BIGINT NOT NULL,
    rows_loaded    BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL,
    extra_columns  VARCHAR             -- unknown columns kept aside, comma separated
);

-- meta_rejected_row: one row per (rejected data row, problem). A rejected row may have
-- several problems; it counts once in rows_rejected.
CREATE TABLE IF NOT EXISTS meta_rejected_row (
    load_id      INTEGER NOT NULL,
    entity       VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,    -- data rows from 1, header not counted
    column_name  VARCHAR,            -- null when the problem is the row as a whole
    value        VARCHAR,            -- the offending value as delivered
    check_code   VARCHAR NOT NULL,   -- which check failed, e.g. unknown_code, duplicate_key
    reason       VARCHAR NOT NULL,   -- what is wrong and how to fix it (Chinese)
    reason_en    VARCHAR NOT NULL    -- the same in English
);

-- meta_extra_value: one row per (row, unknown column) value kept aside from a delivery.
CREATE TABLE IF NOT EXISTS meta_extra_value (
    load_id      INTEGER NOT NULL,
    entity       VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,
    column_name  VARCHAR NOT NULL,
    value        VARCHAR
);
