"""The webhook endpoint: check the signature, drop repeats, send the Django signal."""

import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sign_ins.signals import user_signed_in
from sign_ins.signature import signature_is_valid

log = logging.getLogger(__name__)

# How long an event id is remembered: far longer than the server keeps retrying one.
SEEN_FOR_S = 24 * 3600


@csrf_exempt  # the HMAC signature, not a cookie, proves where the request comes from
@require_POST
def desktop_auth_webhook(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("X-Desktop-Auth-Signature", "")
    if not signature_is_valid(
        settings.DESKTOP_AUTH_WEBHOOK_SECRET,
        header,
        request.body,
        now=time.time(),
        max_age=settings.DESKTOP_AUTH_WEBHOOK_MAX_AGE_S,
    ):
        log.warning("refused a webhook with a missing, wrong or stale signature")
        return HttpResponseForbidden("invalid signature")
    try:
        event = json.loads(request.body)
        event_id, kind, data = str(event["id"]), event["type"], event["data"]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("not a desktop-auth event")

    seen = f"desktop-auth-event:{event_id}"
    if not cache.add(seen, True, timeout=SEEN_FOR_S):
        # Handled already (the server retries after a lost answer): accept it again, so it stops.
        return HttpResponse(status=204)
    if kind == "user_logged_in":
        try:
            user_signed_in.send(
                sender=desktop_auth_webhook,
                username=data["username"],
                occurred_at=event["occurred_at"],
                event_id=event_id,
            )
        except Exception:
            # Not handled after all: forget it, and the 500 makes the server send it again.
            cache.delete(seen)
            raise
    return HttpResponse(status=204)
