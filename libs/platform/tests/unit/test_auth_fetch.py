"""Metadata members are read by their RFC 8414 names or by the REST gateway's JSON names."""

from __future__ import annotations

from flightdeck_platform.auth.fetch import metadata_value


def test_a_member_is_found_under_either_spelling_and_is_empty_when_absent() -> None:
    rfc = {"jwks_uri": "https://issuer/keys", "token_endpoint": "https://issuer/token"}
    gateway = {"jwksUri": "https://edge/oauth2/jwks", "tokenEndpoint": ""}
    assert metadata_value(rfc, "jwks_uri") == "https://issuer/keys"
    assert metadata_value(rfc, "token_endpoint") == "https://issuer/token"
    assert metadata_value(gateway, "jwks_uri") == "https://edge/oauth2/jwks"
    assert metadata_value(gateway, "token_endpoint") == ""
    assert metadata_value({"jwks_uri": 7}, "jwks_uri") == ""
