"""Known-vulnerability audit of the installed dependencies, run by `make test` (issue #10, finding 11).

pip-audit looks every installed distribution up in PyPI's advisory data (the per-release JSON API). The
run fails when any dependency has a known vulnerability. A dependency pip-audit could not look up (the
advisory service unreachable, a package not on PyPI) is not a pass: it is listed by name, and the run
fails too when CITYSAFE_AUDIT_REQUIRED=1 (set it on a CI that has the internet). It is not fatal by
default because some build machines reach PyPI's package index but not its per-release JSON API; the
summary then says plainly that nothing was audited, rather than "no known vulnerabilities".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPORT = Path("var/pip-audit.json")


def main() -> int:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    pip_audit = Path(sys.executable).with_name("pip-audit")
    run = subprocess.run([str(pip_audit), "--progress-spinner", "off", "--skip-editable", "-f", "json",
                          "-o", str(REPORT)], capture_output=True, text=True, check=False)
    if not REPORT.exists():
        print(f"pip-audit failed to run (exit {run.returncode}): {run.stderr.strip()[-500:]}")
        return 1
    report = json.loads(REPORT.read_text())
    # The project itself (installed editable) is not a dependency to look up.
    dependencies = [d for d in report["dependencies"] if "editable" not in d.get("skip_reason", "")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {len(dependencies)} dependencies, {audited} audited, {len(skipped)} not audited, "
          f"{len(vulnerable)} with known vulnerabilities (report: {REPORT})")
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"  VULNERABLE {dep['name']} {dep['version']}: {ids}")
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        print(f"  NOT AUDITED: {', '.join(d['name'] for d in skipped[:12])}{' …' if len(skipped) > 12 else ''}")
        print(f"  reason: {'; '.join(reasons)}")
    if vulnerable:
        return 1
    if skipped and os.environ.get("CITYSAFE_AUDIT_REQUIRED") == "1":
        print("CITYSAFE_AUDIT_REQUIRED=1: dependencies that could not be audited fail the run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
