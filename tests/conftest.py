"""Shared fixtures. The tiny bank warehouse lives in its own module."""

from fixtures_asset_quality import aq_bank  # noqa: F401 - registers the fixture
from fixtures_demo import demo_bank  # noqa: F401 - registers the fixture
from fixtures_tiny_bank import tiny_bank  # noqa: F401 - registers the fixture
