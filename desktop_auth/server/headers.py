"""Security headers on every response; pages may widen the policy for their own needs."""

from __future__ import annotations

from flask import Response

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def add_security_headers(response: Response, https: bool) -> Response:
    """Fill in the headers a response has not set itself."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if https:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
