"""Where the read models live: one server, or a cluster (`GUARD_CLICKHOUSE_CLUSTER`).

On one server every table is what its name says. On a cluster each data table is stored
as `<name>_local` (a Replicated* engine, created `ON CLUSTER`) and read and written
through a Distributed table called `<name>`, so every reader and the writer use the same
names in both set-ups; only DDL, EXCHANGE and RENAME statements need the storage names.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_SUFFIX = "_local"


@dataclass(frozen=True)
class Topology:
    database: str = "guard"
    cluster: str | None = None

    @property
    def on_cluster(self) -> str:
        """` ON CLUSTER "name"`, or nothing on one server (leading space included)."""
        return f' ON CLUSTER "{self.cluster}"' if self.cluster else ""

    def table(self, name: str) -> str:
        """The qualified name readers and writers use."""
        return f"{self.database}.{name}"

    def storage(self, name: str) -> str:
        """The qualified name of the table that holds the rows (the local one on a cluster)."""
        return f"{self.database}.{name}{LOCAL_SUFFIX if self.cluster else ''}"

    def engine(self, family: str, *args: str) -> str:
        """`MergeTree` → `ReplicatedMergeTree` on a cluster; the replica path and name come from
        the server's `default_replica_path` / `default_replica_name` (`/clickhouse/tables/{uuid}/{shard}`)."""
        name = f"Replicated{family}" if self.cluster and family.endswith("MergeTree") else family
        return f"{name}({', '.join(args)})" if args else name

    def distributed(self, name: str, sharding_key: str) -> str | None:
        """The Distributed front of a data table on a cluster; None on one server."""
        if not self.cluster:
            return None
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table(name)}{self.on_cluster} AS {self.storage(name)} "
            f"ENGINE = Distributed('{self.cluster}', '{self.database}', '{name}{LOCAL_SUFFIX}', {sharding_key})"
        )

    def everywhere_engine(self, family: str, table: str, *args: str) -> str:
        """An engine whose table holds every row on every node: on a cluster, one replica
        path shared by all shards (small control tables that every node reads in full)."""
        if not self.cluster:
            return self.engine(family, *args)
        path, replica = f"'/clickhouse/tables/{{database}}/{table}'", "'{replica}'"
        return f"Replicated{family}({', '.join((path, replica, *args))})"
