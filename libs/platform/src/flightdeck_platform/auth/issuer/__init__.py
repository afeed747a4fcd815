"""The built-in authorization server: RS256 signing keys from a mounted directory, registered
clients with hashed secrets, the client-credentials and refresh-token grants, and the OAuth 2
metadata and JWKS documents. Admin hosts it (``routes``) as flyteadmin does."""
