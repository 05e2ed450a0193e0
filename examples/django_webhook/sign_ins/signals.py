"""The Django signal sent when the identity server reports a sign-in."""

from django.dispatch import Signal

# Sent with username, occurred_at (RFC 3339 text) and event_id (the same for a retried event).
user_signed_in = Signal()
