"""The CI gate: one scan with suppressions, the baseline, the diff filter and owners applied."""
