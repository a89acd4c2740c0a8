"""The versioned migrations, in order. Each builds its statements for a topology (one
server or a cluster) from projections/schema.py; `guardstream migrate` applies the pending
ones and records their versions (projections/migrate.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from projections import schema
from projections.topology import Topology


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    build: Callable[[Topology], list[str]]

    def statements(self, topology: Topology) -> list[str]:
        return self.build(topology)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "screenings", lambda t: [*schema.control_ddl(t), *schema.screenings_ddl(t)]),
    Migration(2, "aggregates", lambda t: [*schema.aggregates_ddl(t), *schema.aggregate_views_ddl(t)]),
    Migration(3, "landing", lambda t: [*schema.landing_ddl(t), *schema.mapping_views_ddl(t)]),
)
