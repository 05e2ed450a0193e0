"""The example API over HTTP on 127.0.0.1 with real tokens of the bundled server: reading,
changing and reports gated by the server's policy whatever a client shows; input checked."""

from __future__ import annotations

import json
import stat

import pytest
import requests

from desktop_auth.demo_api.samples import SAMPLE_DOCUMENTS
from desktop_auth.demo_api.store import DocumentStore
from desktop_auth.demo_api.validation import BODY_MAX_BYTES, TITLE_MAX_CHARS
from tests.server.conftest import ALICE, BOB


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def alice(server) -> dict[str, str]:
    return bearer(server.sign_in(*ALICE)["access_token"])


@pytest.fixture
def bob(server) -> dict[str, str]:
    return bearer(server.sign_in(*BOB)["access_token"])


def titles(demo_api) -> list[str]:
    return [document.title for document in demo_api.store.list()]


def test_alice_lists_creates_edits_and_deletes_documents_in_the_store(demo_api, alice):
    listed = requests.get(f"{demo_api.url}/documents", headers=alice, timeout=10)
    assert listed.status_code == 200
    assert sorted(d["title"] for d in listed.json()["documents"]) == sorted(
        s.title for s in SAMPLE_DOCUMENTS
    )

    created = requests.post(
        f"{demo_api.url}/documents",
        json={"title": "Travel policy", "area": "People", "body": "Trains first."},
        headers=alice,
        timeout=10,
    )
    assert created.status_code == 201
    document = created.json()
    assert (document["title"], document["updated_by"]) == ("Travel policy", "alice")
    assert demo_api.store.get(document["id"]).body == "Trains first."

    edited = requests.put(
        f"{demo_api.url}/documents/{document['id']}",
        json={"title": "Travel policy 2", "body": "Trains, always."},
        headers=alice,
        timeout=10,
    )
    assert edited.status_code == 200
    assert demo_api.store.get(document["id"]).title == "Travel policy 2"

    deleted = requests.delete(
        f"{demo_api.url}/documents/{document['id']}", headers=alice, timeout=10
    )
    assert deleted.status_code == 204
    assert demo_api.store.get(document["id"]) is None
    again = requests.delete(f"{demo_api.url}/documents/{document['id']}", headers=alice, timeout=10)
    assert again.status_code == 404
    assert again.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/documents", {"title": "Forged"}),
        ("PUT", "/documents/1", {"title": "Forged"}),
        ("DELETE", "/documents/1", None),
    ],
)
def test_bobs_forged_write_request_is_refused_with_403_insufficient_scope(
    demo_api, bob, method, path, body
):
    before = demo_api.store.list()

    response = requests.request(method, f"{demo_api.url}{path}", json=body, headers=bob, timeout=10)

    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert "documents.write" in response.json()["error_description"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="documents"')
    assert 'error="insufficient_scope"' in challenge
    assert demo_api.store.list() == before


def test_bob_reads_documents_but_not_reports(demo_api, bob):
    assert requests.get(f"{demo_api.url}/documents", headers=bob, timeout=10).status_code == 200
    reports = requests.get(f"{demo_api.url}/reports", headers=bob, timeout=10)
    assert reports.status_code == 403
    assert "reports.view" in reports.json()["error_description"]


def test_reports_are_counted_from_the_stored_documents(demo_api, alice):
    requests.post(
        f"{demo_api.url}/documents", json={"title": "New one"}, headers=alice, timeout=10
    ).raise_for_status()

    response = requests.get(f"{demo_api.url}/reports", headers=alice, timeout=10)

    assert response.status_code == 200
    figures = {f["name"]: f["value"] for f in response.json()["figures"]}
    documents = demo_api.store.list()
    assert figures["documents"] == len(documents) == len(SAMPLE_DOCUMENTS) + 1
    assert figures["areas"] == len({d.area for d in documents})
    assert figures["changed_through_api"] == 1
    assert figures["updated_last_7_days"] >= 1
    assert response.json()["areas"]["General"] == 1


def test_no_token_is_401_with_a_challenge_and_a_bad_one_is_invalid_token(demo_api):
    missing = requests.get(f"{demo_api.url}/documents", timeout=10)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="documents"'

    bad = requests.get(f"{demo_api.url}/documents", headers=bearer("not.a.token"), timeout=10)
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_token"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "The body must be a JSON object"),
        ({"area": "x"}, "'title' is missing."),
        ({"title": "  "}, "'title' must not be empty."),
        ({"title": 7}, "'title' must be a string, not int."),
        ({"title": "x" * (TITLE_MAX_CHARS + 1)}, f"at most {TITLE_MAX_CHARS} are allowed"),
        ({"title": "two\nlines"}, "'title' must be one line."),
        ({"title": "t", "body": "é" * (BODY_MAX_BYTES // 2 + 1)}, "bytes long (UTF-8)"),
        ({"title": "t", "owner": "mallory"}, "Unknown field(s): 'owner'"),
    ],
)
def test_invalid_documents_get_a_400_saying_what_is_wrong(demo_api, alice, body, message):
    # UTF-8 as it is (requests' json= would escape every "é" into six bytes).
    response = requests.post(
        f"{demo_api.url}/documents",
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={**alice, "Content-Type": "application/json"},
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert message in response.json()["error_description"]


def test_a_body_that_is_not_json_and_an_oversized_one_are_refused(demo_api, alice):
    not_json = requests.post(
        f"{demo_api.url}/documents",
        data="title=x",
        headers={**alice, "Content-Type": "application/json"},
        timeout=10,
    )
    assert not_json.status_code == 400
    assert not_json.json()["error_description"] == "The body is not valid JSON."

    form = requests.post(
        f"{demo_api.url}/documents", data={"title": "x"}, headers=alice, timeout=10
    )
    assert form.status_code == 400
    assert "Content-Type: application/json" in form.json()["error_description"]

    huge = requests.post(
        f"{demo_api.url}/documents",
        json={"title": "t", "body": "x" * 300_000},
        headers=alice,
        timeout=10,
    )
    assert huge.status_code == 413
    assert huge.json()["error"] == "request_entity_too_large"


def test_the_store_is_private_and_seeded_only_once(tmp_path):
    store = DocumentStore.in_dir(tmp_path / "api")
    for document in store.list():
        assert store.delete(document.id)
    store.close()
    assert stat.S_IMODE((tmp_path / "api").stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600

    reopened = DocumentStore.in_dir(tmp_path / "api")
    try:
        assert reopened.list() == []  # what the users deleted does not come back
    finally:
        reopened.close()
