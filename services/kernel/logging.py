"""Structured JSON logs to stdout, each line carrying the current request id."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from contextvars import ContextVar
from typing import IO

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def new_request_id() -> str:
    """32 random hex digits (what `uuid4().hex` gave, without building a UUID on every request)."""
    return os.urandom(16).hex()


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


class _Output:
    """Where `configure_logging` sent this process's records, for `EdgeLog`'s lines."""

    process = "-"
    fmt = "text"
    stream: IO[str] | None = None


def configure_logging(process: str, *, level: str = "INFO", fmt: str = "json") -> None:
    """Send every log record of this process to stdout, as JSON lines (or plain text for people)."""
    _Output.process, _Output.fmt, _Output.stream = process, fmt, sys.stdout
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


_quote = json.encoder.encode_basestring  # type: ignore[attr-defined]  # the C encoder, as `ensure_ascii=False`


def _number(value: object) -> str:
    if type(value) is int or (type(value) is float and value == value and abs(value) != float("inf")):
        return repr(value)
    return json.dumps(value)


class EdgeLog:
    """The one line per request at the edge (the gateway's access log), written without the logging machinery.

    Through `logging` a line cost ~70 µs of the gateway's CPU (a LogRecord, the filter, python-json-logger, a
    write and a flush): a third of a cheap request. Here the JSON line, with the same fields and order as the
    records `configure_logging` formats, is one `%` format, and the lines of the requests that ended in one
    event-loop iteration go out in one write and one flush at its end (at most that iteration's lines are lost
    if the process dies). It still obeys the logger's level (`BST_LOG_LEVEL=WARNING` silences it); with the text
    format (for people, on a terminal) or before `configure_logging`, a line is an ordinary `logging` record.
    """

    def __init__(self, name: str) -> None:
        self.logger = logging.getLogger(name)
        self._name = _quote(name)
        self._second = -1
        self._stamp = ""
        self._pending: list[str] = []
        self._scheduled = False

    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)

    def info(self, message: str, request_id: str, fields: dict[str, str | int | float]) -> None:
        """Write `message` with `fields` (str, int or float values) for the request `request_id`."""
        stream = _Output.stream
        if _Output.fmt != "json" or stream is None:
            self.logger.info(message, extra=fields)
            return
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(now))
        parts = [
            f'{{"time": "{self._stamp}", "severity": "INFO", "logger": {self._name}, '
            f'"message": {_quote(message)}, "request_id": {_quote(request_id)}, '
            f'"process": {_quote(_Output.process)}'
        ]
        for key, value in fields.items():
            text = _quote(value) if isinstance(value, str) else _number(value)
            parts.append(f", {_quote(key)}: {text}")
        parts.append("}\n")
        self._pending.append("".join(parts))
        if self._scheduled:
            return
        try:
            asyncio.get_running_loop().call_soon(self._flush, stream)
            self._scheduled = True
        except RuntimeError:  # no event loop: write now
            self._flush(stream)

    def _flush(self, stream: IO[str]) -> None:
        lines, self._pending, self._scheduled = self._pending, [], False
        try:
            stream.write("".join(lines))
            stream.flush()
        except (OSError, ValueError):  # stdout closed or gone: the lines are lost, the requests are not
            pass
