"""Authentication every service shares: bearer JWTs validated against an issuer's keys, the
reference's anonymous allow-list, the caller's principal for the handlers, and the service
accounts internal callers present. ``issuer`` is the built-in authorization server admin hosts.

Off by default (the embedded ``make run``); ``auth.enabled`` turns it on.
"""
