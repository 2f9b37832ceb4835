"""FinOps reports on top of billing allocation: showback (spend per team, feature, ... per period) and
chargeback (shared overhead split, hybrid charged/showback-only, statements, FOCUS 1.3 allocated rows).

`settings` (the policy's `showback:`/`chargeback:` sections) imports nothing of the application, so
auditor.policy can compile them; every other module here needs the audit extra (DuckDB) at run time.
"""
