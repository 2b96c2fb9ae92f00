"""The settings model: every setting documented, and each source of values honoured."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from daihou.settings import Settings

README = Path(__file__).parent.parent / "README.md"


def setting_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            paths += setting_paths(ann, f"{prefix}{name}.")
        else:
            paths.append(prefix + name)
    return paths


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [p for p in setting_paths(Settings) if f"`{p}`" not in text]
    assert not missing, f"document these settings in README.md: {missing}"


def test_environment_and_toml_override_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "rules.toml"
    toml.write_text('data_dir = "/srv/daihou"\n[inspection]\nfirst_due_days = 5\n')
    monkeypatch.setenv("DAIHOU_CONFIG", str(toml))
    monkeypatch.setenv("DAIHOU_INSPECTION__SPECIAL_DUE_DAYS", "2")
    s = Settings()
    assert (s.inspection.first_due_days, s.inspection.special_due_days) == (5, 2)
    assert s.warehouse_path == Path("/srv/daihou/daihou.duckdb")
    monkeypatch.setenv("DAIHOU_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert Settings().warehouse_path == tmp_path / "w.duckdb"


def test_unknown_setting_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    toml = tmp_path / "typo.toml"
    toml.write_text("data_dri = 'x'\n")
    monkeypatch.setenv("DAIHOU_CONFIG", str(toml))
    with pytest.raises(ValidationError, match="data_dri"):
        Settings()
