"""The HMAC covers method, key, expiry and Content-MD5; rotation keeps old URLs valid."""

from __future__ import annotations

import pytest

from flightdeck_storage import SignatureMismatch, SigningKey, UrlExpired, UrlSigner
from flightdeck_storage.signing import EXPIRES, KEY_ID, SIGNATURE

OLD = SigningKey(b"o" * 32)
NEW = SigningKey(b"n" * 32)
MD5 = "XUFAKrxLKna5cZ2REBfFkg=="


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_signed_request_verifies() -> None:
    signer = UrlSigner(NEW, clock=Clock(1000))
    query = signer.sign("PUT", "a/b", 2000, MD5)
    signer.verify("PUT", "a/b", query, MD5)


@pytest.mark.parametrize(
    ("method", "key", "md5", "change"),
    [
        ("GET", "a/b", MD5, {}),
        ("PUT", "a/c", MD5, {}),
        ("PUT", "a/b", "", {}),
        ("PUT", "a/b", "1B2M2Y8AsgTpgAmY7PhCfg==", {}),
        ("PUT", "a/b", MD5, {EXPIRES: "3000"}),
        ("PUT", "a/b", MD5, {SIGNATURE: "A" * 43}),
        ("PUT", "a/b", MD5, {KEY_ID: "000000000000"}),
        ("PUT", "a/b", MD5, {EXPIRES: ""}),
        ("PUT", "a/b", MD5, {SIGNATURE: ""}),
    ],
)
def test_any_change_breaks_the_signature(
    method: str, key: str, md5: str, change: dict[str, str]
) -> None:
    signer = UrlSigner(NEW, clock=Clock(1000))
    query = {**signer.sign("PUT", "a/b", 2000, MD5), **change}
    with pytest.raises(SignatureMismatch):
        signer.verify(method, key, query, md5)


def test_expired_urls_are_refused_after_their_time() -> None:
    clock = Clock(1000)
    signer = UrlSigner(NEW, clock=clock)
    query = signer.sign("GET", "k", 1500)
    clock.now = 1500
    signer.verify("GET", "k", query)
    clock.now = 1501
    with pytest.raises(UrlExpired):
        signer.verify("GET", "k", query)


def test_rotation_accepts_the_previous_key_until_it_is_dropped() -> None:
    before = UrlSigner(OLD, clock=Clock(0)).sign("GET", "k", 100)
    during = UrlSigner(NEW, [OLD], clock=Clock(0))
    during.verify("GET", "k", before)
    assert during.sign("GET", "k", 100)[KEY_ID] == NEW.key_id
    with pytest.raises(SignatureMismatch):
        UrlSigner(NEW, clock=Clock(0)).verify("GET", "k", before)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        SigningKey(b"short")
