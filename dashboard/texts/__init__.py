"""UI strings of the pages added after the first ones, one module per page, merged by
``dashboard.i18n`` (which holds the shell's and the first pages' strings)."""
