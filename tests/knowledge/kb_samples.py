"""Small laws in the corpus format (knowledge/corpus/laws/README.md) and helpers for the knowledge tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from citysafe.knowledge import service

SAFETY_LAW = "安全生产法(2021-06-10).md"
FIRE_LAW = "消防法(2021-04-29).md"
SHANGHAI = "上海市安全生产条例(2018-05-24).md"
EMPTY = "汕头经济特区突发公共卫生事件应急条例(2022-05-30).md"  # a title and history, no article


def corpus_folder(tmp_path: Path, *names: str) -> Path:
    """A folder holding a few files of the shipped corpus (and its README, which the import leaves aside)."""
    folder = tmp_path / "laws"
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*names, "README.md"):
        shutil.copy(service.CORPUS / name, folder / name)
    return folder
