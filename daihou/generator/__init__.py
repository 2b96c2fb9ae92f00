"""The synthetic demo bank: a contract extract of 36 month ends with planted patterns.

``generate`` writes one file per contract entity (DATA_CONTRACT.md) into a folder, plus
``_truth/`` with what was planted (manager diligence profiles, classification-floor breaches)
and ``manifest.json``. The same seed gives byte-identical files.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa

from daihou.generator.calendar import WorkingDays, window_month_ends
from daihou.generator.chunk import Bank, run_chunk
from daihou.generator.diligence import TRUTH_SCHEMA
from daihou.generator.orgs import build_orgs
from daihou.generator.people import build_staff
from daihou.generator.scales import CHUNK_LOANS, SCALES
from daihou.generator.writer import ExtractWriter, Format, TableFile
from daihou.settings import InspectionRules
from etl.contract import ENTITIES, FILE_SUFFIXES

__all__ = ["generate"]

BURN_IN_LOSS = 1.05  # loans that leave the book before the window are dropped: draw more


def generate(
    out: Path,
    scale: Literal["small", "medium", "large"] = "small",
    seed: int = 20251231,
    fmt: Literal["csv", "parquet"] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write the demo bank into ``out``; return the rows written per entity.

    ``fmt`` None means CSV for small and medium, Parquet for large. ``progress`` is called
    with a stage name and a count (rows written so far) after each step. The generator follows
    the default inspection rules, not the local configuration, so that a seed always gives the
    same bank.
    """
    spec = SCALES[scale]
    fmt_: Format = fmt or spec.default_format
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _remove_other_formats(out, fmt_)
    report = progress or (lambda stage, n: None)

    rng = np.random.default_rng([seed, 0])
    orgs = build_orgs(rng, spec)
    staff = build_staff(rng, orgs, spec)
    rules = InspectionRules()
    bank = Bank(seed, orgs, staff, rules, WorkingDays.from_rules(rules))
    n_chunks = max(1, math.ceil(spec.loans / CHUNK_LOANS))
    customers = round(spec.customers * BURN_IN_LOSS)
    sizes = np.diff(np.linspace(0, customers, n_chunks + 1).round().astype(np.int64))

    truth = out / "_truth"
    truth.mkdir(exist_ok=True)
    breaches = TableFile(
        truth / "planted_breaches.csv",
        pa.schema([("as_of_date", pa.date32()), ("loan_id", pa.string())]),
        "csv",
    )
    with ExtractWriter(out, fmt_) as writer:
        writer.write("org_units", orgs.table())
        writer.write("staff", staff.table(orgs))
        report("staff", len(staff.org))
        for chunk, size in enumerate(sizes):
            run_chunk(bank, chunk, int(size), writer, breaches)
            report(f"chunk {chunk + 1}/{n_chunks}", writer.rows["loans"])
        rows = writer.rows
    breaches.close()

    diligence = TableFile(truth / "manager_diligence.csv", TRUTH_SCHEMA, "csv")
    diligence.write(staff.diligence.truth_table(staff.staff_id, orgs.org_id.take(staff.org)))
    diligence.close()
    manifest = {
        "scale": scale,
        "seed": seed,
        "format": fmt_,
        "as_of_date": window_month_ends()[-1].isoformat(),
        "month_ends": [d.isoformat() for d in window_month_ends()],
        "rows": rows,
        "truth": {"planted_breaches": breaches.rows, "manager_diligence": diligence.rows},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return rows


def _remove_other_formats(out: Path, fmt: Format) -> None:
    """Delete entity files of other formats left by an earlier run: a folder must hold one file
    per entity, or the loader could not tell which one to read."""
    for name in ENTITIES:
        for suffix in FILE_SUFFIXES:
            if suffix != f".{fmt}":
                (out / f"{name}{suffix}").unlink(missing_ok=True)
