"""JWT validation: every way a token can be wrong is Unauthenticated, fuzzed input included."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from flightdeck_platform import faults
from flightdeck_platform.auth.keys import StaticKeys
from flightdeck_platform.auth.tokens import Expectations, TokenValidator, bearer_token

AUDIENCE = "http://127.0.0.1:8088"
ISSUER = "http://127.0.0.1:8088"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks() -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}


VALIDATOR = TokenValidator(StaticKeys(_jwks), Expectations([AUDIENCE], ISSUER, "all", 0))


def _token(key: Any = KEY, kid: str = "k1", algorithm: str = "RS256", **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": [AUDIENCE],
        "sub": "ci-bot",
        "client_id": "ci-bot",
        "scp": ["all"],
        "iat": now,
        "exp": now + 600,
        **changes,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


async def test_a_valid_token_gives_its_principal() -> None:
    caller = await VALIDATOR.principal(_token())
    assert (caller.subject, caller.client_id, caller.scopes) == ("ci-bot", "ci-bot", {"all"})


async def test_a_user_token_without_client_id_or_scopes_gets_all() -> None:
    caller = await VALIDATOR.principal(_token(client_id=None, scp=None, sub="alice"))
    assert caller.scopes == {"all"}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (_token(exp=int(time.time()) - 60), "expired"),
        (_token(aud=["http://elsewhere"]), "audience"),
        (_token(iss="http://evil"), "issuer"),
        (_token(key=OTHER_KEY), "signature"),
        (_token(kid="unknown"), "unknown signing key"),
        (_token(scp=["offline"]), "scope"),
        (_token(sub=None), "sub"),
        (_token(aud=None), "aud"),
        ("not.a.jwt", "parse error"),
        (jwt.encode({"sub": "x", "aud": AUDIENCE}, key=None, algorithm="none"), "parse error"),
        (jwt.encode({"sub": "x", "aud": AUDIENCE}, "k" * 32, algorithm="HS256"), "parse error"),
    ],
)
async def test_a_bad_token_is_unauthenticated(token: str, reason: str) -> None:
    with pytest.raises(faults.Unauthenticated) as refused:
        await VALIDATOR.principal(token)
    assert reason in refused.value.message.lower()


def test_the_token_comes_from_authorization_or_the_flyte_header() -> None:
    assert bearer_token([("authorization", "Bearer abc")], "flyte-authorization") == "abc"
    assert bearer_token([("flyte-authorization", "bearer xyz")], "flyte-authorization") == "xyz"
    for metadata in ([], [("authorization", "Basic abc")], [("authorization", "Bearer ")]):
        with pytest.raises(faults.Unauthenticated):
            bearer_token(metadata, "flyte-authorization")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=400),
        st.builds(
            lambda a, b, c: f"{a}.{b}.{c}",
            st.text(
                alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=",
                max_size=120,
            ),
            st.text(max_size=120),
            st.text(max_size=120),
        ),
        st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    )
)
async def test_fuzzed_tokens_are_only_ever_unauthenticated(raw: str) -> None:
    with pytest.raises(faults.Unauthenticated):
        token = bearer_token([("authorization", f"Bearer {raw}")], "flyte-authorization")
        await VALIDATOR.principal(token)
