from tests.server.conftest import ALICE, LiveServer


def test_first_party_sign_in_returns_tokens_for_alice(server: LiveServer) -> None:
    tokens = server.sign_in(*ALICE)
    me = server.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["preferred_username"] == "alice"
    assert me.json()["roles"] == ["admin", "editor"]
