"""Kubernetes naming rules that Flyte applies to project ids and label maps."""

from __future__ import annotations

import re

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253


def is_dns_label(value: str) -> bool:
    return len(value) <= DNS_LABEL_MAX and _DNS_LABEL.fullmatch(value) is not None


def is_qualified_name(value: str) -> bool:
    """``[prefix/]name``: prefix a DNS subdomain, name ≤63 alphanumerics with ``-_.`` inside."""
    prefix, _, name = value.rpartition("/")
    if prefix and not (len(prefix) <= DNS_SUBDOMAIN_MAX and _DNS_SUBDOMAIN.fullmatch(prefix)):
        return False
    return len(name) <= DNS_LABEL_MAX and _NAME_PART.fullmatch(name) is not None


def is_label_value(value: str) -> bool:
    return value == "" or (len(value) <= DNS_LABEL_MAX and _NAME_PART.fullmatch(value) is not None)
