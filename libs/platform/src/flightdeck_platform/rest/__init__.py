"""A generic REST gateway serving our gRPC services over HTTP/JSON, grpc-gateway style."""

from flightdeck_platform.rest.gateway import RestGateway

__all__ = ["RestGateway"]
