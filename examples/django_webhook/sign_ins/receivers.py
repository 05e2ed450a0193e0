"""What this site does when someone signs in: the place for your own code."""

import json
import logging
from typing import Any

from django.conf import settings
from django.dispatch import receiver

from sign_ins.signals import user_signed_in

log = logging.getLogger(__name__)


@receiver(user_signed_in)
def record_sign_in(
    sender: Any, username: str, occurred_at: str, event_id: str, **kwargs: Any
) -> None:
    """Append the sign-in to SIGN_IN_LOG; a real site might update a profile or start a job."""
    line = json.dumps({"username": username, "occurred_at": occurred_at, "event_id": event_id})
    with settings.SIGN_IN_LOG.open("a", encoding="utf-8") as log_file:
        log_file.write(line + "\n")
    log.info("%s signed in", username)
