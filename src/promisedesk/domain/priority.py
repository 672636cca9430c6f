"""Priority from impact x urgency, the ITIL way, with the matrix held in configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """A grade of impact or of urgency, from worst to least."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


class Priority(StrEnum):
    """P1 is the most urgent; the SLA sets targets per priority."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


LEVELS: tuple[Level, ...] = tuple(Level)


@dataclass(frozen=True)
class PriorityMatrix:
    """Maps every (impact, urgency) pair to a priority; all 16 cells must be given."""

    cells: Mapping[tuple[Level, Level], Priority]

    def __post_init__(self) -> None:
        missing = [f"{i}/{u}" for i in LEVELS for u in LEVELS if (i, u) not in self.cells]
        if missing:
            raise ValueError(
                "the priority matrix has no priority for impact/urgency " + ", ".join(missing)
            )

    def priority_for(self, impact: Level, urgency: Level) -> Priority:
        """The priority of a ticket with this impact and urgency."""
        return self.cells[(impact, urgency)]


def _default() -> PriorityMatrix:
    # Rows: impact critical..low; columns: urgency critical..low.
    table = (
        ("P1", "P1", "P2", "P3"),
        ("P1", "P2", "P3", "P3"),
        ("P2", "P3", "P3", "P4"),
        ("P3", "P3", "P4", "P4"),
    )
    return PriorityMatrix(
        {
            (impact, urgency): Priority(table[i][u])
            for i, impact in enumerate(LEVELS)
            for u, urgency in enumerate(LEVELS)
        }
    )


DEFAULT_MATRIX = _default()
