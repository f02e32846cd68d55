"""Schemathesis over the gateway's /openapi.json with a token of each role: zero 5xx, zero responses that break
their schema, zero statuses the document does not list. CI runs a bounded number of examples per operation
(`BST_SCHEMATHESIS_EXAMPLES`, 2 by default); a longer run is the same test with a bigger number."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.helpers import admin_token, sms_tokens, staff_access_token

pytestmark = pytest.mark.security

EXAMPLES = int(os.environ.get("BST_SCHEMATHESIS_EXAMPLES", "2"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
EXCLUDED_FOR_SHARED_DATA = (
    "^/api/v1/admin/("
    + "|".join(
        (r"accounts/[^/]+", "mini-app-members", r"mini-apps/[^/]+/(delist|relist|clear-flag|versions/.*)")
    )
    + ")$"
)
ROLES = ["anonymous", "citizen", "village_agent", "county_admin", "platform_admin"]


async def real_token(platform, role: str) -> str | None:
    """A token of a real account of `role` (signed in as the app would)."""
    if role == "anonymous":
        return None
    if role == "citizen":
        return str((await sms_tokens(platform))["access_token"])
    if role == "platform_admin":
        return await admin_token(platform)
    region = "530128" if role == "village_agent" else "530102"
    return (await staff_access_token(platform, role, region=region))[0]


def st_command() -> list[str] | None:
    found = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    return [found] if found else None


@pytest.mark.parametrize("role", ROLES)
async def test_schemathesis_finds_no_5xx_no_schema_violation_no_undocumented_status(platform, role, tmp_path):
    command = st_command()
    if command is None:
        pytest.skip("schemathesis is not installed (it is a dev dependency)")
    token = await real_token(platform, role)
    headers = ["-H", f"Authorization: Bearer {token}"] if token else []
    process = await asyncio.create_subprocess_exec(
        *command,
        "run",
        f"{platform.gateway_url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261130",
        "--generation-deterministic",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--exclude-path",
        "/api/v1/admin/signing-keys/rotate",
        "--exclude-path",
        "/api/v1/auth/logout",  # it would sign the run's own token out; test_identity covers it
        # With the links it infers, the admin run would change real accounts (the admin's own roles) and delist
        # the first-party apps of the shared test platform; these are covered by their own tests.
        "--exclude-path-regex",
        EXCLUDED_FOR_SHARED_DATA,
        *headers,
        "-H",
        "X-Forwarded-For: 10.77.0.1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""},
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    (tmp_path / "schemathesis.log").write_text(text)
    assert process.returncode == 0, text[-6000:]
    if token:  # the run's token worked to the end (nothing signed it out half-way)
        async with platform.client(token) as client:
            assert (await client.get("/api/v1/me")).status_code == 200
