"""Networked fire-facility monitoring (消防远程监控): one sub-package each for the device protocols
(``protocols``, pure codecs), the GB/T 26875.3 ``gateway``, ``ingest`` (frames and IoT messages in),
the device ``registry``, ``alarms`` (engine, workflow, 119 forwarding, notices, timers) and the ``live``
feed. Other domains use ``firewatch.service``, ``firewatch.schemas``, ``firewatch.events`` and
``firewatch.enums`` only."""
