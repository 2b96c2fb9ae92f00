"""Fixtures for dashboard tests: point the app at a warehouse without leaking caches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st

from daihou.settings import default_settings


@pytest.fixture
def use_warehouse(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[Path], None]]:
    """Point the settings at a warehouse and a fresh accounts store; settings and Streamlit
    caches never leak."""

    def use(path: Path) -> None:
        monkeypatch.setenv("DAIHOU_WAREHOUSE", str(path))
        monkeypatch.setenv("DAIHOU_ACCOUNTS", str(tmp_path / "accounts.db"))
        default_settings.cache_clear()

    yield use
    default_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
