"""The small demo bank, generated and loaded once per test session (shared by many tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from daihou.generator import generate
from daihou.settings import Settings
from etl.load import LoadSummary, load_extract

DEMO_SEED = 20251231


@dataclass(frozen=True)
class DemoBank:
    extract: Path
    settings: Settings
    summary: LoadSummary


@pytest.fixture(scope="session")
def demo_bank(tmp_path_factory: pytest.TempPathFactory) -> DemoBank:
    root = tmp_path_factory.mktemp("demo")
    extract = root / "extract"
    generate(extract, scale="small", seed=DEMO_SEED)
    settings = Settings(data_dir=root, warehouse=root / "demo.duckdb")
    return DemoBank(extract, settings, load_extract(extract, settings))
