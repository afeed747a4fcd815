"""The built-in server: hashed secrets, signing keys with rotation, client credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightdeck_platform.auth.issuer import secrets, signing
from flightdeck_platform.auth.issuer.grants import Client, OAuthError, TokenIssuer, TokenPolicy
from flightdeck_platform.auth.keys import StaticKeys
from flightdeck_platform.auth.settings import RegisteredClient
from flightdeck_platform.auth.tokens import Expectations, TokenValidator

PUBLIC = "http://edge.example"


def test_secrets_are_stored_hashed_and_checked() -> None:
    stored = secrets.hash_secret("s3cret", iterations=1000)
    assert "s3cret" not in stored
    assert secrets.matches("s3cret", stored)
    assert not secrets.matches("other", stored)
    assert not secrets.matches("s3cret", "garbage")


def test_every_key_is_published_and_the_newest_signs(tmp_path: Path) -> None:
    keys = signing.SigningKeys(str(tmp_path), reload_seconds=0)
    keys.ensure()
    first = keys.active().kid
    (tmp_path / "zz-rotated.pem").write_bytes((sorted(tmp_path.glob("*.pem"))[0]).read_bytes())
    signing.generate(tmp_path).rename(tmp_path / "zzz.pem")
    kids = [k["kid"] for k in keys.jwks()["keys"]]
    assert first in kids and len(set(kids)) == 2
    assert keys.active().kid != first


def _issuer(tmp_path: Path) -> tuple[TokenIssuer, signing.SigningKeys]:
    keys = signing.SigningKeys(str(tmp_path), reload_seconds=60)
    keys.ensure()
    clients = [
        Client(
            "ci",
            secrets.hash_secret("pw", iterations=1000),
            frozenset({"client_credentials"}),
            frozenset({"all", "offline"}),
        ),
        Client.of(RegisteredClient(client_id="flytectl", grant_types=["authorization_code"])),
    ]
    return TokenIssuer(clients, keys, TokenPolicy(PUBLIC, PUBLIC, 600)), keys


async def test_client_credentials_issue_a_token_the_validator_accepts(tmp_path: Path) -> None:
    issuer, keys = _issuer(tmp_path)
    answer = issuer.client_credentials(issuer.authenticate("ci", "pw"), "")
    validator = TokenValidator(StaticKeys(keys.jwks), Expectations([PUBLIC], PUBLIC))
    caller = await validator.principal(answer["access_token"])
    assert (caller.subject, answer["token_type"], answer["expires_in"]) == ("ci", "bearer", 600)


@pytest.mark.parametrize(
    ("client", "secret"), [("ci", "wrong"), ("nobody", "pw"), ("flytectl", "")]
)
def test_wrong_secrets_unknown_and_public_clients_get_invalid_client(
    tmp_path: Path, client: str, secret: str
) -> None:
    issuer, _ = _issuer(tmp_path)
    with pytest.raises(OAuthError) as refused:
        issuer.authenticate(client, secret)
    assert (refused.value.error, refused.value.status) == ("invalid_client", 401)


def test_a_scope_the_client_lacks_is_invalid_scope(tmp_path: Path) -> None:
    issuer, _ = _issuer(tmp_path)
    with pytest.raises(OAuthError, match="admin"):
        issuer.client_credentials(issuer.authenticate("ci", "pw"), "all admin")
