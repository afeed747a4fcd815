"""The built-in server's HTTP face for people and their CLIs, through admin's HTTP port: the
login page and code redirect of ``/oauth2/authorize``, the device endpoints and verification
page, and the token endpoint's answers for each user grant (RFC 6749 §5.2, RFC 8628 §3.5)."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import testkit

from flightdeck_platform.auth.issuer import secrets
from flightdeck_platform.auth.issuer.codes import s256
from flightdeck_platform.auth.settings import (
    AuthSettings,
    IssuerSettings,
    LocalUser,
    RegisteredClient,
)

PUBLIC = "http://flightdeck.test"
CALLBACK = "http://localhost:53593/callback"
VERIFIER = "a-verifier-of-enough-length-for-rfc-7636-checks"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
GRANTS = ["authorization_code", "refresh_token", DEVICE]


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    auth = AuthSettings(
        enabled=True,
        public_url=PUBLIC,
        issuer_server=IssuerSettings(
            signing_keys_dir=str(tmp_path / "keys"),
            device_poll_seconds=30,
            clients=[
                RegisteredClient(client_id="flytectl", grant_types=GRANTS, redirect_uris=[CALLBACK])
            ],
            users=[
                LocalUser(username="ada", password_hash=secrets.hash_secret("pw", iterations=1000))
            ],
        ),
    )
    async with testkit.serve_admin_with_auth(auth, tmp_path) as served:
        base_url = f"http://127.0.0.1:{served.http_port}"
        async with httpx.AsyncClient(base_url=base_url) as session:
            yield session


def _authorization(**changes: str) -> dict[str, str]:
    params = {
        "client_id": "flytectl",
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "all offline",
        "state": "st<ate>",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    return {**params, **changes}


def _query(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


async def _code(http: httpx.AsyncClient) -> str:
    answer = await http.post(
        "/oauth2/authorize", data={**_authorization(), "username": "ada", "password": "pw"}
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{CALLBACK}?")
    query = _query(answer.headers["location"])
    assert query["state"] == "st<ate>"
    return query["code"]


async def _token(http: httpx.AsyncClient, **form: str) -> httpx.Response:
    return await http.post("/oauth2/token", data={"client_id": "flytectl", **form})


async def _redeem(http: httpx.AsyncClient, code: str, **changes: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
    return await _token(http, **{**form, "code_verifier": VERIFIER, **changes})


async def test_the_login_page_carries_the_request_escaped_and_is_not_framed(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/oauth2/authorize", params=_authorization())
    assert page.status_code == 200
    assert 'name="state" value="st&lt;ate&gt;"' in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


async def test_a_wrong_password_shows_the_form_again(http: httpx.AsyncClient) -> None:
    answer = await http.post(
        "/oauth2/authorize", data={**_authorization(), "username": "ada", "password": "no"}
    )
    assert answer.status_code == 401
    assert "Wrong username or password" in answer.text and "location" not in answer.headers


@pytest.mark.parametrize(
    "changes", [{"redirect_uri": "http://evil.example/cb"}, {"client_id": "unknown"}]
)
async def test_an_unregistered_redirect_or_client_is_not_redirected_to(
    http: httpx.AsyncClient, changes: dict[str, str]
) -> None:
    answer = await http.get("/oauth2/authorize", params=_authorization(**changes))
    assert answer.status_code == 400 and "location" not in answer.headers


async def test_a_request_without_pkce_goes_back_with_an_error_and_the_state(
    http: httpx.AsyncClient,
) -> None:
    answer = await http.get(
        "/oauth2/authorize", params=_authorization(code_challenge_method="plain")
    )
    assert answer.status_code == 303
    query = _query(answer.headers["location"])
    assert (query["error"], query["state"]) == ("invalid_request", "st<ate>")


async def test_a_code_and_its_verifier_give_tokens_once(http: httpx.AsyncClient) -> None:
    code = await _code(http)
    answer = await _redeem(http, code)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and body["refresh_token"] and body["access_token"]
    assert answer.headers["cache-control"] == "no-store"
    reused = await _redeem(http, code)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "changes",
    [{"code_verifier": "another-verifier-of-enough-length-for-rfc-7636"}, {"redirect_uri": PUBLIC}],
)
async def test_a_wrong_verifier_or_redirect_is_invalid_grant(
    http: httpx.AsyncClient, changes: dict[str, str]
) -> None:
    answer = await _redeem(http, await _code(http), **changes)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


async def test_a_refresh_token_is_rotated(http: httpx.AsyncClient) -> None:
    first = (await _redeem(http, await _code(http))).json()["refresh_token"]
    rotated = await _token(http, grant_type="refresh_token", refresh_token=first)
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != first
    again = await _token(http, grant_type="refresh_token", refresh_token=first)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


async def test_the_device_flow_over_http(http: httpx.AsyncClient) -> None:
    started = await http.post("/oauth2/device/authorize", data={"client_id": "flytectl"})
    assert started.status_code == 200
    grant = started.json()
    assert grant["verification_uri"] == f"{PUBLIC}/oauth2/device"
    assert (grant["interval"], grant["expires_in"]) == (30, 600)
    poll = {"grant_type": DEVICE, "device_code": grant["device_code"]}
    errors = [(await _token(http, **poll)).json()["error"] for _ in range(2)]
    assert errors == ["authorization_pending", "slow_down"]
    page = await http.get("/oauth2/device", params={"user_code": grant["user_code"]})
    assert f'value="{grant["user_code"]}"' in page.text
    wrong = {"user_code": grant["user_code"], "username": "ada", "password": "no"}
    assert (await http.post("/oauth2/device", data=wrong)).status_code == 401
    unknown = {"user_code": "BBBB-BBBB", "username": "ada", "password": "pw"}
    assert (await http.post("/oauth2/device", data=unknown)).status_code == 400
    approve = {"user_code": grant["user_code"], "username": "ada", "password": "pw"}
    approved = await http.post("/oauth2/device", data={**approve, "decision": "approve"})
    assert approved.status_code == 200 and "Device connected" in approved.text
    tokens = await _token(http, **poll)
    assert tokens.status_code == 200 and tokens.json()["refresh_token"]
    assert (await _token(http, **poll)).json()["error"] == "invalid_grant"


async def test_a_device_flow_for_an_unknown_client_is_invalid_client(
    http: httpx.AsyncClient,
) -> None:
    answer = await http.post("/oauth2/device/authorize", data={"client_id": "nobody"})
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")
