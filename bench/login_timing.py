"""Benchmark: does a failed login tell, by its status or its time, whether the account exists or is locked?
(issue #10 finding 6: a real username took 445 ms where an unknown one took 56 ms, and a locked one answered
429 where an unknown one answered 401.)

An app on a temporary SQLite file, driven in-process; for each case the median of ``--attempts`` logins,
interleaved round by round: an unknown username, a wrong password of a real account (a fresh account each
time, so none locks), an inactive account, and a locked account given its right password. Prints JSON:
status codes and medians (ms).

    .venv/bin/python bench/login_timing.py [--attempts 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=15)
    args = parser.parse_args()
    os.environ["CITYSAFE_LOGIN_FAILURES_PER_ADDRESS"] = "1000000"  # this bench measures time, not the limit
    from citysafe.api import create_app
    from citysafe.auth import service as auth_service
    from citysafe.auth.models import User
    from citysafe.auth.schemas import UserCreate
    from citysafe.core.config import Settings
    from citysafe.core.db import unit_of_work
    from citysafe.core.migrate import upgrade
    from citysafe.regions import service as regions_service
    from citysafe.registry import new_context

    with tempfile.TemporaryDirectory(prefix="citysafe-bench-login-") as tmp:
        ctx = new_context(Settings(data_dir=Path(tmp), database_url=""))
        upgrade(ctx.engine)
        n = args.attempts
        with unit_of_work(ctx.session_factory, actor="bench") as session:
            regions_service.import_packaged_jiangsu(session)
            for name in [f"real{i}" for i in range(n)] + ["retired", "locked"]:
                auth_service.create_user(session, user_in=UserCreate(
                    username=name, password="correct-horse", role="admin", region_code="320000"))  # noqa: S106
            session.execute(update(User).where(User.username == "retired").values(active=False))
        with TestClient(create_app(ctx=ctx)) as client:
            def timed(username: str, password: str) -> tuple[int, float]:
                started = time.perf_counter()
                answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
                return answer.status_code, (time.perf_counter() - started) * 1000

            for _ in range(6):
                timed("locked", "guess-guess")
            # Interleaved, one of each case per round, so a burst of load on the machine hits every case alike.
            attempts = {
                "unknown user": lambda i: timed(f"nobody{i}", "guess-guess"),
                "wrong password": lambda i: timed(f"real{i}", "guess-guess"),
                "inactive account": lambda i: timed("retired", "correct-horse"),
                "locked account, right password": lambda i: timed("locked", "correct-horse"),
            }
            cases: dict[str, list[tuple[int, float]]] = {case: [] for case in attempts}
            for i in range(n):
                for case, attempt in attempts.items():
                    cases[case].append(attempt(i))
    result: dict[str, Any] = {case: {"statuses": dict(Counter(str(s) for s, _ in runs)),
                                     "median_ms": round(statistics.median(ms for _, ms in runs), 1)}
                              for case, runs in cases.items()}
    print(json.dumps({"attempts_each": n, "cases": result}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
