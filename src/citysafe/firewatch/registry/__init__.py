"""The device registry: networked units, buildings, UITDs, fire systems, components, IoT devices and
maintenance windows, their Excel import, and the cache the ingest path reads them through."""
