"""Clients kept per process: new ones are found at once, changes are seen in bounded time."""

from __future__ import annotations

import time

from sqlalchemy import text

from desktop_auth.server.clients import NATIVE_CLIENT_ID, ClientCache
from desktop_auth.server.models import Client
from tests.server.conftest import ALICE, LiveServer


def test_a_client_added_after_its_id_was_refused_is_found_at_once(server: LiveServer) -> None:
    refused = server.challenge(*ALICE, client_id="late-app")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"

    assert server.cli("client", "add", "late-app") == 0

    assert server.challenge(*ALICE, client_id="late-app").status_code == 200


def test_a_client_changed_through_the_orm_in_the_server_process_is_seen_at_once(
    server: LiveServer,
) -> None:
    server.sign_in(*ALICE)  # the native client is now cached
    with server.state.db.session() as session:
        session.query(Client).filter_by(client_id=NATIVE_CLIENT_ID).one().first_party = False

    response = server.challenge(*ALICE)

    assert response.status_code == 400
    assert response.json()["error"] == "redirect_to_web"


def test_a_client_row_changed_by_hand_is_seen_once_the_cache_time_is_over(
    server: LiveServer,
) -> None:
    cache = ClientCache(ttl=0.3)
    db = server.state.db
    with db.session() as session:
        client = cache.get(session, NATIVE_CLIENT_ID)
    assert client is not None
    assert client.first_party
    with db.transaction() as connection:  # not through the ORM: no process is told
        connection.execute(
            text("UPDATE clients SET first_party = :no WHERE client_id = :id"),
            {"no": False, "id": NATIVE_CLIENT_ID},
        )

    with db.session() as session:
        still = cache.get(session, NATIVE_CLIENT_ID)
    time.sleep(0.35)
    with db.session() as session:
        fresh = cache.get(session, NATIVE_CLIENT_ID)

    assert still is client
    assert fresh is not None
    assert not fresh.first_party
