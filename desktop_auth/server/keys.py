"""Signing keys: RS256 keys in a 0600 JWKS file, the newest one signs, all are published."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet, RSAKey

from desktop_auth.securefiles import create_private_file_once

KEYS_FILE = "signing-keys.json"
ALGORITHM = "RS256"


@dataclass(frozen=True)
class SigningKeys:
    keys: tuple[RSAKey, ...]

    @property
    def current(self) -> RSAKey:
        return self.keys[-1]

    @property
    def kid(self) -> str:
        return str(self.current.kid)

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self.keys]}

    def key_set(self) -> KeySet:
        return KeySet(list(self.keys))


def _new_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True)


def _serialise(keys: list[RSAKey]) -> bytes:
    return json.dumps({"keys": [k.as_dict(private=True) for k in keys]}, indent=2).encode()


def load_or_create_keys(data_dir: Path) -> SigningKeys:
    """Load the key file, creating it with one fresh key the first time (race-free)."""
    path = data_dir / KEYS_FILE
    if not path.exists():
        create_private_file_once(path, _serialise([_new_key()]))
    data = json.loads(path.read_text(encoding="utf-8"))
    keys = tuple(RSAKey.import_key(entry) for entry in data["keys"])
    if not keys:
        raise ValueError(f"{path} holds no keys")
    return SigningKeys(keys)
