"""Authentication settings, one section (``auth``) in every service's settings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DEFAULT_HEADER = "flyte-authorization"


class RegisteredClient(BaseModel):
    """A client of the built-in authorization server. Secrets are stored hashed
    (``python -m flightdeck_platform.auth.issuer.secrets`` makes one); a public client has none."""

    client_id: str
    secret_hash: str = Field("", description="pbkdf2_sha256$… of the secret; empty = public.")
    secret_file: str = Field(
        "",
        description="Embedded default: a file holding the secret itself, generated when missing "
        "and hashed when read, so internal services of one machine share it without copying.",
    )
    grant_types: list[str] = Field(["client_credentials"])
    redirect_uris: list[str] = Field(default_factory=list)
    scopes: list[str] = Field(["all", "offline", "access_token"])
    projects: list[str] = Field(
        default_factory=list,
        description="Projects tokens of this client may touch when auth.project_policy is on; "
        "empty = every project.",
    )


def _default_clients() -> list[RegisteredClient]:
    public = ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]
    callback = ["http://localhost:53593/callback"]
    return [
        RegisteredClient(client_id="flytectl", grant_types=public, redirect_uris=callback),
        RegisteredClient(client_id="flyte-cli", grant_types=public, redirect_uris=callback),
        *(
            RegisteredClient(
                client_id=name, secret_file=f"var/auth/clients/{name}", grant_types=machine
            )
            for name in (
                "flytepropeller",
                "flightdeck-executor",
                "flightdeck-scheduler",
                "flightdeck-notifications",
                "flightdeck-dataproxy",
            )
            for machine in (["client_credentials", "refresh_token"],)
        ),
    ]


class LocalUser(BaseModel):
    """A person who logs in to the built-in server's pages (authorization code and device
    flows). Passwords are stored hashed, as client secrets are."""

    username: str
    password_hash: str = Field("", description="pbkdf2_sha256$… of the password.")
    password_file: str = Field(
        "",
        description="Embedded default: a file holding the password itself, generated when "
        "missing and hashed when read.",
    )


def _default_users() -> list[LocalUser]:
    return [LocalUser(username="flightdeck", password_file="var/auth/users/flightdeck")]


class IssuerSettings(BaseModel):
    """The built-in authorization server (served by admin in ``self`` mode)."""

    signing_keys_dir: str = Field(
        "var/auth/signing-keys",
        description="Mounted secret of RSA private keys (PEM, one a file): all are published in "
        "the JWKS, the newest by name signs. Generated with one key when empty. Re-read every "
        "keys_reload_seconds, so a rotation is a new file, then the old one removed later.",
    )
    keys_reload_seconds: float = Field(60.0, gt=0, description="How often keys are re-read.")
    access_token_seconds: int = Field(1800, gt=0, description="Access token lifetime (30 min).")
    refresh_token_seconds: int = Field(
        3600, gt=0, description="Lifetime of each refresh token; every use replaces it."
    )
    authorization_code_seconds: int = Field(
        60, gt=0, description="How long an authorization code may wait to be redeemed."
    )
    device_code_seconds: int = Field(
        600, gt=0, description="How long a device code waits for its user's approval."
    )
    device_poll_seconds: int = Field(
        5, gt=0, description="Device flow: the polling interval asked of clients."
    )
    clients: list[RegisteredClient] = Field(default_factory=_default_clients)
    users: list[LocalUser] = Field(
        default_factory=_default_users,
        description="Who may log in; the default is one user whose password is generated.",
    )


class ServiceAccount(BaseModel):
    """How this service authenticates its own outgoing calls (client credentials)."""

    client_id: str = Field("", description="Empty = calls carry no token.")
    secret_file: str = Field("", description="File holding the client secret.")
    token_url: str = Field(
        "", description="Token endpoint; empty = the issuer's, from its metadata document."
    )
    scopes: list[str] = Field(["all"])


class AuthSettings(BaseModel):
    enabled: bool = Field(
        False, description="Require a valid bearer token on every non-anonymous RPC."
    )
    mode: Literal["self", "external"] = Field(
        "self",
        description="self: tokens from the built-in server admin hosts; external: from the OIDC "
        "issuer named by `issuer`, whose metadata document is read at start-up.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8088",
        description="The deployment's public HTTP URL (the edge): the self mode's issuer and the "
        "audience its tokens carry.",
    )
    issuer: str = Field(
        "", description="Expected `iss`; self mode defaults to public_url. External: required."
    )
    metadata_url: str = Field(
        "",
        description="Where the issuer's metadata is read; empty = "
        "<issuer>/.well-known/oauth-authorization-server.",
    )
    allowed_audiences: list[str] = Field(
        default_factory=list,
        description="Accepted `aud` values; empty = [public_url] (the reference's default).",
    )
    required_scope: str = Field("all", description="Scope a token must carry.")
    authorization_header: str = Field(
        DEFAULT_HEADER, description="Header read besides `authorization` (flytekit's)."
    )
    jwks_refresh_seconds: float = Field(
        300.0, gt=0, description="How long fetched signing keys are trusted before a re-read."
    )
    leeway_seconds: float = Field(30.0, ge=0, description="Clock skew tolerated on exp/nbf.")
    project_policy: bool = Field(
        False,
        description="Limit each client to its registered projects (PERMISSION_DENIED otherwise).",
    )
    public_client_id: str = Field("flytectl", description="GetPublicClientConfig's client_id.")
    redirect_uri: str = Field("http://localhost:53593/callback")
    public_scopes: list[str] = Field(["all", "offline"])
    audience: str = Field("", description="GetPublicClientConfig's audience.")
    issuer_server: IssuerSettings = IssuerSettings()
    service_account: ServiceAccount = ServiceAccount()

    def expected_issuer(self) -> str:
        return (self.issuer or self.public_url).rstrip("/") if self.mode == "self" else self.issuer

    def audiences(self) -> list[str]:
        return self.allowed_audiences or [self.public_url.rstrip("/")]

    def metadata_location(self) -> str:
        base = (self.issuer or self.public_url).rstrip("/")
        return self.metadata_url or f"{base}/.well-known/oauth-authorization-server"
