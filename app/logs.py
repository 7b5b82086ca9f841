"""The access log without credentials: a session id (the only key to a session) is replaced by
`{sid}` in every logged path (/ui/{sid}/…, /api/sessions/{sid}/…). Installed on uvicorn's
access logger by create_app, so every worker process has it."""

from __future__ import annotations

import logging
import re

SESSION_IN_PATH = re.compile(r"(/(?:ui|api/sessions)/)[A-Za-z0-9_-]{22}(?=/|\?|$|\s)")
ACCESS_LOGGER = "uvicorn.access"


def redact(text: str) -> str:
    return SESSION_IN_PATH.sub(r"\1{sid}", text)


class RedactSessionIds(logging.Filter):
    """uvicorn logs `'%s - "%s %s HTTP/%s" %d'` with (client, method, path, version,
    status): the path is rewritten; any other record's message too, to be safe."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactSessionIds) for f in logger.filters):
        logger.addFilter(RedactSessionIds())
