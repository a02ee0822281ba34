"""The demo city's hazard work: built by `citysafe demo`, usable through the API with the printed password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citysafe.core.config import Settings


@pytest.mark.timeout(300)  # builds the whole demo city in a subprocess: 68 s on a loaded machine
def test_demo_city_has_the_whole_loop(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    env = os.environ | {"CITYSAFE_DATABASE_URL": "", "CITYSAFE_DATA_DIR": str(data_dir)}
    built = subprocess.run([sys.executable, "-m", "citysafe", "demo", "--no-serve", "--data-dir", str(data_dir)],
                           capture_output=True, text=True, env=env, timeout=600)
    assert built.returncode == 0, built.stderr
    password = next(line.split(":", 1)[1].strip() for line in built.stdout.splitlines() if "password" in line)
    # A second start (as `make demo` again) serves the same city with the same password; it builds nothing.
    again = subprocess.run([sys.executable, "-m", "citysafe", "demo", "--no-serve", "--data-dir", str(data_dir)],
                           capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"password for every demo account: {password}" in again.stdout and "kept" in again.stdout
    assert again.stdout.count("user ") == built.stdout.count("user ")
    from citysafe.api import create_app

    app = create_app(Settings(data_dir=data_dir, database_url="", secret_key="demo-test"))
    with TestClient(app) as client:
        def login(username: str) -> dict[str, str]:
            token = client.post("/api/v1/auth/token", data={"username": username, "password": password})
            assert token.status_code == 200, token.text
            return {"Authorization": f"Bearer {token.json()['access_token']}"}

        xuanwu = login("xuanwu")
        stats = client.get("/api/v1/hazards/stats", headers=xuanwu).json()
        assert stats["total"] > 30 and stats["closed"] > 0 and stats["overdue"] > 0
        assert {s["key"] for s in stats["by_state"]} >= {"reported", "assigned", "rectifying", "closed"}
        closed = client.get("/api/v1/hazards/tickets", headers=xuanwu, params={"state": ["closed"], "size": 1}).json()
        detail = client.get(f"/api/v1/hazards/tickets/{closed['items'][0]['id']}", headers=xuanwu).json()
        assert [s["action"] for s in detail["steps"]][-1] == "close" and detail["attachments"]
        photo = client.get(detail["attachments"][0]["url"], headers=xuanwu)
        assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
        grids = client.get("/api/v1/hazards/grids", headers=xuanwu).json()
        assert len(grids) >= 6 and any(g["officers"] for g in grids)
        assert client.get("/api/v1/hazards/permits/flags", headers=login("nanjing")).json()["conflict"] >= 2
        punished = client.get("/api/v1/hazards/joint-punishments", headers=xuanwu, params={"active": "true"}).json()
        assert punished["total"] == 1
        enterprise = login("qiye")
        own = client.get("/api/v1/hazards/tickets", headers=enterprise).json()
        assert own["total"] > 0
        assert {t["organization"]["id"] for t in own["items"]} == {own["items"][0]["organization"]["id"]}
        grid_officer = login("grid")
        assert client.get("/api/v1/hazards/tasks", headers=grid_officer, params={"mine": "true"}).json()["total"] > 0
