"""The OIDC claims this server gives: username, name, e-mail and the user's Django groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from oauth2_provider.oauth2_validators import OAuth2Validator


class GroupClaimsValidator(OAuth2Validator):
    # DOT only releases claims whose scope was granted; groups come with `openid` itself.
    oidc_claim_scope: ClassVar[dict[str, str]] = {
        **OAuth2Validator.oidc_claim_scope,
        "groups": "openid",
    }

    def get_additional_claims(self) -> dict[str, Callable[[Any], Any]]:
        # Request-agnostic form (no request argument), so discovery lists these claims.
        return {
            "preferred_username": lambda request: request.user.get_username(),
            "name": lambda request: request.user.get_full_name(),
            "email": lambda request: request.user.email,
            "groups": lambda request: sorted(request.user.groups.values_list("name", flat=True)),
        }
