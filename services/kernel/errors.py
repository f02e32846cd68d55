"""Typed domain errors and the one table that turns them into gRPC status codes.

Domain code raises these; the gRPC interceptor maps them to a status with the machine-readable `code` and any
field errors in trailing metadata; the gateway maps status codes to RFC 9457 problems in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import grpc

CODE_KEY = "bst-error-code"
FIELDS_KEY = "bst-error-fields"
RETRY_AFTER_KEY = "bst-retry-after"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """A rule said no. `code` is stable and machine-readable; the message is for people."""

    code = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: list[FieldError] | None = None,
        retry_after: int | None = None,
        commit_anyway: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or []
        self.retry_after = retry_after
        # True when what the transaction wrote before the refusal must stay: a failed sign-in's audit record and
        # attempt counter, a reused refresh token's revoked family. Never for bad input.
        self.commit_anyway = commit_anyway


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Gone(DomainError):
    code = "gone"


class AlreadyExists(DomainError):
    code = "already_exists"


class WrongState(DomainError):
    """The thing exists but is not in a state that allows this (e.g. accepting an undispatched ticket)."""

    code = "wrong_state"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class RateLimited(DomainError):
    code = "rate_limited"


class Unavailable(DomainError):
    code = "unavailable"


GRPC_STATUS: Mapping[type[DomainError], grpc.StatusCode] = {
    InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    Gone: grpc.StatusCode.NOT_FOUND,
    AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    WrongState: grpc.StatusCode.FAILED_PRECONDITION,
    Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    Forbidden: grpc.StatusCode.PERMISSION_DENIED,
    RateLimited: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
}


def grpc_status_of(error: DomainError) -> grpc.StatusCode:
    for cls in type(error).__mro__:
        if cls in GRPC_STATUS:
            return GRPC_STATUS[cls]  # type: ignore[index]
    return grpc.StatusCode.FAILED_PRECONDITION


def trailing_metadata_of(error: DomainError) -> tuple[tuple[str, str], ...]:
    meta: list[tuple[str, str]] = [(CODE_KEY, error.code)]
    if error.fields:
        meta.append(
            (
                FIELDS_KEY,
                json.dumps(
                    [{"field": f.field, "message": f.message} for f in error.fields], ensure_ascii=True
                ),
            )
        )
    if error.retry_after is not None:
        meta.append((RETRY_AFTER_KEY, str(error.retry_after)))
    return tuple(meta)


def invalid_input_from(error: Exception, message: str = "some fields are invalid") -> InvalidInput:
    """A pydantic ValidationError as InvalidInput with one FieldError per problem."""
    fields = [
        FieldError(".".join(str(p) for p in e.get("loc", ())), str(e.get("msg", "")))
        for e in getattr(error, "errors", list)()
    ]
    return InvalidInput(message, code="invalid_input", fields=fields)
