"""`tagaudit fix`: write the tags a policy gives into the flagged calls, with libcst."""
