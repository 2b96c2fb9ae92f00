"""Opening a dashboard page in Streamlit's AppTest, as every page test does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.i18n import Lang
from dashboard.session import CurrentUser

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def page_opener(page: str, timeout: float = 60) -> Callable[..., AppTest]:
    """A function opening ``page`` (e.g. "views/borrower.py") for a user, in a language, with
    session state set first; its keyword arguments become URL query parameters."""

    def open_page(
        user: CurrentUser | None = None,
        lang: Lang = "zh-CN",
        state: dict[str, object] | None = None,
        **query: str,
    ) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=timeout)
        at.query_params.update(query)
        at.session_state["lang"] = lang
        for key, value in (state or {}).items():
            at.session_state[key] = value
        if user is not None:
            at.session_state["user"] = user
        at.run()
        return at.switch_page(page).run()

    return open_page


def assert_clean(at: AppTest) -> None:
    """No exception and no error element on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
