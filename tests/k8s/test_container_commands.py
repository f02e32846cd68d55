"""What a container runs: `bst serve <name>` (one process, JSON logs on stdout, gRPC health for the probes, a drain on
SIGTERM) and `bst schema apply|wait|status <name>` (the migration Job and the init container that waits for it)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import grpc
import pytest
from alembic.script import ScriptDirectory
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.cli import COMPONENTS
from services.kernel.settings import Settings
from tests.conftest import POSTGRES_URL, free_port


def bst_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BST_")}
    env.update({"BST_ENV": "test", "BST_VAR_DIR": str(tmp_path / "var"), "BST_SECRET_KEY": "k" * 40, **extra})
    return env


def bst(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_schema_wait_holds_until_the_migration_job_has_run(tmp_path):
    env = bst_env(tmp_path)
    (tmp_path / "var").mkdir()
    behind = bst("schema", "status", "repair", env=env)
    assert behind.returncode != 0
    waited = bst("schema", "wait", "repair", "--timeout", "0", env=env)
    assert waited.returncode == 1  # the init container keeps the pod from starting
    assert bst("schema", "apply", "repair", env=env).returncode == 0
    current = bst("schema", "status", "repair", env=env)
    assert current.returncode == 0 and "(current)" in current.stdout
    assert bst("schema", "wait", "repair", "--timeout", "5", env=env).returncode == 0
    assert bst("schema", "apply", "repair", env=env).returncode == 0  # again: nothing to do, no error


def test_after_a_rollback_older_pods_start_on_the_newer_schema(tmp_path):
    env = bst_env(tmp_path)
    (tmp_path / "var").mkdir()
    assert bst("schema", "apply", "repair", env=env).returncode == 0
    with sqlite3.connect(tmp_path / "var" / "repair.db") as conn:  # a newer release migrated past this code
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    ahead = bst("schema", "status", "repair", env=env)
    assert ahead.returncode == 0 and "(ahead)" in ahead.stdout
    assert bst("schema", "wait", "repair", "--timeout", "0", env=env).returncode == 0
    first = ScriptDirectory(str(COMPONENTS["repair"].migrations)).get_base()
    with sqlite3.connect(tmp_path / "var" / "repair.db") as conn:  # and one this code knows, but older
        conn.execute("UPDATE alembic_version SET version_num = ?", (first,))
    behind = bst("schema", "status", "repair", env=env)
    assert behind.returncode == 1 and "(behind)" in behind.stdout


async def test_two_migration_runs_on_one_postgres_take_turns(backend, tmp_path):
    if backend.name != "postgres" or not POSTGRES_URL:
        pytest.skip("needs BST_TEST_POSTGRES_URL: the migration lock is a PostgreSQL advisory lock")
    url = await backend.scratch_database("migrate_race")
    env = bst_env(tmp_path, BST_REPAIR_DATABASE_URL=url)
    runs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.cli", "schema", "apply", "repair", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]  # fmt: skip
    outputs = await asyncio.wait_for(asyncio.gather(*(r.communicate() for r in runs)), timeout=180)
    assert [r.returncode for r in runs] == [0, 0], [o[0].decode()[-2000:] for o in outputs]
    status = bst("schema", "status", "repair", env=env)
    assert status.returncode == 0 and "(current)" in status.stdout


def test_bst_serve_runs_one_service_with_health_json_logs_and_a_drain(tmp_path):
    port = free_port()
    env = bst_env(tmp_path, BST_LISTEN_ADDR=f"127.0.0.1:{port}", BST_LOG_FORMAT="json")
    (tmp_path / "var").mkdir()
    assert bst("schema", "apply", "repair", env=env).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "repair"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + 60
            status = {}
            while time.monotonic() < deadline and len(status) < 2:
                for name in ("", "bst.liveness"):
                    try:
                        reply = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
                        if reply.status == health_pb2.HealthCheckResponse.SERVING:
                            status[name] = True
                    except grpc.RpcError:
                        time.sleep(0.2)
            assert status == {"": True, "bst.liveness": True}  # what the readiness and liveness probes ask
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=Settings().shutdown_grace_seconds + 15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    messages = [r["message"] for r in records]
    assert "service started" in messages and "draining" in messages and "stopped" in messages
    assert all(r["process"] == "repair" for r in records if r["logger"].startswith("bst."))
