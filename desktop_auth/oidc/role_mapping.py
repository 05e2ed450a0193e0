"""RoleMappingClient: an OIDCClient whose users' roles come from the app's own RoleMapper."""

from __future__ import annotations

from typing import Any

from desktop_auth.oidc.client import ClientConfig, OIDCClient
from desktop_auth.oidc.identity import Identity
from desktop_auth.oidc.roles import RoleMapper, roles_mapped_by
from desktop_auth.permissions import PermissionPolicy


class RoleMappingClient(OIDCClient):
    """An ``OIDCClient`` that asks ``role_mapper`` for the roles at every sign-in, restore and
    renewal; everything else, validation included, is the plain client's."""

    def __init__(
        self, config: ClientConfig, policy: PermissionPolicy, role_mapper: RoleMapper
    ) -> None:
        super().__init__(config, policy)
        self.role_mapper = role_mapper

    # Every way in (password, browser, device, restore, renewal) learns who the user is here.
    def _identify(self, *args: Any, **kwargs: Any) -> Identity:
        with roles_mapped_by(self.role_mapper):
            return super()._identify(*args, **kwargs)
