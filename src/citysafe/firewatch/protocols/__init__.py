"""Device protocols of the fire-monitoring domain.

Each protocol is a pure codec package (bytes in, typed objects out) so that the I/O adapters, the
simulator and the CLI share one implementation that can be tested without sockets.
"""
