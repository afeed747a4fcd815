"""The built-in server's grants for people: authorization code with PKCE, the device grant
(RFC 8628) and rotated refresh tokens, each with its error paths, on the in-memory store and a
clock the tests move."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flightdeck_platform.auth.issuer import codes, device, secrets, signing
from flightdeck_platform.auth.issuer.codes import AuthorizationCodes, NoRedirect, s256
from flightdeck_platform.auth.issuer.device import DeviceGrants, UnknownUserCode
from flightdeck_platform.auth.issuer.exchange import TokenExchange
from flightdeck_platform.auth.issuer.grants import (
    Client,
    OAuthError,
    TokenIssuer,
    TokenPolicy,
    UserGrant,
)
from flightdeck_platform.auth.issuer.memory import InMemoryPendingGrants
from flightdeck_platform.auth.issuer.refresh import RefreshTokens
from flightdeck_platform.auth.issuer.users import BadLogin, LocalUsers
from flightdeck_platform.auth.keys import StaticKeys
from flightdeck_platform.auth.settings import LocalUser, RegisteredClient
from flightdeck_platform.auth.tokens import Expectations, TokenValidator

PUBLIC = "http://edge.example"
CALLBACK = "http://localhost:53593/callback"
VERIFIER = "v" * 43
USER_GRANTS = ["authorization_code", "refresh_token", device.GRANT]


class Clock:
    def __init__(self) -> None:
        self.now = time.time()  # tokens it stamps are checked against the real clock

    def __call__(self) -> float:
        return self.now


class Server:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = Clock()
        keys = signing.SigningKeys(str(tmp_path), reload_seconds=60)
        keys.ensure()
        self.keys = keys
        self.cli = Client.of(
            RegisteredClient(
                client_id="flytectl", grant_types=USER_GRANTS, redirect_uris=[CALLBACK]
            )
        )
        self.other = Client.of(
            RegisteredClient(
                client_id="flyte-cli", grant_types=USER_GRANTS, redirect_uris=[CALLBACK]
            )
        )
        machine = Client(
            "ci",
            secrets.hash_secret("pw", iterations=1000),
            frozenset({"client_credentials"}),
            frozenset({"all"}),
        )
        self.issuer = TokenIssuer(
            [self.cli, self.other, machine], keys, TokenPolicy(PUBLIC, PUBLIC, 600), self.clock
        )
        store = InMemoryPendingGrants(self.clock)
        self.codes = AuthorizationCodes(self.issuer, store, 60, self.clock)
        self.devices = DeviceGrants(store, f"{PUBLIC}/oauth2/device", 600, 5, self.clock)
        self.refresh = RefreshTokens(store, 3600, self.clock)
        self.exchange = TokenExchange(self.issuer, self.codes, self.devices, self.refresh)

    def authorization(self, **changes: str) -> dict[str, str]:
        params = {
            "client_id": "flytectl",
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "all offline",
            "state": "s-1",
            "code_challenge": s256(VERIFIER),
            "code_challenge_method": "S256",
        }
        return {**params, **changes}

    async def code(self, **changes: str) -> str:
        params = self.authorization(**changes)
        client, redirect_uri = self.codes.destination(params)
        location = await self.codes.issue(self.codes.request(client, redirect_uri, params), "ada")
        assert location.startswith(f"{CALLBACK}?") and "state=s-1" in location
        return location.split("code=")[1].split("&")[0]

    async def redeem(self, code: str, /, **changes: str) -> dict[str, object]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER,
            "client_id": "flytectl",
            **changes,
        }
        return await self.exchange.answer(form, form["client_id"], "")


@pytest.fixture
def server(tmp_path: Path) -> Server:
    return Server(tmp_path)


async def test_a_code_redeemed_with_its_verifier_gives_tokens_for_the_user(server: Server) -> None:
    answer = await server.redeem(await server.code())
    validator = TokenValidator(StaticKeys(server.keys.jwks), Expectations([PUBLIC], PUBLIC))
    caller = await validator.principal(str(answer["access_token"]))
    assert (caller.subject, caller.claims["client_id"]) == ("ada", "flytectl")
    assert caller.claims["user_info"]["preferred_username"] == "ada"
    assert answer["scope"] == "all offline" and answer["refresh_token"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"code_verifier": "w" * 43}, "code_verifier does not match"),
        ({"code_verifier": ""}, "code_verifier does not match"),
        ({"redirect_uri": "http://localhost:1/callback"}, "redirect_uri differs"),
        ({"client_id": "flyte-cli"}, "another client"),
        ({"code": "made-up"}, "unknown or expired"),
    ],
)
async def test_a_code_redeemed_wrongly_is_invalid_grant(
    server: Server, changes: dict[str, str], reason: str
) -> None:
    with pytest.raises(OAuthError, match=reason) as refused:
        await server.redeem(await server.code(), **changes)
    assert refused.value.error == "invalid_grant"


async def test_a_code_is_single_use_even_after_a_wrong_try(server: Server) -> None:
    code = await server.code()
    await server.redeem(code)
    with pytest.raises(OAuthError, match="already used"):
        await server.redeem(code)
    wrong_first = await server.code()
    with pytest.raises(OAuthError, match="does not match"):
        await server.redeem(wrong_first, code_verifier="w" * 43)
    with pytest.raises(OAuthError, match="already used"):
        await server.redeem(wrong_first)


async def test_a_code_expires(server: Server) -> None:
    code = await server.code()
    server.clock.now += 61
    with pytest.raises(OAuthError, match="expired") as refused:
        await server.redeem(code)
    assert refused.value.error == "invalid_grant"


@pytest.mark.parametrize(
    "changes",
    [{"client_id": "nobody"}, {"redirect_uri": "http://evil.example/cb"}, {"redirect_uri": ""}],
)
def test_an_unknown_client_or_redirect_is_never_redirected_to(
    server: Server, changes: dict[str, str]
) -> None:
    with pytest.raises(NoRedirect):
        server.codes.destination(server.authorization(**changes))


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"scope": "admin"}, "invalid_scope"),
    ],
)
def test_a_bad_authorization_request_is_answered_to_the_client(
    server: Server, changes: dict[str, str], error: str
) -> None:
    params = server.authorization(**changes)
    client, redirect_uri = server.codes.destination(params)
    with pytest.raises(OAuthError) as refused:
        server.codes.request(client, redirect_uri, params)
    assert refused.value.error == error


async def _poll(server: Server, device_code: str, client_id: str = "flytectl") -> object:
    form = {"grant_type": device.GRANT, "device_code": device_code, "client_id": client_id}
    return await server.exchange.answer(form, client_id, "")


async def _poll_error(server: Server, device_code: str, client_id: str = "flytectl") -> str:
    with pytest.raises(OAuthError) as refused:
        await _poll(server, device_code, client_id)
    return refused.value.error


async def test_a_device_code_is_pending_until_approved_then_used_once(server: Server) -> None:
    started = await server.devices.start(server.cli, "all offline")
    assert started["verification_uri"] == f"{PUBLIC}/oauth2/device"
    assert started["verification_uri_complete"].endswith(f"?user_code={started['user_code']}")
    assert (started["interval"], started["expires_in"]) == (5, 600)
    assert await _poll_error(server, started["device_code"]) == "authorization_pending"
    server.clock.now += 1
    assert await _poll_error(server, started["device_code"]) == "slow_down"
    server.clock.now += 5
    assert await _poll_error(server, started["device_code"]) == "authorization_pending"
    typed = started["user_code"].lower().replace("-", " ")
    await server.devices.decide(typed, "ada", approve=True)
    answer = await _poll(server, started["device_code"])
    assert isinstance(answer, dict) and answer["refresh_token"]
    assert await _poll_error(server, started["device_code"]) == "invalid_grant"


async def test_a_denied_device_code_is_access_denied(server: Server) -> None:
    started = await server.devices.start(server.cli, "")
    await server.devices.decide(started["user_code"], "ada", approve=False)
    assert await _poll_error(server, started["device_code"]) == "access_denied"
    with pytest.raises(UnknownUserCode):
        await server.devices.decide(started["user_code"], "ada", approve=True)


async def test_an_expired_device_code_is_expired_token(server: Server) -> None:
    started = await server.devices.start(server.cli, "")
    server.clock.now += 601
    assert await _poll_error(server, started["device_code"]) == "expired_token"
    with pytest.raises(UnknownUserCode):
        await server.devices.decide(started["user_code"], "ada", approve=True)


async def test_device_codes_of_other_clients_and_unknown_ones_are_invalid_grant(
    server: Server,
) -> None:
    started = await server.devices.start(server.cli, "")
    assert await _poll_error(server, started["device_code"], "flyte-cli") == "invalid_grant"
    assert await _poll_error(server, "made-up") == "invalid_grant"
    with pytest.raises(UnknownUserCode):
        await server.devices.decide("BCDF-GHJK", "ada", approve=True)


async def test_a_machine_client_without_the_grant_cannot_start_a_device_flow(
    server: Server,
) -> None:
    with pytest.raises(OAuthError) as refused:
        await server.devices.start(server.issuer.authenticate("ci", "pw"), "")
    assert refused.value.error == "unauthorized_client"


async def _refresh(server: Server, token: object, scope: str = "") -> dict[str, object]:
    form = {"grant_type": "refresh_token", "refresh_token": str(token), "scope": scope}
    return await server.exchange.answer(form, "flytectl", "")


async def test_refresh_tokens_rotate_and_each_is_single_use(server: Server) -> None:
    first = (await server.redeem(await server.code()))["refresh_token"]
    second = await _refresh(server, first)
    assert second["refresh_token"] not in (None, first)
    with pytest.raises(OAuthError, match="already used"):
        await _refresh(server, first)
    narrower = await _refresh(server, second["refresh_token"], "all")
    assert narrower["scope"] == "all" and "refresh_token" not in narrower


async def test_refresh_tokens_expire_and_never_widen_the_scope(server: Server) -> None:
    grant = UserGrant("flytectl", "ada", ("all", "offline"))
    stale = await server.refresh.issue(grant)
    server.clock.now += 3601
    with pytest.raises(OAuthError, match="expired"):
        await _refresh(server, stale)
    wider = await server.refresh.issue(grant)
    with pytest.raises(OAuthError) as refused:
        await _refresh(server, wider, "all offline admin")
    assert refused.value.error == "invalid_scope"
    other = await server.refresh.issue(UserGrant("flyte-cli", "ada", ("offline",)))
    with pytest.raises(OAuthError, match="another client"):
        await _refresh(server, other)


async def test_no_refresh_token_without_an_offline_scope(server: Server) -> None:
    answer = await server.redeem(await server.code(scope="all"))
    assert "refresh_token" not in answer


async def test_public_clients_may_not_use_client_credentials(server: Server) -> None:
    form = {"grant_type": "client_credentials", "client_id": "flytectl"}
    with pytest.raises(OAuthError) as refused:
        await server.exchange.answer(form, "flytectl", "")
    assert refused.value.error == "invalid_client"
    with pytest.raises(OAuthError) as unknown:
        await server.exchange.answer({"grant_type": "password"}, "flytectl", "")
    assert unknown.value.error == "unsupported_grant_type"


def test_users_log_in_with_hashed_or_generated_passwords(tmp_path: Path) -> None:
    users = LocalUsers(
        [
            LocalUser(username="ada", password_hash=secrets.hash_secret("pw", iterations=1000)),
            LocalUser(username="bob", password_file=str(tmp_path / "users" / "bob")),
        ]
    )
    generated = (tmp_path / "users" / "bob").read_text()
    assert (tmp_path / "users" / "bob").stat().st_mode & 0o777 == 0o600
    assert users.authenticate("ada", "pw") == "ada"
    assert users.authenticate("bob", generated) == "bob"
    for name, password in (("ada", "wrong"), ("nobody", "pw"), ("bob", "")):
        with pytest.raises(BadLogin):
            users.authenticate(name, password)


def test_the_s256_challenge_is_rfc_7636s_example() -> None:
    # RFC 7636 Appendix B.
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    assert codes.CHALLENGE.fullmatch(s256(VERIFIER))
