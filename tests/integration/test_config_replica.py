"""ConfigReplica and ConfigLog on the real broker: rebuild after restart, convergence of
concurrent writers, read-your-writes."""

from __future__ import annotations

import asyncio
import time

import pytest

from schemas.config import PolicyRules
from schemas.config_api import ProjectCreate, ProjectUpdate
from streams.config import ConfigLog, ConfigReplica, ReplicaUnavailable
from streams.config.commands import members, policies, projects

pytestmark = pytest.mark.integration


def test_a_restarted_replica_rebuilds_the_identical_state(guard_ready, config_writer, seed_org) -> None:
    org = seed_org()
    admin = org.user_id("admin")
    # changes of every kind, including deletions (tombstones) and a policy history
    config_writer.execute(lambda s: projects.create_project(s, admin, org.org_id, ProjectCreate(name="tmp"), f"{org.project_id}-tmp"))
    config_writer.execute(lambda s: projects.delete_project(s, admin, org.org_id, f"{org.project_id}-tmp"))
    config_writer.execute(lambda s: policies.update_policy(s, admin, org.org_id, org.policy_id, PolicyRules(name="v2")))
    config_writer.execute(lambda s: members.change_role(s, admin, org.org_id, org.user_id("user"), "admin"))
    config_writer.execute(lambda s: members.remove_member(s, admin, org.org_id, org.user_id("no_access")))

    async def rebuild():
        replica = ConfigReplica(guard_ready[0], client_id="test-rebuild")
        await replica.start()
        try:
            return replica.position, replica.state
        finally:
            await replica.stop()

    for _attempt in range(3):  # compare at the same offset (retry if anything else was written meanwhile)
        position, rebuilt = asyncio.run(rebuild())
        running = config_writer.run(config_writer.replica.wait_for(position - 1))
        if config_writer.replica.position == position:
            break
    assert rebuilt == running  # every org, user, membership, project, policy, key, session and the history
    assert rebuilt.projects_of(org.org_id) == running.projects_of(org.org_id)
    assert rebuilt.policy_versions(org.policy_id) == running.policy_versions(org.policy_id)
    assert [p.version for p in rebuilt.policy_versions(org.policy_id)] == [1, 2]
    assert rebuilt.members(org.org_id) == running.members(org.org_id)
    assert rebuilt.membership(org.org_id, org.user_id("no_access")) is None


def test_concurrent_writers_in_two_processes_converge(guard_ready, seed_org) -> None:
    """Two replicas with a ConfigLog each (as two query_api processes) edit the same project and
    policy concurrently: the single partition's order decides, both end in the same state."""
    org = seed_org()
    bootstrap = guard_ready[0]

    async def scenario():
        replicas = [ConfigReplica(bootstrap, client_id=f"test-writer-{i}") for i in range(2)]
        for replica in replicas:
            await replica.start()
        logs = [ConfigLog(bootstrap, replica) for replica in replicas]
        for config in logs:
            await config.start()

        async def edits(i: int, config: ConfigLog):
            for n in range(15):
                await config.execute(lambda s, n=n: projects.update_project(
                    s, "writer", org.org_id, org.project_id, ProjectUpdate(metadata={"writer": str(i), "n": str(n)})))
                await config.execute(lambda s, n=n: policies.update_policy(
                    s, "writer", org.org_id, org.policy_id, PolicyRules(name=f"w{i}-{n}")))

        try:
            await asyncio.gather(*(edits(i, config) for i, config in enumerate(logs)))
            states = [await replica.sync() for replica in replicas]
            return states
        finally:
            for config in logs:
                await config.stop()
            for replica in replicas:
                await replica.stop()

    first, second = asyncio.run(scenario())
    assert first.project(org.project_id) == second.project(org.project_id)
    assert first.policy(org.policy_id) == second.policy(org.policy_id)
    assert first.policy_versions(org.policy_id) == second.policy_versions(org.policy_id)
    assert len(first.policy_versions(org.policy_id)) == 31  # version 1 + every edit, in one order for all


def test_read_your_writes_and_reads_after_other_processes_writes(guard_ready, config_writer, seed_org) -> None:
    org = seed_org()

    async def scenario():
        reader = ConfigReplica(guard_ready[0], keep_history=False, client_id="test-reader")
        await reader.start()
        try:
            # this process writes: the returned state already has it
            state = config_writer.execute(lambda s: projects.create_project(
                s, "system", org.org_id, ProjectCreate(name="ryw"), f"{org.project_id}-ryw"))
            assert state.project(f"{org.project_id}-ryw") is not None
            # another process: sync() waits for everything acknowledged before it
            synced = await reader.sync()
            assert synced.project(f"{org.project_id}-ryw") is not None
            assert synced.history == ()  # keep_history=False: no audit trail in memory
            # sync_since: a change acknowledged before a moment is in the state synced since it
            config_writer.execute(lambda s: projects.create_project(
                s, "system", org.org_id, ProjectCreate(name="later"), f"{org.project_id}-later"))
            after = time.time()
            assert (await reader.sync_since(after)).project(f"{org.project_id}-later") is not None
            synced_at = reader.synced_at
            await reader.sync_since(after - 1)  # a sync that began after the moment already ran
            assert reader.synced_at == synced_at
            with pytest.raises(ReplicaUnavailable):
                await reader.wait_for(reader.position + 1_000_000, timeout=0.5)
        finally:
            await reader.stop()

    asyncio.run(scenario())
