"""Status codes of the issue #10 finding 4 and 9 probes against a fresh embedded database, as JSON.

Run against any revision of the code (``PYTHONPATH=<its src> python bench/authz_probe.py``) to compare
before and after with the same method: each probe is one request as the attacker made it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def main() -> None:
    from fastapi.testclient import TestClient

    from citysafe.api import create_app
    from citysafe.auth import service as auth_service
    from citysafe.auth.schemas import UserCreate
    from citysafe.core.config import Settings
    from citysafe.core.db import unit_of_work
    from citysafe.core.migrate import upgrade
    from citysafe.regions import service as regions_service
    from citysafe.registry import new_context

    data_dir = Path(tempfile.mkdtemp(prefix="authz-probe-"))
    ctx = new_context(Settings(data_dir=data_dir, database_url="", secret_key="probe"))  # noqa: S106 - a throwaway database
    upgrade(ctx.engine)
    with unit_of_work(ctx.session_factory, actor="probe") as session:
        regions_service.import_packaged_jiangsu(session)
        for name, role, region in [("admin", "admin", "320000"), ("xw", "district_office", "320102"),
                                   ("qh", "district_office", "320104")]:
            auth_service.create_user(session, user_in=UserCreate(
                username=name, password="probe-password", role=role, region_code=region))  # noqa: S106
    results: dict[str, Any] = {}
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as client:
        def login(name: str) -> dict[str, str]:
            token = client.post("/api/v1/auth/token", data={"username": name, "password": "probe-password"})
            return {"Authorization": f"Bearer {token.json()['access_token']}"}

        admin, xw = login("admin"), login("xw")
        org = client.post("/api/v1/organizations", headers=admin,
                          json={"name": "秦淮某企业", "kind": "enterprise", "region_code": "320104"}).json()["id"]

        def new_user(username: str, role: str, region: str = "320102", **extra: Any) -> int:
            body = {"username": username, "password": "probe-password", "role": role, "region_code": region} | extra
            return client.post("/api/v1/users", headers=xw, json=body).status_code

        results["district_creates_admin"] = new_user("p-admin", "admin")
        results["district_creates_province_office"] = new_user("p-prov", "province_office")
        results["district_creates_enterprise_of_other_district_org"] = new_user("p-ent", "enterprise",
                                                                                organization_id=org)
        results["district_creates_user_with_unknown_org"] = new_user("p-unk", "operator", organization_id=999_999)
        taken = client.post("/api/v1/users", headers=xw, json={"username": "qh", "password": "probe-password",
                                                               "role": "operator", "region_code": "320102"})
        results["taken_username_detail_zh"] = taken.json().get("detail_zh")
        results["logout_then_same_token"] = [client.post("/api/v1/auth/logout", headers=xw).status_code,
                                             client.get("/api/v1/auth/me", headers=xw).status_code]
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
