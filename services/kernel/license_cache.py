"""What the licenses service and the gateway share in Redis so that the gateway verifies 扫码亮证 presentations
itself, with no call to the service on the common path.

- the status cache: one hash per status list, `{ns}:licenses:status:{list_id}`, index -> "suspended"|"revoked"
  (a valid license has no entry). The service writes an entry before a suspension or revocation commits and
  removes it after a reinstatement commits; a leader reconciles the hashes with the database and keeps the
  `ready` key alive. Without `ready` (Redis lost its data, the service is not maintaining it) the gateway asks
  the service instead.
- the nonces spent (`SET NX`, shared with the service's own verification, so a replay is refused either way);
- the use-record stream: each accepted verification is an event on `{ns}:events:license-uses`, which the
  licenses service writes to the use record (consumer group, acknowledged after commit, idempotent by id).

`VERIFY_SCRIPT` does the status check, the nonce and the use-record append in one atomic round trip.
"""

from __future__ import annotations

import hashlib

from services.kernel.auth import Principal
from services.kernel.events import stream_name
from services.kernel.ratelimit import LIMITS_LUA

USES_SOURCE = "license-uses"
USES_EVENT = "license.verified"
READY_TTL_SECONDS = 90
RECONCILE_SECONDS = 20
REPLAY_MARGIN_SECONDS = 30


def ready_key(namespace: str) -> str:
    return f"{namespace}:licenses:status:ready"


def version_key(namespace: str) -> str:
    return f"{namespace}:licenses:status:version"


def status_key(namespace: str, list_id: int) -> str:
    return f"{namespace}:licenses:status:{list_id}"


def nonce_key(namespace: str, nonce: str) -> str:
    return f"{namespace}:licenses:nonce:{hashlib.sha256(nonce.encode()).hexdigest()}"


def nonce_ttl(expires_at: int, now: float) -> int:
    """How long a spent nonce is remembered: while its presentation could still verify, and a margin."""
    return max(int(expires_at - now), 1) + REPLAY_MARGIN_SECONDS


def uses_stream(namespace: str) -> str:
    return stream_name(namespace, USES_SOURCE)


def verifier_of(principal: Principal) -> str:
    """Who verified when signed in (their department, or their account), "" when anonymous."""
    return "" if principal.anonymous else str(principal.claims.get("department") or principal.sub)


def verifier_name(verifier: str, audience: str) -> str:
    """Who verified, as the holder reads it in the use record: the audience, with the verifier if known."""
    return f"{verifier}（{audience}）" if verifier else audience


# KEYS: the rate-limit counters (ARGV[1] of them), then ready, the list's status hash, the nonce and the use-record
# stream. ARGV: the counters' count, their window and limit pairs, then the index, the nonce TTL, the event fields.
# The limits are counted first (as RateLimiter.hit_all); then {"limited", position, ttl}, or {"unknown"} (the
# cache is not trusted: ask the service), {"suspended"|"revoked"}, {"replayed"} or {"valid"} (use recorded).
VERIFY_SCRIPT = (
    LIMITS_LUA
    + """
local n = tonumber(ARGV[1])
local over = hit_limits(n, KEYS, ARGV, 2)
if over then return {'limited', over[1], over[2]} end
local at = 2 * n + 2
if redis.call('EXISTS', KEYS[n + 1]) == 0 then return {'unknown'} end
local status = redis.call('HGET', KEYS[n + 2], ARGV[at])
if status then return {status} end
if not redis.call('SET', KEYS[n + 3], '1', 'NX', 'EX', tonumber(ARGV[at + 1])) then return {'replayed'} end
redis.call('XADD', KEYS[n + 4], '*', unpack(ARGV, at + 2))
return {'valid'}
"""
)

# KEYS: version, ready, then the status hashes to replace. ARGV: the version read before the database was,
# the ready TTL, then per hash: its entry count followed by index, status pairs.
# Replaces the hashes only if no status changed meanwhile (else returns 0 and the caller tries again later).
RECONCILE_SCRIPT = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
local at = 3
for i = 3, #KEYS do
  redis.call('DEL', KEYS[i])
  local count = tonumber(ARGV[at])
  at = at + 1
  for _ = 1, count do
    redis.call('HSET', KEYS[i], ARGV[at], ARGV[at + 1])
    at = at + 2
  end
end
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[2]))
return 1
"""
