"""Settings, read from the environment (prefix ``CITYSAFE_``) at the edges and passed down explicitly.

``get_settings()`` reads the environment afresh; only entry points call it (the CLI, ``create_app()``
without settings, Alembic). Everything below takes the settings of its application's context.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from citysafe.core.security import normalise_origins

DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYSAFE_", extra="ignore")

    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite under data_dir")
    data_dir: Path = DEFAULT_DATA_DIR
    secret_key: str = Field(default="", description="signs tokens and cookies; generated per data dir if empty")
    token_ttl_seconds: int = 12 * 3600
    tile_url: str = Field(default="", description="optional basemap tile URL template, e.g. Tianditu")
    tile_attribution: str = ""
    timezone: str = "Asia/Shanghai"
    root_region: str = "320000"
    # Uploads (core.uploads, core.sheets; issue #10 finding 3). One file: 10 MB holds the largest register
    # the import templates are for (50,000 rows is about 3 MB as .xlsx) and a phone photo several times over.
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # A whole request body, refused with 413 before it is spooled: a console form carries a few photos of at
    # most upload_max_bytes each; nothing else the platform takes comes near it.
    request_max_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    # An OSM road file sent to the API or the console (emergency/routing): a prefecture-level city's .osm.pbf
    # extract is some 10–40 MB, so 60 MB holds one under the request cap above; a province goes through the CLI
    # (`citysafe roads import`), which reads the file from disk with no cap.
    road_network_max_bytes: int = Field(default=60 * 1024 * 1024, gt=0)
    # Rows and columns read from one sheet: a district's fire registry (a high-rise alone has thousands of
    # detectors) fits in 50,000 rows; the templates use at most 25 columns, 64 leave room for notes.
    sheet_max_rows: int = Field(default=50_000, gt=0)
    sheet_max_columns: int = Field(default=64, gt=0)
    # All parts of a workbook expanded: 50,000 rows x 25 cells x about 40 bytes of XML is 50 MB of sheet, as
    # much again of shared strings; the finding's bomb expanded to 300 MB.
    sheet_max_expanded_bytes: int = Field(default=128 * 1024 * 1024, gt=0)
    # A part expanding more than this many times its compressed size is a bomb: sheets Excel writes compress
    # 5-30 fold (the filled templates about 10), the finding's bomb 400 fold.
    sheet_max_ratio: int = Field(default=100, gt=0)
    # Parts in one workbook: Excel writes about 10 plus 2-3 per sheet.
    sheet_max_members: int = Field(default=500, gt=0)
    # The worker process that parses: its address space (reading the largest allowed sheet peaks near
    # 400 MB; the finding grew the server by 3.3 GB), its time per workbook, and how many run at once.
    sheet_worker_memory_bytes: int = Field(default=1024 * 1024 * 1024, gt=0)
    sheet_worker_timeout_seconds: float = Field(default=60, gt=0)
    sheet_workers: int = Field(default=2, gt=0)
    # Cross-site defences (web/guard.py, docs/security.md): the addresses users reach the console at when a
    # reverse proxy rewrites the Host header, and the proxies whose X-Forwarded-Proto/-For are believed.
    console_origins: str = Field(default="", description="comma-separated origins of the console behind a "
                                 "proxy, e.g. 'https://aq.example.cn'; the request's own host always counts")
    trusted_proxies: str = Field(default="", description="comma-separated IPs/CIDRs of reverse proxies whose "
                                 "X-Forwarded-Proto/-For are believed ('*': any); empty: none")
    # Failed logins one client address may make, over every account, per moving window (auth/login.py).
    login_failures_per_address: int = Field(default=30, gt=0)
    login_failure_window_seconds: int = Field(default=600, gt=0)
    # Worker threads for background jobs (core/jobs.py): white papers and other long work.
    job_workers: int = Field(default=2, gt=0)
    # Large imports (issue #10, finding 1): rows written per short transaction, so the write lock is held for
    # one batch (well under a second) and the fire gateway's alarms are stored between batches; the pause
    # after each batch on SQLite outlasts its busy handler's longest sleep (100 ms), so a waiting writer
    # wakes while the lock is free instead of losing it to the next batch; files of more rows than
    # import_job_rows run as background jobs with their progress shown.
    import_batch_rows: int = Field(default=500, gt=0)
    import_batch_pause_seconds: float = Field(default=0.12, ge=0)
    import_job_rows: int = Field(default=2000, gt=0)
    # Hazards (citysafe.hazards): days to rectify by level, the period after which an overdue ticket climbs
    # one region level, how often the overdue sweep runs, and optional replacements for the packaged
    # major-hazard judging standards and GB 30871 permit rules (JSON in the packaged files' format).
    hazard_deadline_days_general: int = Field(default=30, gt=0)
    hazard_deadline_days_major: int = Field(default=90, gt=0)
    hazard_escalation_days: float = Field(default=7, gt=0)
    # Evaluation (citysafe.evaluation.workflow): days the 拟命名名单 stays on public 公示 for objections. [U] the
    # plan names no length; 7 days is the usual 公示期 of provincial namings.
    evaluation_publicity_days: int = Field(default=7, gt=0)
    hazard_sweep_seconds: float = Field(default=300, gt=0)
    hazard_standards_file: Path | None = None
    hazard_permit_rules_file: Path | None = None
    # emergency/data/rules.json replaced: categories, grade thresholds, 补报 windows, response levels.
    emergency_rules_file: Path | None = None
    # Warnings (emergency/warnings, docs/warnings.md). The level table replaced (levels.json format); the CAP
    # <sender>; the 3-digit GB/T 4657 industry code in the GB/T 35965.1 sender unit code (ZZZZZZ DDD 000 00);
    # the XML-DSig key and certificate (PEM). Without key/cert a self-signed pair is made once in data_dir.
    warning_levels_file: Path | None = None
    warning_sender: str = Field(default="citysafe@yjj.example.cn", max_length=200,
                                description="CAP <sender>: the issuing system's address")
    warning_industry_code: str = Field(default="000", pattern=r"^\d{3}$",
                                       description="GB/T 4657 organisation industry code (3 digits) of the issuer")
    warning_signing_key_file: Path | None = None
    warning_signing_cert_file: Path | None = None
    hazard_export_max_rows: int = Field(default=100_000, gt=0)
    hazard_stats_cache_seconds: float = Field(default=30, ge=0, description="0: statistics always recomputed")
    nats_url: str = ""
    # This process's name in a multi-process deployment (deploy/systemd sets web-8001, worker-0-3, …): said by
    # the health endpoint and the live stream's hello, so an operator (and the deployment test) knows which
    # process behind the proxy answered.
    instance: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_.@:-]*$")
    # Set by `serve` and `demo` (not by tests, which start many apps in one process): freeze the heap
    # startup loaded and collect less often (core/heap.py).
    settle_heap: bool = False
    # Observability (core/observe.py, core/metrics.py): log lines as JSON for a collector or as text for a
    # terminal; /metrics for loopback peers, or anyone sending this bearer token.
    log_format: Literal["text", "json"] = "text"
    metrics_token: SecretStr = SecretStr("")
    # Worker threads for requests' blocking work (core/threads.py); 0: four per CPU, at least eight.
    request_threads: int = Field(default=0, ge=0)
    # GB/T 26875.3 TCP gateway (citysafe.firewatch.gateway), run by `serve` when a port is set (0 = any free).
    gb26875_host: str = "127.0.0.1"
    gb26875_port: int | None = None
    gb26875_patrol_seconds: int = Field(default=3600, gt=0, le=7200, description="patrol period, ≤ 2 h (GB 50440)")
    gb26875_clock_sync_seconds: int = 24 * 3600
    gb26875_writer: Literal["process", "thread"] = Field(
        default="process", description="who writes gateway frames: a child process (two cores) or a thread")
    gb26875_partitions: int = Field(default=8, gt=0, description="JetStream subject partitions by UITD address")
    gb26875_nats_stream: str = Field(default="CITYSAFE_GB26875", pattern=r"^[A-Za-z0-9_-]+$",
                                     description="JetStream stream of raw frames; its subjects derive from it")
    # What one peer, or a crowd of them, may cost the gateway (firewatch/gateway/guard.py,
    # docs/firewatch-gateway.md "Limits against starvation").
    gb26875_max_connections: int | None = Field(
        default=None, gt=0, description="open UITD connections; default: the open-file limit less a quarter")
    gb26875_max_connections_per_host: int = Field(default=256, gt=0, description="open connections per source IP")
    gb26875_identify_seconds: float = Field(default=15.0, gt=0, description="close a peer with no valid frame by then")
    gb26875_invalid_burst: int = Field(default=20, gt=0, description="invalid frames in a row before a peer is dropped")
    gb26875_penalty_seconds: float = Field(default=60.0, ge=0, description="refuse a dropped peer's IP this long")
    gb26875_memory_budget_mb: int | None = Field(
        default=None, gt=0, description="resident memory of a gateway process past which it refuses new devices")
    # With JetStream, a repeated normal type-21 status (a heartbeat, a patrol answer) is ACKed by the gateway and
    # only its device's last-seen time reaches the workers (firewatch/gateway/heartbeats.py); one per device is
    # still stored as a raw frame every this many seconds, for audit. 0: store every one.
    gb26875_heartbeat_sample_seconds: int = Field(
        default=3600, ge=0, description="store one keep-alive per device this often; 0 stores all")
    mqtt_url: str = ""
    # Risk map and dynamic levels (citysafe.risk): the default H3 resolution of the map, the rules by
    # which open hazards and live alarms raise a source's level (empty: the built-in rules), the
    # weighted aggregation rule's parameters, and the GB 18218 grade → level mapping (empty: built-in).
    risk_h3_resolution: int = 7
    risk_dynamic_rules: list[dict[str, Any]] = Field(default_factory=list)
    risk_weighted_rule: dict[str, Any] = Field(default_factory=dict)
    risk_gb18218_grade_levels: dict[str, str] = Field(default_factory=dict)
    risk_match_radius_m: float = 150.0
    # How long an unverified fire alarm raises its sources by one level. Basis [D]: the monitoring
    # centre patrols every unit at least every 2 h (GB 50440-2007, see gb26875_patrol_seconds), and
    # firewatch escalates an unacknowledged alarm within minutes; an alarm still unverified after one
    # patrol period is a monitoring failure being chased, not fresh evidence of fire.
    risk_fire_alarm_raise_minutes: int = Field(default=120, ge=1, le=1440)
    # The rule a four-colour map uses when none is asked for (risk/maprules.py), and the breaks of the
    # density (score per km²) and share (of orange and red sources) rules; empty: the built-in ones.
    risk_map_rule: Literal["highest", "weighted", "density", "share"] = "density"
    risk_density_rule: dict[str, Any] = Field(default_factory=dict)
    risk_share_rule: dict[str, Any] = Field(default_factory=dict)
    # firewatch (fire remote monitoring); thresholds are defaults, overridable per IoT device.
    firewatch_unregistered_region: str = Field(default="", description="region of unbound devices; empty = root")
    firewatch_dedup_window_seconds: int = 600
    firewatch_flap_changes: int = 6
    firewatch_flap_window_minutes: int = 10
    firewatch_corroboration_seconds: int = 300
    firewatch_remind_minutes: int = 3
    firewatch_escalate_minutes: int = 5
    firewatch_fault_overdue_hours: int = 72
    firewatch_offline_minutes: int = 150
    firewatch_retention_days: int = 366
    firewatch_timer_seconds: int = 30
    # How a confirmed fire reaches 119 (firewatch/alarms/forwarding.py, docs/notifications.md): through
    # core.outbound's webhook channel, or `log` — nothing is sent and the operator phones 119 and records it.
    firewatch_forwarder: Literal["log", "webhook"] = Field(
        default="log", description="119 forwarder: log (the operator phones 119) or webhook")
    firewatch_forward_url: str = Field(default="", description="the 119 webhook's URL (firewatch_forwarder=webhook)")
    firewatch_forward_timeout_seconds: float = Field(default=3.0, gt=0)
    # Who is told of an alarm left unacknowledged (firewatch/alarms/notify.py, docs/notifications.md).
    firewatch_notifier: Literal["log", "webhook"] = Field(
        default="log", description="reminder/escalation notifier: log (nothing sent) or webhook (SMS/voice gateway)")
    firewatch_notify_url: str = Field(default="", description="SMS/voice gateway URL (firewatch_notifier=webhook)")
    firewatch_notify_timeout_seconds: float = Field(default=5.0, gt=0)
    firewatch_mqtt_topics: str = "citysafe/iot/#"
    firewatch_mqtt_writer: Literal["process", "thread"] = Field(
        default="process", description="who writes MQTT batches: a child process (two cores) or a thread")
    firewatch_mqtt_writers: int = Field(
        default=0, ge=0, le=8,
        description="MQTT writer processes, each storing its share of the devices (one device always to the "
                    "same one, in order); 0: two (each parses its batch while the other writes)")
    firewatch_mqtt_broker_config: str = Field(
        default="/etc/mosquitto/mosquitto.conf",
        description="the broker's mosquitto.conf, read at start-up to check its queue settings (when readable)")
    firewatch_mqtt_backlog: int = Field(
        default=1_000_000, gt=0,
        description="messages the broker must queue for citysafe: the longest outage to ride out × the message "
                    "rate (1,000,000: 10 minutes at about 1,700 messages/s); checked against max_queued_messages")
    firewatch_mqtt_client_id: str = Field(
        default="", max_length=23, pattern=r"^[0-9A-Za-z_-]*$",
        description="MQTT client id; the broker keeps this installation's session (unacked and queued "
                    "messages) under it. Empty: one generated once and kept in data_dir")
    firewatch_http_token: str = Field(default="", description="shared token for HTTP push; empty = login only")
    firewatch_hydrant_low_mpa: float = 0.10
    firewatch_hydrant_high_mpa: float = 1.0
    firewatch_sprinkler_low_mpa: float = 0.10
    firewatch_sprinkler_high_mpa: float = 1.2
    firewatch_residual_current_ma: float = 300.0
    firewatch_cable_temperature_c: float = 70.0
    firewatch_gas_level1_lel: float = 25.0
    firewatch_gas_level2_lel: float = 50.0
    firewatch_water_level_low_m: float = 1.0

    # Messages that leave the platform (citysafe.core.outbound, docs/outbound.md). Channel lists are
    # comma-separated names among log, webhook, email, sms; an unknown name stops build_outbound.
    outbound_channels: str = Field(default="log", description="enabled channels, e.g. 'log,webhook,email,sms'")
    outbound_refuse_drills: str = Field(
        default="", description="channels that refuse drill/test messages (not_sent), e.g. 'webhook' to a live 119")
    outbound_test_only: str = Field(
        default="", description="channels that send only drill/test messages, e.g. a staging SMS gateway")
    outbound_max_attempts: int = Field(default=3, ge=1, le=10,
                                       description="attempts per recipient, the first included")
    outbound_backoff_seconds: float = Field(default=1.0, ge=0,
                                            description="pause before the first retry; doubles each retry")
    outbound_http_concurrency: int = Field(default=8, ge=1, le=64,
                                           description="webhook/SMS POSTs in flight at once for one message")
    outbound_webhook_timeout_seconds: float = Field(default=5.0, gt=0, description="per webhook POST")
    outbound_webhook_token: SecretStr = Field(default=SecretStr(""),
                                              description="sent as 'Authorization: Bearer …' when set")
    outbound_smtp_host: str = Field(default="", description="SMTP server; required when 'email' is enabled")
    outbound_smtp_port: int = Field(default=587, gt=0, le=65535, description="587 submission, 465 ssl, 25 relay")
    outbound_smtp_security: Literal["none", "starttls", "ssl"] = Field(
        default="starttls", description="starttls (587), ssl = implicit TLS (465), none (a local relay)")
    outbound_smtp_from: str = Field(default="", description="From address, e.g. '城市安全平台 <noreply@example.cn>'")
    outbound_smtp_username: str = Field(default="", description="SMTP login; empty: no login")
    outbound_smtp_password: SecretStr = Field(default=SecretStr(""))
    outbound_smtp_timeout_seconds: float = Field(default=10.0, gt=0, description="per SMTP connection step")
    outbound_sms_url: str = Field(default="", description="SMS gateway endpoint; required when 'sms' is enabled")
    outbound_sms_token: SecretStr = Field(default=SecretStr(""),
                                          description="sent as 'Authorization: Bearer …' when set")
    outbound_sms_sign: str = Field(default="", description="SMS signature (签名) the gateway shows as 【…】")
    outbound_sms_headers: dict[str, str] = Field(default_factory=dict,
                                                 description="extra request headers (JSON), e.g. an app key")
    outbound_sms_timeout_seconds: float = Field(default=5.0, gt=0, description="per SMS gateway POST")

    @field_validator("console_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        return normalise_origins(value)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'citysafe.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once and kept beside the embedded database."""
        import secrets

        return self.secret_key or self._kept("secret.key", lambda: secrets.token_urlsafe(48), private=True)

    def resolved_mqtt_client_id(self) -> str:
        """The configured MQTT client id, else one generated once and kept in the data dir.

        Stable across restarts, since the broker queues messages for a persistent session under this id; and
        random rather than derived from a path or URL, which two installations (hosts, containers) often
        share — two subscribers with one id would take the session from each other in turn.
        """
        import secrets

        return self.firewatch_mqtt_client_id or self._kept("mqtt-client-id", lambda: f"citysafe-{secrets.token_hex(6)}")

    def _kept(self, name: str, generate: Callable[[], str], *, private: bool = False) -> str:
        """The value in ``data_dir/name``, generated and written there the first time it is asked for."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / name
        if not path.exists():
            # Written aside and linked into place: of two processes starting at once, one value wins whole.
            draft = path.with_name(f".{name}.{os.getpid()}")
            draft.write_text(generate(), encoding="utf-8")
            if private:
                draft.chmod(0o600)
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
            draft.unlink()
        return path.read_text(encoding="utf-8").strip()


def get_settings() -> Settings:
    """The environment's settings, read now (not cached: nothing in the process keeps them)."""
    return Settings()
