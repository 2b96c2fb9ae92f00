"""The ``daihou`` command line: generate, load, rebuild, backup, restore, rejects, figures,
scores, bonus, users, serve, demo, adapt-uci."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import duckdb
from rich.console import Console
from rich.table import Table

from daihou.access import ROLES
from daihou.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

    from daihou.accounts import Accounts
    from metrics.periods import Period
    from warehouse.backup import Manifest as BackupManifest

err = Console(stderr=True)
out = Console(width=None if sys.stdout.isatty() else 200)  # pipes and logs: no folding at 80

WAREHOUSE_HELP = "DuckDB warehouse file (default: <data_dir>/daihou.duckdb; env DAIHOU_WAREHOUSE)."
DEMO_PORT = 8501


def _settings(warehouse: Path | None, **extra: object) -> Settings:
    """Settings from file and environment, with command-line values on top."""
    given = {k: v for k, v in {"warehouse": warehouse, **extra}.items() if v is not None}
    return Settings(**given)


def _read_only(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse, or exit 2 saying why there is none."""
    from warehouse.connection import Warehouse, WarehouseError

    try:
        return Warehouse(settings.warehouse_path).connect_read_only()
    except WarehouseError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)


def _print_rows(title: str, rows: dict[str, int]) -> None:
    """Rows written per entity, as a table on stderr."""
    table = Table(title=title)
    table.add_column("entity")
    table.add_column("rows", justify="right")
    for entity, n in rows.items():
        table.add_row(entity, f"{n:,}")
    err.print(table)


out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder to write the extract into (created).",
)
warehouse_option = click.option(
    "--warehouse",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="DAIHOU_WAREHOUSE",
    help=WAREHOUSE_HELP,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """daihou 贷后: post-loan management warehouse and supervisory dashboard."""


@main.command()
@out_option
@click.option(
    "--scale",
    type=click.Choice(["small", "medium", "large"]),
    default="small",
    show_default=True,
    help="small ≈ 20k loans, medium ≈ 1M, large ≈ 10M.",
)
@click.option(
    "--seed",
    type=int,
    default=20251231,
    show_default=True,
    help="Random seed; the same seed gives the same files.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default=None,
    help="File format (default: csv for small and medium, parquet for large).",
)
def generate(out_dir: Path, scale: str, seed: int, fmt: str | None) -> None:
    """Generate a synthetic demo bank as a contract extract (36 month ends)."""
    from daihou.generator import generate as run

    started = time.perf_counter()
    with err.status(f"generating {scale} demo bank into {out_dir} …"):
        rows = run(out_dir, scale=scale, seed=seed, fmt=fmt)  # type: ignore[arg-type]
    _print_rows(f"demo bank ({scale}, seed {seed})", rows)
    err.print(f"written to {out_dir} in {time.perf_counter() - started:.1f} s")


@main.command()
@click.argument("extract_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@warehouse_option
@click.option(
    "--encoding",
    default=None,
    help="Encoding of CSV files (default: detect UTF-8, UTF-8 with BOM or GBK/GB18030).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def load(extract_dir: Path, warehouse: Path | None, encoding: str | None, as_json: bool) -> None:
    """Load an extract folder into the warehouse (atomic and idempotent)."""
    from etl.load import load_extract
    from etl.read import ExtractError
    from warehouse.connection import WarehouseError

    settings = _settings(warehouse)
    try:
        if as_json:
            summary = load_extract(extract_dir, settings, encoding=encoding)
        elif not err.is_terminal:  # a log (cron, CI): one timestamped line per step

            def log(step: str, entity: str) -> None:
                click.echo(f"{dt.datetime.now():%H:%M:%S} {step} {entity}".rstrip(), err=True)

            summary = load_extract(extract_dir, settings, encoding=encoding, progress=log)
        else:
            with err.status("loading …") as status:

                def progress(step: str, entity: str) -> None:
                    status.update(f"{step} {entity} …")

                summary = load_extract(extract_dir, settings, encoding=encoding, progress=progress)
    except (ExtractError, WarehouseError) as exc:
        if as_json:
            click.echo(json.dumps({"status": "refused", "error": str(exc)}, ensure_ascii=False))
        err.print(f"[bold red]load refused, warehouse unchanged:[/] {exc}", highlight=False)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False))
        return
    table = Table(title=f"load {summary.load_id}: {summary.status} → {summary.warehouse}")
    for col in ("entity", "file", "read", "loaded", "rejected"):
        table.add_column(col, justify="left" if col in ("entity", "file") else "right")
    for e in summary.entities:
        style = "red" if e.rows_rejected else None
        table.add_row(
            e.entity,
            e.file_name,
            f"{e.rows_read:,}",
            f"{e.rows_loaded:,}",
            f"{e.rows_rejected:,}",
            style=style,
        )
    table.add_row(
        "total",
        "",
        f"{summary.rows_read:,}",
        f"{summary.rows_loaded:,}",
        f"{summary.rows_rejected:,}",
        style="bold",
    )
    out.print(table)
    as_of = summary.delivery_as_of.isoformat() if summary.delivery_as_of else "—"
    out.print(
        f"as of {as_of}; {len(summary.months)} month(s); {summary.elapsed_seconds:.1f} s; "
        f"monthly tables redone: {summary.rebuilt_from}"
    )
    if summary.ignored_files:
        out.print(f"ignored (not contract entities): {', '.join(summary.ignored_files)}")
    if summary.rows_rejected:
        out.print(f"see the rejected rows: daihou rejects --load {summary.load_id}")


def _hr_scores(
    settings: Settings, period_text: str, org_id: str | None
) -> tuple[pd.DataFrame, Period, str, str]:
    """The §7 scores of every manager in an org subtree for a period; exits 2 saying why when
    the period or org is not in the warehouse. Returns (scores, period, org_id, org_name)."""
    from metrics.orgs import org_tree, root_org_id
    from metrics.periods import parse_period
    from metrics.portfolio import month_ends
    from metrics.scope import Scope
    from metrics.scores import manager_scores

    try:
        period = parse_period(period_text)
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)
    with _read_only(settings) as con:
        org_id = org_id or root_org_id(con)
        orgs = org_tree(con).set_index("org_id")
        if org_id not in orgs.index:
            err.print(f"[red]unknown org {org_id!r}: see the org_units of the warehouse[/]")
            sys.exit(2)
        if period.end not in month_ends(con):
            err.print(f"[red]no data for {period.label}: its last month end {period.end} "
                      "is not in the warehouse[/]")  # fmt: skip
            sys.exit(2)
        scores = manager_scores(con, Scope(org_id), period, settings)
    return scores, period, org_id, str(orgs.at[org_id, "org_name"])


def _write_hr(out_file: Path, xlsx: Callable[[], bytes], csv: Callable[[], bytes]) -> None:
    """Write the Excel or CSV file the name asks for."""
    if out_file.suffix.lower() not in (".xlsx", ".csv"):
        err.print(f"[red]--out must end in .xlsx or .csv: {out_file}[/]")
        sys.exit(2)
    out_file.write_bytes(xlsx() if out_file.suffix.lower() == ".xlsx" else csv())
    err.print(f"written to {out_file}")


period_option = click.option(
    "--period",
    "period_text",
    required=True,
    help="2025-12 (a month), 2025Q4 (a quarter) or 2025 (a year).",
)
hr_out_option = click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="FILE.xlsx (scores, definitions and configuration) or FILE.csv.",
)
lang_option = click.option(
    "--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True
)


@main.command()
@warehouse_option
@period_option
@click.option("--org", "org_id", default=None, help="Org subtree (default: the root).")
@hr_out_option
@lang_option
def scores(
    warehouse: Path | None, period_text: str, org_id: str | None, out_file: Path, lang: str
) -> None:
    """Write every account manager's post-loan performance score (METRICS.md §7) for a period:
    each component's raw figure, score and weight, the total, and the configuration used."""
    from dashboard import hr_exports
    from dashboard.texts.hr import TEXT

    settings = _settings(warehouse)
    frame, period, org_id, org_name = _hr_scores(settings, period_text, org_id)
    config = settings.scores.model_dump()
    title = TEXT["hr_export_title"][lang == "en"].format(org=org_name, period=period.label)
    now = dt.datetime.now().replace(microsecond=0)
    _write_hr(
        out_file,
        lambda: hr_exports.workbook(frame, None, config, period.end, now, title, lang),
        lambda: hr_exports.scores_csv(frame, config, period.end, now, title, lang),
    )


@main.command()
@warehouse_option
@period_option
@click.option("--pool", required=True, help="The bonus pool in yuan, to the fen (e.g. 500000.00).")
@click.option("--org", "org_id", default=None, help="Org subtree (default: the root).")
@hr_out_option
@lang_option
def bonus(
    warehouse: Path | None,
    period_text: str,
    pool: str,
    org_id: str | None,
    out_file: Path,
    lang: str,
) -> None:
    """Allocate a bonus pool over the rated managers of an org subtree by score (METRICS.md §7):
    exact to the fen, the threshold and the deferred share from the settings."""
    from decimal import Decimal, InvalidOperation

    from dashboard import hr_exports
    from dashboard.texts.hr import TEXT
    from metrics.bonus import allocate

    settings = _settings(warehouse)
    try:
        amount = Decimal(pool.replace(",", ""))
    except InvalidOperation:
        err.print(f"[red]--pool {pool!r} is not an amount in yuan (e.g. 500000.00)[/]")
        sys.exit(2)
    frame, period, org_id, org_name = _hr_scores(settings, period_text, org_id)
    rules = settings.scores
    try:
        allocation = allocate(
            frame, amount, rules.bonus_threshold, Decimal(str(rules.bonus_deferred_share))
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)
    config = rules.model_dump()
    title = TEXT["hr_export_title"][lang == "en"].format(org=org_name, period=period.label)
    now = dt.datetime.now().replace(microsecond=0)
    _write_hr(
        out_file,
        lambda: hr_exports.workbook(frame, allocation, config, period.end, now, title, lang),
        lambda: hr_exports.bonus_csv(allocation, config, period.end, now, title, lang),
    )


@main.group()
def users() -> None:
    """Dashboard accounts: add, disable, set-role, list (admin)."""


def _check_org(org_id: str) -> None:
    """Exit 2 when a warehouse is loaded and does not hold ``org_id``."""
    from metrics.orgs import org_tree
    from warehouse.connection import Warehouse

    settings = _settings(None)
    if Warehouse(settings.warehouse_path).current_file() is None:
        return  # accounts may be set up before the first load
    with _read_only(settings) as con:
        known = set(org_tree(con)["org_id"])
    if org_id not in known:
        err.print(f"[red]unknown org {org_id!r}: see the org_units of the warehouse[/]")
        sys.exit(2)


def _accounts() -> Accounts:
    from daihou.accounts import Accounts

    return Accounts(_settings(None).accounts_path)


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--org", "org_id", required=True, help="The org whose subtree the account sees.")
@click.option("--name", "display_name", default=None, help="Name shown on the dashboard.")
@click.option("--staff-id", default=None, help="An account manager's own staff id.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
def users_add(
    username: str,
    role: str,
    org_id: str,
    display_name: str | None,
    staff_id: str | None,
    password_stdin: bool,
) -> None:
    """Create an account; asks for the password twice (never an argument: it would stay in
    the shell history)."""
    from daihou.accounts import AccountError

    _check_org(org_id)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        account = _accounts().add(username, password, role, org_id, display_name, staff_id)
    except AccountError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)
    err.print(f"added {account.username} ({account.role}, {account.org_id})")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable an account: it can no longer sign in (the audit log keeps its history)."""
    from daihou.accounts import AccountError

    try:
        _accounts().disable(username)
    except AccountError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)
    err.print(f"disabled {username}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--org", "org_id", default=None, help="Also move the account to this org.")
@click.option("--staff-id", default=None, help="An account manager's own staff id.")
def users_set_role(username: str, role: str, org_id: str | None, staff_id: str | None) -> None:
    """Change an account's role (and org)."""
    from daihou.accounts import AccountError

    if org_id is not None:
        _check_org(org_id)
    try:
        account = _accounts().set_role(username, role, org_id, staff_id)
    except AccountError as exc:
        err.print(f"[red]{exc}[/]")
        sys.exit(2)
    err.print(f"{account.username}: {account.role}, {account.org_id}")


@users.command("list")
def users_list() -> None:
    """List the accounts (never their passwords)."""
    table = Table(title="accounts")
    for column in ("username", "name", "role", "org", "staff id", "status"):
        table.add_column(column)
    for a in _accounts().list():
        status = "disabled" if a.disabled else "active"
        table.add_row(a.username, a.display_name, a.role, a.org_id, a.staff_id or "", status)
    out.print(table)


@main.command()
@warehouse_option
def rebuild(warehouse: Path | None) -> None:
    """Recompute the load-time tables (aggregates, obligations, watch list) under the current
    settings, e.g. after a rule changed; atomic like a load. Until then pages derive figures
    under the new rules from the facts, which is slow on a large warehouse."""
    from warehouse import aggregates
    from warehouse.connection import Warehouse, WarehouseError

    settings = _settings(warehouse)
    target = Warehouse(settings.warehouse_path)
    if target.current_file() is None:
        err.print(f"[red]no warehouse at {settings.warehouse_path}: load an extract first[/]")
        sys.exit(2)
    started = time.perf_counter()
    try:
        with (
            err.status("rebuilding …"),
            target.writer(settings.load_memory_limit, settings.load_threads) as con,
        ):
            aggregates.rebuild(con, settings)
    except WarehouseError as exc:
        err.print(f"[bold red]rebuild refused, warehouse unchanged:[/] {exc}", highlight=False)
        sys.exit(2)
    err.print(f"rebuilt {settings.warehouse_path} in {time.perf_counter() - started:.1f} s")


def _print_backup(title: str, manifest: BackupManifest) -> None:
    """Tables, rows and file sizes of a backup, as a small table."""
    table = Table(title=title)
    for column in ("table", "rows", "MB"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for t in manifest.tables:
        table.add_row(t.name, f"{t.rows:,}", f"{t.bytes / 1e6:,.1f}")
    if manifest.accounts:
        a = manifest.accounts
        rows = f"{a.accounts:,} accounts, {a.audit_entries:,} audit entries"
        table.add_row("accounts.db", rows, f"{a.bytes / 1e6:,.1f}")
    table.add_row(
        "total", f"{manifest.total_rows:,}", f"{manifest.total_bytes / 1e6:,.1f}", style="bold"
    )
    out.print(table)
    out.print(f"source generation {manifest.source_generation}, taken {manifest.created_at}")


@main.command()
@click.argument("backup_dir", type=click.Path(path_type=Path, dir_okay=True, file_okay=False))
@warehouse_option
def backup(backup_dir: Path, warehouse: Path | None) -> None:
    """Back up the warehouse (every table as Parquet, a manifest with row counts and
    checksums) and the accounts store into the new folder BACKUP_DIR; runs while the
    dashboard serves."""
    from warehouse.backup import BackupError
    from warehouse.backup import backup as run

    settings = _settings(warehouse)
    started = time.perf_counter()
    try:
        with err.status("backing up …") as status:
            manifest = run(
                settings.warehouse_path,
                backup_dir,
                settings.accounts_path,
                progress=lambda name: status.update(f"backing up {name} …"),
            )
    except BackupError as exc:
        err.print(f"[bold red]backup refused:[/] {exc}", highlight=False)
        sys.exit(2)
    _print_backup(f"backup → {backup_dir}", manifest)
    out.print(f"written in {time.perf_counter() - started:.1f} s")


@main.command()
@click.argument("backup_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@warehouse_option
@click.option(
    "--with-accounts",
    is_flag=True,
    help="Also replace the accounts store and its audit log by the backup's (refused when "
    "the live audit log has entries the backup lacks).",
)
def restore(backup_dir: Path, warehouse: Path | None, with_accounts: bool) -> None:
    """Restore the warehouse from BACKUP_DIR as a new generation, verified before and after;
    the warehouse is unchanged if anything does not match."""
    from warehouse.backup import BackupError
    from warehouse.backup import restore as run

    settings = _settings(warehouse)
    started = time.perf_counter()
    try:
        with err.status("verifying the backup …") as status:
            manifest = run(
                backup_dir,
                settings.warehouse_path,
                settings.accounts_path if with_accounts else None,
                memory_limit=settings.load_memory_limit,
                threads=settings.load_threads,
                progress=lambda name: status.update(f"restoring {name} …"),
            )
    except BackupError as exc:
        err.print(f"[bold red]restore refused:[/] {exc}", highlight=False)
        sys.exit(2)
    _print_backup(f"restored from {backup_dir}", manifest)
    if with_accounts:
        out.print(f"accounts restored into {settings.accounts_path}")
    out.print(f"restored in {time.perf_counter() - started:.1f} s")


@main.command()
@warehouse_option
@click.option("--load", "load_id", type=int, default=None, help="Load id (default: the latest).")
@click.option("--entity", default=None, help="Only this entity.")
@click.option("--limit", type=int, default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON array.")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
def rejects(
    warehouse: Path | None,
    load_id: int | None,
    entity: str | None,
    limit: int,
    as_json: bool,
    lang: str,
) -> None:
    """List the rejected rows of a load: entity, file, row, column, reason."""
    from metrics.data_quality import load_runs, rejected_rows

    settings = _settings(warehouse)
    with _read_only(settings) as con:
        if load_id is None:
            runs = load_runs(con)
            load_id = int(runs["load_id"].iloc[0]) if len(runs) else None
        frame = rejected_rows(con, load_id=load_id, entity=entity, limit=limit)
    reason = "reason" if lang == "zh-CN" else "reason_en"
    cols = ["entity", "file_name", "row_number", "column_name", "value", "check_code", reason]
    frame = frame[cols]
    if as_json:
        click.echo(frame.to_json(orient="records", force_ascii=False))
        return
    table = Table(title=f"rejected rows of load {load_id} ({len(frame):,} shown)")
    for c in cols:
        table.add_column(c, overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


@main.command()
@warehouse_option
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="Month end of the figures (YYYY-MM-DD).",
)
@click.option(
    "--opening",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Opening month end of the migration rates (default: the previous year end).",
)
@click.option("--org", "org_id", default=None, help="Org subtree (default: the root).")
@click.option("--product", default=None, help="Only this product code.")
@click.option("--customer-type", default=None, help="Only this customer type code.")
@click.option("--industry", "industry_code", default=None, help="Only this GB/T 4754 section.")
@click.option("--guarantee-type", default=None, help="Only this guarantee type code.")
def figures(
    warehouse: Path | None,
    as_of: dt.datetime,
    opening: dt.datetime | None,
    org_id: str | None,
    product: str | None,
    customer_type: str | None,
    industry_code: str | None,
    guarantee_type: str | None,
) -> None:
    """Print the headline figures (METRICS.md §8) as one JSON object."""
    from metrics.figures import headline_figures
    from metrics.orgs import org_tree, root_org_id
    from metrics.scope import Scope

    settings = _settings(warehouse)
    with _read_only(settings) as con:
        org_id = org_id or root_org_id(con)
        if org_id not in set(org_tree(con)["org_id"]):
            err.print(f"[red]unknown org {org_id!r}: see the org_units of the warehouse[/]")
            sys.exit(2)
        scope = Scope(org_id, product, customer_type, industry_code, guarantee_type)
        try:
            result = headline_figures(
                con,
                scope,
                as_of.date(),
                opening.date() if opening else None,
                settings,
            )
        except ValueError as exc:
            err.print(f"[red]{exc}[/]")
            sys.exit(2)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@main.command()
@warehouse_option
@click.option("--port", type=int, default=DEMO_PORT, show_default=True)
@click.option("--address", default="0.0.0.0", show_default=True, help="Interface to listen on.")
def serve(warehouse: Path | None, port: int, address: str) -> None:
    """Serve the dashboard (Streamlit) on the warehouse."""
    _serve(_settings(warehouse), port, address)


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where the demo extract and warehouse go (default: ./data).",
)
@click.option("--seed", type=int, default=None, help="Seed of the demo bank.")
@click.option("--port", type=int, default=DEMO_PORT, show_default=True)
@click.option("--address", default="0.0.0.0", show_default=True)
@click.option("--no-serve", is_flag=True, help="Generate and load only.")
@click.option(
    "--dataset",
    type=click.Choice(["bank", "uci"]),
    default="bank",
    show_default=True,
    help="bank: the synthetic demo bank; uci: real UCI credit-card data (uci.duckdb).",
)
def demo(
    data_dir: Path | None, seed: int | None, port: int, address: str, no_serve: bool, dataset: str
) -> None:
    """Generate the small demo bank (or adapt the real UCI data), load it and serve it."""
    from daihou.generator import generate as run
    from etl.load import load_extract

    settings = _settings(None, data_dir=data_dir, demo_seed=seed)
    extract = settings.data_dir / "demo-extract"
    if dataset == "uci":
        settings, extract = _adapt_uci_demo(settings)
    elif not (extract / "manifest.json").exists():  # written last by the generator
        with err.status(f"generating the demo bank into {extract} …"):
            run(extract, scale="small", seed=settings.demo_seed)
    with err.status(f"loading {extract} into {settings.warehouse_path} …"):
        summary = load_extract(extract, settings)
    err.print(
        f"loaded {summary.rows_loaded:,} rows ({summary.rows_rejected:,} rejected) "
        f"into {settings.warehouse_path} in {summary.elapsed_seconds:.1f} s"
    )
    _demo_accounts(settings)
    if not no_serve:
        demo = settings.model_copy(
            update={"auth": settings.auth.model_copy(update={"show_demo_logins": True})}
        )
        _serve(demo, port, address)


def _demo_accounts(settings: Settings) -> None:
    """One account per role (daihou.demo_accounts), listed with their public passwords."""
    from daihou.accounts import Accounts
    from daihou.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts

    with _read_only(settings) as con:
        created = create_demo_accounts(Accounts(settings.accounts_path), con)
    table = Table(title=f"demo accounts ({settings.accounts_path})")
    for column in ("username", "password", "role", "created now"):
        table.add_column(column)
    made = {d.username for d in created}
    for d in DEMO_ACCOUNTS:
        table.add_row(d.username, d.password, d.role, "yes" if d.username in made else "kept")
    err.print(table)


@main.command("adapt-uci")
@out_option
@click.option(
    "--source",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="UCI_Credit_Card.csv (default: the uci_source setting, the repository's copy).",
)
def adapt_uci(out_dir: Path, source: Path | None) -> None:
    """Turn the real UCI credit-card clients data into a contract extract (6 month ends, 2005)."""
    from etl.adapters.uci_credit_card import to_extract

    rows = to_extract(source or _settings(None).uci_source, out_dir)
    _print_rows("UCI credit-card clients (CC BY 4.0)", rows)
    err.print(f"written to {out_dir}; load it with: daihou load {out_dir}")


def _adapt_uci_demo(settings: Settings) -> tuple[Settings, Path]:
    """Adapt the UCI data into <data_dir>/uci-extract, for a warehouse (and demo accounts) of
    its own."""
    from etl.adapters.uci_credit_card import to_extract

    extract = settings.data_dir / "uci-extract"
    with err.status(f"adapting the UCI credit-card data into {extract} …"):
        to_extract(settings.uci_source, extract)
    own = {
        "warehouse": settings.data_dir / "uci.duckdb",
        "accounts": settings.data_dir / "uci-accounts.db",
    }  # its orgs are not the demo bank's
    return settings.model_copy(update=own), extract


def _serve(settings: Settings, port: int, address: str) -> None:
    import dashboard

    app = Path(dashboard.__file__).with_name("app.py")
    env = {
        **os.environ,
        "DAIHOU_WAREHOUSE": str(settings.warehouse_path),
        "DAIHOU_ACCOUNTS": str(settings.accounts_path),
        "DAIHOU_AUTH__SHOW_DEMO_LOGINS": "true" if settings.auth.show_demo_logins else "false",
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",  # no "Deploy" or developer menu for bank staff
        "viewer",
        "--theme.base",
        "light",
    ]
    shown = "localhost" if address in ("0.0.0.0", "::") else address
    err.print(f"[bold green]daihou dashboard: http://{shown}:{port}[/]  (Ctrl-C to stop)")
    try:
        sys.exit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
