"""Alarms: the per-point engine (pure), the store that applies point reports, the operator workflow,
forwarding confirmed fires to 119, notices, presence (offline, 查岗), timers and retention."""
