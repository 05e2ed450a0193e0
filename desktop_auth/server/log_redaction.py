"""Keep Authlib's debug messages that carry tokens out of the server's logs.

Authlib logs every token it issues at DEBUG ("Issue token %r to %r", the whole token response:
access, refresh and ID token), and a code verifier in its client. An operator who turns on
debug logging to chase a problem must not find live credentials in the log afterwards.
"""

from __future__ import annotations

import logging

# What Authlib's messages that hold a secret mention; checked against the message template
# (before formatting), so a secret in the arguments is never formatted at all.
_SECRET_BEARING = ("token", "verifier", "secret", "assertion")


class DropSecretBearingRecords(logging.Filter):
    """Drops Authlib's DEBUG records whose message is about a token, verifier or secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            return True
        template = str(record.msg).lower()
        return not any(word in template for word in _SECRET_BEARING)


_FILTER = DropSecretBearingRecords()


def redact_authlib_logs() -> None:
    """Put the filter on every Authlib logger that exists now (a filter on a logger sees only
    that logger's own records, so the parent ``authlib`` logger alone would not do). Call it
    once Authlib's modules are imported; calling it again adds the loggers made since."""
    for name in list(logging.root.manager.loggerDict):
        if name == "authlib" or name.startswith("authlib."):
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
