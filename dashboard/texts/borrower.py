"""Strings of the borrower page: key -> (Chinese, English); see dashboard.i18n."""

TEXT: dict[str, tuple[str, str]] = {}
