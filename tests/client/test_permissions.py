"""The permissions policy: roles to permissions from TOML, with "*" for everything."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import desktop_auth
from desktop_auth.permissions import PermissionPolicy

REPOSITORY = Path(__file__).resolve().parents[2]


def test_the_default_policy_is_the_one_in_design_md() -> None:
    policy = PermissionPolicy.default()

    assert dict(policy.grants) == {
        "admin": frozenset({"*"}),
        "editor": frozenset({"documents.read", "documents.write", "reports.view"}),
        "viewer": frozenset({"documents.read"}),
    }


def test_the_top_level_resources_copy_agrees_with_the_packaged_policy() -> None:
    packaged = Path(desktop_auth.__file__).parent / "resources" / "permissions.toml"
    top_level = REPOSITORY / "resources" / "permissions.toml"

    assert tomllib.loads(top_level.read_text()) == tomllib.loads(packaged.read_text())


def test_admin_gets_everything_and_alone_says_so() -> None:
    policy = PermissionPolicy.default()

    assert policy.permissions_for({"admin", "editor"}) == frozenset({"*"})


def test_roles_add_up_and_unknown_roles_grant_nothing() -> None:
    policy = PermissionPolicy.default()

    assert policy.permissions_for({"viewer"}) == frozenset({"documents.read"})
    assert policy.permissions_for({"viewer", "editor", "intern"}) == frozenset(
        {"documents.read", "documents.write", "reports.view"}
    )
    assert policy.permissions_for({"intern"}) == frozenset()
    assert policy.permissions_for(()) == frozenset()


def test_a_policy_file_replaces_the_default(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[roles]\nauditor = ["reports.view", "log.read"]\nnobody = []\n')

    policy = PermissionPolicy.load(path)

    assert policy.permissions_for({"auditor"}) == frozenset({"reports.view", "log.read"})
    assert policy.permissions_for({"admin"}) == frozenset()
    assert policy.source == str(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[roles\nadmin = ['*']", "not valid TOML"),
        ("[role]\nadmin = ['*']", "unknown key or table 'role'"),
        ("", "no [roles] table"),
        ("roles = ['admin']", "'roles' must be a table"),
        ("[roles]\nadmin = '*'", "role 'admin' must be a list"),
        ("[roles]\nviewer = ['documents.read', 3]", "role 'viewer' lists 3"),
        ("[roles]\nviewer = ['']", "role 'viewer' lists ''"),
        ("[roles]\nviewer = ['documents read']", "contains spaces"),
    ],
)
def test_a_bad_policy_names_the_file_and_the_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)

    with pytest.raises(ValueError, match=r"policy\.toml") as error:
        PermissionPolicy.load(path)

    assert str(error.value).startswith(f"{path}: ")
    assert problem in str(error.value)


def test_a_missing_policy_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing\.toml: cannot read the permissions policy"):
        PermissionPolicy.load(tmp_path / "missing.toml")


def test_the_policy_is_immutable() -> None:
    policy = PermissionPolicy.default()

    with pytest.raises(TypeError):
        policy.grants["intern"] = frozenset({"*"})  # type: ignore[index]
