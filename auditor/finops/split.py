"""Split an amount over weights exactly: the parts are multiples of 1e-10 (DECIMAL(38, 10)) and sum to it.

Largest remainder: each part is floored to the quantum, and the units left over go one each to the
largest fractional remainders (ties by name), so no cent, and no 1e-10, is created or lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

QUANTUM_EXP = -10  # DECIMAL(38, 10)


def split_exact(amount: Decimal, weights: Sequence[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    """(name, part) per weight, in the order given; parts sum to `amount` exactly.

    Weights must be positive and `amount` a multiple of 1e-10 (every DECIMAL(38, 10) value is)."""
    if not weights:
        raise ValueError("nothing to split over")
    if any(w <= 0 for _, w in weights):
        raise ValueError("weights must be positive")
    units = amount.scaleb(-QUANTUM_EXP)
    if units != units.to_integral_value():
        raise ValueError(f"{amount} is not a multiple of 1e{QUANTUM_EXP}")
    sign, total_units = (-1 if units < 0 else 1), abs(int(units))
    whole = sum((Fraction(w) for _, w in weights), Fraction(0))
    exact = [Fraction(total_units) * Fraction(w) / whole for _, w in weights]
    parts = [int(e) for e in exact]  # floor: every e >= 0
    left = total_units - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), weights[i][0]))
    for i in order[:left]:
        parts[i] += 1
    return [(name, Decimal(sign * p).scaleb(QUANTUM_EXP)) for (name, _), p in zip(weights, parts, strict=True)]
