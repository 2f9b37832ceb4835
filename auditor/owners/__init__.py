"""Who owns a finding: CODEOWNERS first, then git blame (all git through owners.blame)."""
