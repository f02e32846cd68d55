"""Structured JSON logs to stdout, each line carrying the current request id."""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def new_request_id() -> str:
    return uuid.uuid4().hex


class _RequestIdFilter(logging.Filter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.process_name = self.process
        return True


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "process_name",
    "taskName",
}


class _TextFormatter(logging.Formatter):
    """One line per record for people, with any `extra=` fields appended as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        return line + "".join(f" {k}={v}" for k, v in extras.items())


_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_make_record = logging.Logger.makeRecord


def _make_record_safely(self: logging.Logger, *args: object, **kwargs: object) -> logging.LogRecord:
    """`Logger.makeRecord` raises KeyError for an `extra=` key that names a LogRecord attribute (`process`,
    `name`, `msg`...), which turns a log call into a crash. Such keys are kept as `extra_<key>` instead."""
    extra = kwargs.get("extra") if "extra" in kwargs else (args[8] if len(args) > 8 else None)
    if isinstance(extra, dict) and _RECORD_ATTRS.intersection(extra):
        safe = {(f"extra_{k}" if k in _RECORD_ATTRS else k): v for k, v in extra.items()}
        if "extra" in kwargs:
            kwargs["extra"] = safe
        else:
            args = (*args[:8], safe, *args[9:])
    return _make_record(self, *args, **kwargs)  # type: ignore[arg-type]


logging.Logger.makeRecord = _make_record_safely  # type: ignore[method-assign]


def configure_logging(process: str, *, level: str = "INFO", fmt: str = "json") -> None:
    """Send every log record of this process to stdout, as JSON lines (or plain text for people)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_RequestIdFilter(process))
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{request_id}{process_name}",
                style="{",
                rename_fields={
                    "asctime": "time",
                    "levelname": "severity",
                    "name": "logger",
                    "process_name": "process",
                },
                datefmt="%Y-%m-%dT%H:%M:%S%z",
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(
            _TextFormatter("%(asctime)s %(levelname)s [%(process_name)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiosqlite", "asyncio", "uvicorn.access", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
