"""AuthMetadataService and IdentityService, registered only when authentication is on (as
flyteadmin does): what clients read to log in, and who the caller is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import grpc
from flyteidl.service import auth_pb2, identity_pb2
from google.protobuf import json_format, struct_pb2

from flightdeck_platform.auth import principal
from flightdeck_platform.auth.settings import AuthSettings


class AuthMetadataApi:
    """``metadata``: the built-in server's document (self mode) or the external issuer's, read
    at start-up and returned verbatim, fields this message lacks dropped."""

    def __init__(self, metadata: Callable[[], Mapping[str, Any]], settings: AuthSettings) -> None:
        self._metadata = metadata
        self._settings = settings

    async def GetOAuth2Metadata(
        self, request: auth_pb2.OAuth2MetadataRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.OAuth2MetadataResponse:
        return json_format.ParseDict(
            dict(self._metadata()), auth_pb2.OAuth2MetadataResponse(), ignore_unknown_fields=True
        )

    async def GetPublicClientConfig(
        self, request: auth_pb2.PublicClientAuthConfigRequest, context: grpc.aio.ServicerContext
    ) -> auth_pb2.PublicClientAuthConfigResponse:
        settings = self._settings
        return auth_pb2.PublicClientAuthConfigResponse(
            client_id=settings.public_client_id,
            redirect_uri=settings.redirect_uri,
            scopes=settings.public_scopes,
            authorization_metadata_key=settings.authorization_header,
            audience=settings.audience,
        )


class IdentityApi:
    async def UserInfo(
        self, request: identity_pb2.UserInfoRequest, context: grpc.aio.ServicerContext
    ) -> identity_pb2.UserInfoResponse:
        caller = principal.current()
        if caller is None:
            return identity_pb2.UserInfoResponse()
        return _user_info(caller.subject, caller.claims)


def _user_info(subject: str, claims: Mapping[str, Any]) -> identity_pb2.UserInfoResponse:
    info = claims.get("user_info")
    info = info if isinstance(info, dict) else {}

    def text(key: str) -> str:
        value = info.get(key, claims.get(key, ""))
        return value if isinstance(value, str) else ""

    additional = struct_pb2.Struct()
    additional.update(claims)
    return identity_pb2.UserInfoResponse(
        subject=text("subject") or subject,
        name=text("name"),
        preferred_username=text("preferred_username"),
        given_name=text("given_name"),
        family_name=text("family_name"),
        email=text("email"),
        picture=text("picture"),
        additional_claims=additional,
    )
