"""A small criteria document the tests bend one way or another (a dict, so each test can break one thing)."""

from __future__ import annotations

import copy
from typing import Any

SMALL: dict[str, Any] = {
    "id": "small", "version": "t1", "title": "测试评分标准", "kind": "demonstration", "total": 10,
    "items": [
        {"id": "1", "no": "一、", "title": "源头治理", "points": 6, "children": [
            {"id": "1.1", "no": "1.", "title": "规划", "points": 6, "children": [
                {"id": "1.1.1", "no": "(1)", "title": "专项规划", "points": 2,
                 "rules": [{"type": "per_finding", "id": "a", "text": "每发现一处扣0.5分，2分扣完为止",
                            "deduction_each": 0.5}]},
                {"id": "1.1.2", "no": "(2)", "title": "老旧管网", "points": 2,
                 "rules": [{"type": "per_finding", "id": "a", "deduction_each": 0.2, "cap": 1},
                           {"type": "threshold", "id": "b", "metric": "改造率", "unit": "%", "op": "lte",
                            "limit": 80, "deduction": 1}]},
                {"id": "1.1.3", "no": "(3)", "title": "管理办法", "points": 2,
                 "rules": [{"type": "binary", "id": "a", "text": "制定管理办法"}]},
            ]},
        ]},
        {"id": "2", "no": "二、", "title": "风险防控", "points": 4, "children": [
            {"id": "2.2", "no": "2.", "title": "工业企业", "points": 4, "children": [
                {"id": "2.2.4", "no": "(4)", "title": "危化品", "points": 4, "rules": []},
            ]},
        ]},
    ],
    "bonus": {"cap": 3, "items": [
        {"id": "b1", "title": "创新举措", "points": 2,
         "rules": [{"type": "award", "id": "a", "points_each": 1}]},
        {"id": "b2", "title": "特色亮点", "points": 2,
         "rules": [{"type": "award", "id": "a", "points_each": 0.5, "cap": 2}]},
    ]},
    "grades": {"bands": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80}, {"name": "合格", "min": 60},
                         {"name": "不合格", "min": 0}]},
}


def small() -> dict[str, Any]:
    return copy.deepcopy(SMALL)


def leaf(doc: dict[str, Any], first: int, second: int, third: int) -> dict[str, Any]:
    item: dict[str, Any] = doc["items"][first]["children"][second]["children"][third]
    return item
