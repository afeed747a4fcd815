"""The built-in authorization server: RS256 signing keys from a mounted directory, registered
clients with hashed secrets, local users, the client-credentials, authorization-code (PKCE),
device-code and refresh-token grants, and the OAuth 2 metadata and JWKS documents. Admin hosts
it (``routes``, ``login``) as flyteadmin does, and gives it a shared store (``pending``)."""
