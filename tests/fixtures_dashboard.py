"""Fixtures for dashboard tests: point the app at a warehouse without leaking caches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st

from daihou.settings import default_settings


@pytest.fixture
def use_warehouse(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point the settings at a warehouse; settings and Streamlit caches never leak."""

    def use(path: Path) -> None:
        monkeypatch.setenv("DAIHOU_WAREHOUSE", str(path))
        default_settings.cache_clear()

    yield use
    default_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
