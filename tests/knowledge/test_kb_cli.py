"""`citysafe knowledge import DIR` as a user runs it (a real process, an embedded database): a folder of
Markdown laws loaded, loaded again without duplicates, searched; bad input exits 2 with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.knowledge.kb_samples import EMPTY, FIRE_LAW, SAFETY_LAW, corpus_folder

CITYSAFE = [sys.executable, "-m", "citysafe"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CITYSAFE, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One embedded database for the module (the bad-input cases write nothing to it)."""
    env = os.environ | {"CITYSAFE_DATA_DIR": str(tmp_path_factory.mktemp("kbcli")), "CITYSAFE_DATABASE_URL": ""}
    assert run(["db", "upgrade"], env).returncode == 0
    return env


def test_import_a_folder_twice_then_search(env: dict[str, str], tmp_path: Path) -> None:
    folder = corpus_folder(tmp_path, SAFETY_LAW, FIRE_LAW, EMPTY)
    first = run(["knowledge", "import", str(folder)], env)
    assert first.returncode == 0, first.stderr
    loaded = json.loads(first.stdout)
    assert (loaded["created"], loaded["articles"], loaded["documents"]) == (2, 193, 2)
    assert len(loaded["skipped"]) == 1
    second = json.loads(run(["knowledge", "import", str(folder)], env).stdout)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2)
    found = run(["knowledge", "search", "风险分级管控", "--size", "1"], env)
    assert found.returncode == 0, found.stderr
    top = json.loads(found.stdout)["items"][0]
    assert (top["title"], top["article"]) == ("中华人民共和国安全生产法", "第四十一条")
    cited = json.loads(run(["knowledge", "cite", "《消防法》第二十八条"], env).stdout)
    assert cited["citations"][0]["article_id"] is not None


@pytest.mark.parametrize(("args", "expected"), [
    (["knowledge", "import", "/no/such/folder"], "not a folder"),
    (["knowledge", "search", "  "], "q:"),
    (["knowledge", "search", "火灾", "--kind", "poem"], "--kind"),
    (["knowledge", "import-file", "/no/such.docx"], "cannot read"),
])
def test_bad_input_exits_2_with_one_line(env: dict[str, str], args: list[str], expected: str) -> None:
    done = run(args, env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_folder_without_laws_exits_2(env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    (empty / "notes.md").write_text("just notes", encoding="utf-8")
    done = run(["knowledge", "import", str(empty)], env)
    assert done.returncode == 2 and "no law" in done.stderr
