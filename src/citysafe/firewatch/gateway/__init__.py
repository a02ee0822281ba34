"""The GB/T 26875.3 TCP gateway: connections, group commit and ACK, the sinks that make frames durable,
the downlink (patrol, clock sync, 查岗) and the service that runs them inside the web app."""
