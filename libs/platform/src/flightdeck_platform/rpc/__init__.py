"""gRPC serving: method names, error mapping, interceptors and the server bootstrap."""
