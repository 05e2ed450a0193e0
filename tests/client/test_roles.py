"""Roles from the claim shapes identity servers use."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_auth.oidc.roles import claim_at, merge_roles, roles_from_claims

CLIENT = "desktop-auth"


@pytest.mark.parametrize(
    ("claims", "roles"),
    [
        ({"roles": ["admin", "editor"]}, {"admin", "editor"}),
        ({"roles": "admin editor"}, {"admin", "editor"}),
        ({"realm_access": {"roles": ["viewer"]}}, {"viewer"}),
        ({"resource_access": {CLIENT: {"roles": ["editor"]}}}, {"editor"}),
        ({"groups": ["admin", "/staff/viewer"]}, {"admin", "staff/viewer"}),
        ({"roles": ["a"], "realm_access": {"roles": ["b"]}, "groups": ["/c"]}, {"a", "b", "c"}),
        ({}, set()),
    ],
)
def test_roles_come_from_each_standard_claim(claims: dict[str, Any], roles: set[str]) -> None:
    assert roles_from_claims(claims, CLIENT) == frozenset(roles)


def test_another_clients_resource_roles_are_not_ours() -> None:
    claims = {"resource_access": {"other-app": {"roles": ["admin"]}, CLIENT: {"roles": ["x"]}}}

    assert roles_from_claims(claims, CLIENT) == frozenset({"x"})


def test_client_ids_with_dots_find_their_resource_roles() -> None:
    claims = {"resource_access": {"com.example.app": {"roles": ["editor"]}}}

    assert roles_from_claims(claims, "com.example.app") == frozenset({"editor"})


@pytest.mark.parametrize(
    "value",
    [None, 42, {"admin": True}, [1, None, ""], "   "],
)
def test_malformed_role_claims_grant_nothing(value: object) -> None:
    assert roles_from_claims({"roles": value, "groups": value}, CLIENT) == frozenset()


def test_a_configured_claim_path_replaces_the_standard_claims() -> None:
    claims = {"roles": ["admin"], "app": {"authz": {"roles": ["viewer"]}}}

    assert roles_from_claims(claims, CLIENT, "app.authz.roles") == frozenset({"viewer"})
    assert roles_from_claims(claims, CLIENT, "app.missing") == frozenset()


def test_claim_names_with_dots_are_found_whole() -> None:
    claims = {"https://example.com/roles": ["editor"], "https://example": {"com/roles": ["x"]}}

    assert claim_at(claims, "https://example.com/roles") == ["editor"]
    assert roles_from_claims(claims, CLIENT, "https://example.com/roles") == {"editor"}


def test_claim_at_walks_into_a_name_with_dots() -> None:
    assert claim_at({"a.b": {"c": 1}}, "a.b.c") == 1
    assert claim_at({"a": {"b": 2}}, "a.b") == 2
    assert claim_at({"a": 3}, "a.b") is None


def test_roles_from_several_sources_are_merged() -> None:
    sources = [{"roles": ["viewer"]}, {"groups": ["editor"]}, {"realm_access": {"roles": ["x"]}}]

    assert merge_roles(sources, CLIENT) == frozenset({"viewer", "editor", "x"})
