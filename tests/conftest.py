"""Shared fixtures, each in its own module, registered here."""

from fixtures_asset_quality import aq_bank  # noqa: F401 - registers the fixture
from fixtures_browser import app_url, demo_url, page  # noqa: F401 - registers the fixtures
from fixtures_dashboard import use_warehouse  # noqa: F401 - registers the fixture
from fixtures_demo import demo_bank  # noqa: F401 - registers the fixture
from fixtures_tiny_bank import tiny_bank  # noqa: F401 - registers the fixture
