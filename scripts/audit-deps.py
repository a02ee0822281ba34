"""Known-vulnerability audit of the installed dependencies, run by `make test` (issue #10, finding 11).

pip-audit looks every installed distribution up in PyPI's advisory data (PyPI's per-release JSON API,
``/pypi/<name>/<version>/json``). Some build machines (this project's among them) reach PyPI's index and
its per-project JSON but not the per-release one, and pip-audit then skips every dependency. For those,
this script reads the per-project JSON, whose ``vulnerabilities`` list belongs to the latest release: when
the installed version IS the latest, that is the same advisory data pip-audit would have used. A
dependency neither way could audit is not a pass: it is named, and it fails the run when
CITYSAFE_AUDIT_REQUIRED=1 (set that on a CI with full internet). Any known vulnerability fails the run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPORT = Path("var/pip-audit.json")
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"
SKIPPED_VERSION = re.compile(r"\(([^()]+)\)\s*$")


def _latest_release_advisories(name: str, version: str) -> list[str] | None:
    """The advisory ids of ``name`` when ``version`` is its latest release; None when that cannot be told."""
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=20) as answer:  # noqa: S310 (fixed https host)
            project: dict[str, Any] = json.load(answer)
    except (OSError, ValueError):
        return None
    if project.get("info", {}).get("version") != version:
        return None
    return [str(v.get("id")) for v in project.get("vulnerabilities") or []]


def main() -> int:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    pip_audit = Path(sys.executable).with_name("pip-audit")
    run = subprocess.run([str(pip_audit), "--progress-spinner", "off", "--skip-editable", "-f", "json",
                          "-o", str(REPORT)], capture_output=True, text=True, check=False)
    if not REPORT.exists():
        print(f"pip-audit failed to run (exit {run.returncode}): {run.stderr.strip()[-500:]}")
        return 1
    # The project itself (installed editable) is not a dependency to look up.
    dependencies = [d for d in json.loads(REPORT.read_text())["dependencies"]
                    if "editable" not in d.get("skip_reason", "")]
    vulnerable = {d["name"]: [v["id"] for v in d["vulns"]] for d in dependencies if d.get("vulns")}
    skipped = [(d["name"], m.group(1)) for d in dependencies if "skip_reason" in d
               and (m := SKIPPED_VERSION.search(d["skip_reason"]))]
    with ThreadPoolExecutor(max_workers=16) as pool:
        fallback = dict(zip(skipped, pool.map(lambda nv: _latest_release_advisories(*nv), skipped), strict=True))
    not_audited = [f"{name} {version}" for (name, version), ids in fallback.items() if ids is None]
    vulnerable |= {name: ids for (name, _), ids in fallback.items() if ids}
    by_project_json = sum(1 for ids in fallback.values() if ids is not None)
    audited = len(dependencies) - len(not_audited)
    print(f"dependency audit: {len(dependencies)} dependencies, {audited} audited ({by_project_json} of them "
          f"through PyPI's per-project JSON), {len(not_audited)} not audited, {len(vulnerable)} with known "
          f"vulnerabilities (pip-audit report: {REPORT})")
    for name, ids in sorted(vulnerable.items()):
        print(f"  VULNERABLE {name}: {', '.join(ids)}")
    if not_audited:
        print(f"  NOT AUDITED (installed version is not the latest release, and the per-release advisory "
              f"data is out of reach): {', '.join(not_audited)}")
    if vulnerable:
        return 1
    if not_audited and os.environ.get("CITYSAFE_AUDIT_REQUIRED") == "1":
        print("CITYSAFE_AUDIT_REQUIRED=1: dependencies that could not be audited fail the run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
