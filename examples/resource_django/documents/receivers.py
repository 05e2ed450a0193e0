"""What this API does with each access decision: the place for your own code.

The receivers run in a background thread after (or while) the response is sent, so they may be
slow: write an audit table (Django closes the thread's database connections as it does around
a request), notify another system. One that raises is logged; the others still run. They get
the Principal and a RequestInfo (method, path, client address), never the token.
"""

import json
import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.dispatch import receiver

from desktop_auth.resource import AccessError, Principal, RequestInfo
from desktop_auth.resource.django import access_denied, access_granted, token_rejected

log = logging.getLogger(__name__)
_lock = threading.Lock()


def audit(event: str, request: RequestInfo, **fields: Any) -> None:
    line = {"event": event, "at": time.time(), "method": request.method, "path": request.path}
    line.update(fields)
    with _lock, settings.AUDIT_LOG.open("a", encoding="utf-8") as audit_log:
        audit_log.write(json.dumps(line) + "\n")


@receiver(access_granted)
def record_access(
    sender: Any, principal: Principal, permission: str | None, request: RequestInfo, **kwargs: Any
) -> None:
    audit("granted", request, username=principal.username, permission=permission)


@receiver(access_denied)
def record_refusal(
    sender: Any, principal: Principal, permission: str, request: RequestInfo, **kwargs: Any
) -> None:
    log.warning(
        "%s may not %s %s (%s)", principal.username, request.method, request.path, permission
    )
    audit("denied", request, username=principal.username, permission=permission)


@receiver(token_rejected)
def record_rejected_token(
    sender: Any, error: AccessError, request: RequestInfo, **kwargs: Any
) -> None:
    audit("rejected", request, reason=error.description, address=request.remote_addr)
