"""Settings, read once from the environment (prefix ``CITYSAFE_``) and passed down explicitly."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    upload_max_bytes: int = 10 * 1024 * 1024
    nats_url: str = ""
    mqtt_url: str = ""

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'citysafe.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The configured key, else one generated once and kept beside the embedded database."""
        if self.secret_key:
            return self.secret_key
        import secrets

        self.data_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.data_dir / "secret.key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            key_file.chmod(0o600)
        return key_file.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
