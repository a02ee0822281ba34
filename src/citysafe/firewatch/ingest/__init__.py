"""What devices send, in: GB/T 26875.3 frames and IoT messages (MQTT, HTTP, CTWing) stored, decoded into
point reports and handed to the alarm store; the gateway's writer process and the NATS ingest worker."""
