from __future__ import annotations


def split_method(full_method: str) -> tuple[str, str]:
    """``/flyteidl.service.AdminService/GetTask`` → (``flyteidl.service.AdminService``,
    ``GetTask``)."""
    service, _, method = full_method.lstrip("/").partition("/")
    return service, method
