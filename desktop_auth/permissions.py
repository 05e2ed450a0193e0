"""Roles to permissions: the TOML policy of DESIGN.md (``[roles]`` name = list of permissions)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

ALL = "*"

# The default policy ships inside the package so that an installed app finds it the same way a
# checkout does (importlib.resources, no path guessing). DESIGN.md also shows it at
# resources/permissions.toml, where people look for it; that file is a copy, and a test fails
# when the two disagree, so this one stays the single source the code reads.
DEFAULT_POLICY = "resources/permissions.toml"


def _permission_names(source: str, role: str, value: Any) -> frozenset[str]:
    example = 'e.g. viewer = ["documents.read"]'
    if not isinstance(value, list):
        raise ValueError(
            f"{source}: role {role!r} must be a list of permission names ({example}), "
            f"not {type(value).__name__}"
        )
    names = set()
    for item in value:
        if not isinstance(item, str) or not item.strip() or item != item.strip():
            raise ValueError(
                f"{source}: role {role!r} lists {item!r}, which is not a permission name "
                f"({example}; {ALL!r} grants everything)"
            )
        if any(ch.isspace() for ch in item):
            raise ValueError(f"{source}: permission {item!r} of role {role!r} contains spaces")
        names.add(item)
    return frozenset(names)


@runtime_checkable
class PermissionSource(Protocol):
    """Anything that says which permissions a set of roles grants: a ``PermissionPolicy``, or
    an app's own policy (rules in code, a directory lookup, ...).

    ``permissions_for`` runs in a worker thread at every sign-in and renewal, so it may be
    slow, but must not touch widgets. Returning ``{"*"}`` grants everything.
    """

    def permissions_for(self, roles: Iterable[str]) -> frozenset[str]:
        """The permissions ``roles`` grant together."""
        ...


@dataclass(frozen=True)
class PermissionPolicy:
    """Which permissions each role grants; ``*`` grants every permission."""

    grants: Mapping[str, frozenset[str]] = field(hash=False)
    source: str = "<memory>"

    def __post_init__(self) -> None:
        object.__setattr__(self, "grants", MappingProxyType(dict(self.grants)))

    @classmethod
    def from_mapping(
        cls, roles: Mapping[str, Iterable[str]], source: str = "<memory>"
    ) -> PermissionPolicy:
        return cls({role: frozenset(names) for role, names in roles.items()}, source)

    @classmethod
    def from_toml(cls, text: str, source: str = "<memory>") -> PermissionPolicy:
        """Parse a policy; ValueError naming ``source`` and what is wrong."""
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{source}: not valid TOML: {exc}") from exc
        unknown = sorted(set(document) - {"roles"})
        if unknown:
            raise ValueError(
                f"{source}: unknown key or table {', '.join(map(repr, unknown))}; "
                "a permissions policy has only a [roles] table"
            )
        roles = document.get("roles")
        if roles is None:
            raise ValueError(f"{source}: no [roles] table (see DESIGN.md for the format)")
        if not isinstance(roles, dict):
            raise ValueError(f"{source}: 'roles' must be a table: [roles]")
        grants = {role: _permission_names(source, role, value) for role, value in roles.items()}
        return cls(grants, source)

    @classmethod
    def load(cls, path: Path | str) -> PermissionPolicy:
        """The policy in the TOML file at ``path``; ValueError naming the file otherwise."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ValueError(f"{path}: cannot read the permissions policy: {reason}") from exc
        return cls.from_toml(text, str(path))

    @classmethod
    def default(cls) -> PermissionPolicy:
        """The policy shipped with desktop-auth: admin, editor and viewer."""
        resource = resources.files("desktop_auth").joinpath(DEFAULT_POLICY)
        return cls.from_toml(resource.read_text(encoding="utf-8"), f"desktop_auth/{DEFAULT_POLICY}")

    def permissions_for(self, roles: Iterable[str]) -> frozenset[str]:
        """Everything ``roles`` grant together; ``{"*"}`` alone when one grants everything.

        Roles the policy does not know grant nothing.
        """
        granted: set[str] = set()
        for role in roles:
            granted |= self.grants.get(role, frozenset())
        if ALL in granted:
            return frozenset({ALL})
        return frozenset(granted)


def policy_from(permissions: PermissionSource | Path | str | None) -> PermissionSource:
    """The policy ``permissions`` names: a TOML file's path (read now; ValueError saying what
    is wrong), a policy object as it is, or None for the bundled policy."""
    if permissions is None:
        return PermissionPolicy.default()
    if isinstance(permissions, str | Path):
        return PermissionPolicy.load(permissions)
    if not isinstance(permissions, PermissionSource):
        raise TypeError(
            f"permissions must be a policy with permissions_for(roles), a path or None, "
            f"not {type(permissions).__name__}"
        )
    return permissions
