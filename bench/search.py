"""Knowledge search at scale (issue #15, Speed): the library with >= 100,000 documents — the 183 shipped laws
split by article (9,368) plus generated accident cases — and 200 realistic queries, on SQLite and on
PostgreSQL. Each query goes through ``knowledge.service.search_page`` (segmentation, the posting table,
BM25 in Python, snippets), the API's own path below HTTP. The baseline, in the same run on the same table: a LIKE scan
of the raw text for every word of the query (``knowledge.search.like_search``).

    .venv/bin/python bench/search.py [--cases 91000] [--backends sqlite,postgresql] [--like-queries 200]
        [--sqlite-file /tmp/kb.db --postgres-db citysafe_kb]   # keep the loaded library; later runs reuse it

Prints one JSON object: per backend the load time, the latencies (ms: p50, p95, p99, max) of search and of
the LIKE baseline and their ratio (``like_over_search``: LIKE's p50 and p95 over search's), and whether both
databases answered every query identically (totals, titles, articles, order, snippets, scores; and the ids).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from citysafe.core.config import Settings
from citysafe.core.db import create_db_engine, unit_of_work
from citysafe.core.migrate import upgrade
from citysafe.core.pagination import PageParams
from citysafe.knowledge import search as index
from citysafe.knowledge import service
from citysafe.knowledge.models import KnowledgeDocument
from citysafe.registry import load_models, new_context

ADMIN_URL = os.environ.get("CITYSAFE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

INDUSTRIES = ("危险化学品", "建筑施工", "工贸", "燃气", "特种设备", "道路运输", "人员密集场所", "市政公用",
              "冶金", "粉尘涉爆", "涉氨制冷", "仓储物流", "居民住宅", "水上交通", "自然灾害")
ACCIDENTS = (("动火作业", "爆炸"), ("有限空间", "中毒窒息"), ("液化石油气", "泄漏爆炸"),
             ("塔式起重机", "倒塌"), ("深基坑", "坍塌"), ("电动自行车", "火灾"), ("铝粉尘", "爆炸"),
             ("液氨", "泄漏中毒"), ("电梯", "剪切伤害"), ("高处作业", "坠落"), ("熔融金属", "喷溅灼烫"),
             ("槽罐车", "追尾泄漏"), ("仓库", "火灾"), ("脚手架", "坍塌"), ("锅炉", "爆炸"),
             ("叉车", "车辆伤害"), ("配电箱", "触电"), ("冷库", "火灾"), ("渣土车", "碾压"),
             ("暴雨", "内涝溺亡"))
PLACES = ("玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区", "雨花台区", "江宁区", "六合区", "溧水区",
          "高淳区", "江北新区")
UNITS = ("化工有限公司", "建设工程有限公司", "金属制品有限公司", "物流有限公司", "食品有限公司",
         "物业管理有限公司", "餐饮管理有限公司", "热电有限公司", "燃气有限公司", "机械制造有限公司")
CAUSES = ("作业前未进行气体检测和通风", "未办理特殊作业审批手续", "现场无专人监护",
          "作业人员未经安全培训、无证上岗", "安全风险辨识管控不到位", "隐患排查治理流于形式",
          "消防设施长期停用", "疏散通道被占用堵塞", "电气线路私拉乱接", "未安装可燃气体报警装置",
          "设备超期未检验", "违章指挥、冒险作业", "应急处置不当、盲目施救", "承包商管理缺失",
          "专项施工方案未经审核", "监测数据超预警值未停工", "未配备个体防护用品", "安全生产责任制未落实",
          "主要负责人未履行职责", "监管部门检查不到位", "除尘系统积尘未清扫", "使用不合格软管和减压阀",
          "疲劳驾驶、超速行驶", "制动器故障未及时维修")
LESSONS = ("严格执行特殊作业票证制度", "坚持先通风、再检测、后作业", "落实全员安全生产责任制",
           "加强从业人员安全教育培训", "建立安全风险分级管控和隐患排查治理双重预防机制",
           "保持疏散通道和安全出口畅通", "定期检验检测特种设备", "安装燃气泄漏报警和紧急切断装置",
           "严禁盲目施救，配备应急救援装备", "承包商纳入本单位统一管理", "危险性较大的分部分项工程专家论证",
           "完善应急预案并定期演练", "接入城市安全风险监测预警平台", "加强网格化排查整治")
BASE_QUERIES = ("有限空间作业 中毒", "动火作业 审批", "疏散通道 堵塞", "液化石油气 泄漏", "重大事故隐患",
                "特种设备 检验", "粉尘 爆炸", "危险化学品 储存", "消防设施 维护保养", "安全教育 培训",
                "隐患排查治理", "建筑施工 坍塌", "电动自行车 充电 火灾", "液氨 泄漏", "罚款", "应急预案 演练",
                "主要负责人 职责", "安全生产责任制", "安全风险分级管控", "生产经营单位 从业人员",
                "劳动防护用品", "承包 租赁 安全管理", "高处作业 坠落", "塔式起重机", "燃气 经营 许可",
                "消防 控制室 值班", "人员密集场所 消防", "事故 报告 调查", "烟花爆竹 燃放", "地震 预警",
                "防汛 抗旱", "地质灾害 防治", "道路交通 事故 处理", "危险货物 运输", "锅炉 压力容器",
                "电梯 维护保养", "安全评价 机构", "举报 奖励", "突发事件 应急 响应", "人民防空 工程",
                "职业病 防治", "安全生产 标准化", "挂牌督办", "停产停业 整顿", "行政处罚 罚款",
                "安全设施 三同时", "冶金 熔融金属", "仓储 物流 火灾", "群租房 消防", "燃气 用户 安全",
                "消防车通道", "应急救援 队伍", "安全生产 投入", "监督检查 执法", "事故 教训", "暴雨 内涝",
                "冷库 氨制冷", "叉车 伤害", "脚手架 坍塌", "配电 触电")


def generated_cases(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` accident cases with realistic words (industries, accidents, causes, lessons of the demo city)."""
    rng = random.Random(seed)
    start = date(2005, 1, 1)
    out = []
    for i in range(n):
        thing, what = rng.choice(ACCIDENTS)
        place, unit = rng.choice(PLACES), rng.choice(UNITS)
        day = start + timedelta(days=rng.randrange(7000))
        deaths = rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 6, 9, 10, 12, 31))
        grade = "特别重大" if deaths >= 30 else "重大" if deaths >= 10 else "较大" if deaths >= 3 else "一般"
        causes = "；".join(rng.sample(CAUSES, 3)) + "。"
        lessons = "；".join(rng.sample(LESSONS, 2)) + "。"
        summary = (f"{day.year}年{day.month}月{day.day}日，{place}某{unit}在{thing}过程中发生{what}事故，"
                   f"造成{deaths}人死亡。事故发生后，当地政府立即启动应急响应，组织救援和事故调查。")
        title = f"{place}某{unit}{thing}{what}事故（{i}）"
        out.append({"key": f"bench-case:{seed}:{i}", "kind": "case", "title": title,
                    "industry": rng.choice(INDUSTRIES), "grade": grade, "occurred_on": day, "deaths": deaths,
                    "body": summary, "causes": causes, "lessons": lessons})
    return out


def queries(seed: int) -> list[str]:
    """200 queries: the base ones, then pairs of an accident's words with a cause's or an industry's."""
    rng = random.Random(seed + 1)
    out = list(BASE_QUERIES)
    while len(out) < 200:
        thing, what = rng.choice(ACCIDENTS)
        out.append(rng.choice((f"{thing} {what}", f"{thing} {rng.choice(INDUSTRIES)}",
                               f"{what} {rng.choice(('原因', '教训', '防范措施', '责任'))}", thing)))
    return out[:200]


def _document_row(case: dict[str, Any]) -> dict[str, Any]:
    empty: dict[str, Any] = {"issuer": "", "level": "", "version_date": None, "history": "", "source": "bench",
                             "file_name": "", "place": "", "region_code": "", "injuries": 0, "risk_categories": [],
                             "hazard_ids": [], "incident_ids": [], "created_by": "bench"}
    return empty | case


def load(url: str, cases: list[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
    engine = create_db_engine(url)
    upgrade(engine)
    ctx = new_context(Settings(database_url=url, secret_key="bench"), engine=engine)  # noqa: S106
    began = time.perf_counter()
    with unit_of_work(ctx.session_factory, actor="bench") as session:
        laws = service.import_laws(session, folder=service.CORPUS, actor="bench")
    loaded_laws = time.perf_counter() - began
    pending: Counter[str] = Counter()
    for at in range(0, len(cases), 5000):
        chunk = cases[at:at + 5000]
        with unit_of_work(ctx.session_factory, actor="bench") as session:
            session.execute(insert(KnowledgeDocument), [_document_row(c) for c in chunk])
            ids = dict(session.execute(select(KnowledgeDocument.key, KnowledgeDocument.id)
                                       .where(KnowledgeDocument.key.in_([c["key"] for c in chunk]))).tuples().all())
            index.add_entries(session, [
                {"document_id": ids[c["key"]], "article_id": None, "kind": "case", "title": c["title"], "article": "",
                 "issuer": "", "level": "", "industry": c["industry"], "grade": c["grade"], "day": c["occurred_on"],
                 "text": f"{c['body']}\n{c['causes']}\n{c['lessons']}"} for c in chunk], pending=pending)
    with unit_of_work(ctx.session_factory, actor="bench") as session:
        index.apply_counts(session, pending)
    if engine.dialect.name == "postgresql":  # as autovacuum would after a bulk load: statistics and visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE knowledge_entry"))
            conn.execute(text("VACUUM ANALYZE knowledge_posting"))
    with ctx.session_factory() as session:
        entries = session.scalar(text("SELECT count(*) FROM knowledge_entry"))
        postings = session.scalar(text("SELECT count(*) FROM knowledge_posting"))
    return ctx, {"entries": int(entries or 0), "postings": int(postings or 0), "law_articles": laws.articles,
                 "cases": len(cases), "load_laws_s": round(loaded_laws, 1),
                 "load_total_s": round(time.perf_counter() - began, 1)}


def _loaded(url: str, cases: list[dict[str, Any]]) -> Any:
    """The context of a database a run with --sqlite-file/--postgres-db loaded with these same cases, or None:
    loading 100,000 entries costs minutes on a shared machine, measuring them again does not need it."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            held = conn.execute(text("SELECT count(*) FROM knowledge_document WHERE key LIKE :k"),
                                {"k": cases[0]["key"].rsplit(":", 1)[0] + ":%"}).scalar() if cases else 0
    except SQLAlchemyError:  # no such database, or no schema yet: load it
        engine.dispose()
        return None
    if held != len(cases):
        engine.dispose()
        return None
    return new_context(Settings(database_url=url, secret_key="bench"), engine=engine)  # noqa: S106


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2),
            "mean": round(statistics.fmean(ordered), 2)}


def measure(ctx: Any, qs: list[str], like_count: int) -> tuple[dict[str, Any], list[Any]]:
    params = PageParams(page=1, size=10)
    answers, search_ms, like_ms, totals = [], [], [], []
    with ctx.session_factory() as session:
        for q in qs[:20]:  # warm the caches of the database and the segmenter
            service.search_page(session, query=q, filters=index.Filters(), params=params)
        for q in qs:
            began = time.perf_counter()
            page = service.search_page(session, query=q, filters=index.Filters(), params=params)
            search_ms.append((time.perf_counter() - began) * 1000)
            totals.append(page.total)
            seen = [(i.title, i.kind, i.article, i.snippet, i.score, i.id) for i in page.items]
            answers.append((q, page.total, seen))
        for q in qs[:like_count]:
            began = time.perf_counter()
            index.like_search(session, query=q, limit=10)
            like_ms.append((time.perf_counter() - began) * 1000)
    searched, liked = percentiles(search_ms), percentiles(like_ms)
    ratio = {q: round(liked[q] / searched[q], 1) for q in ("p50", "p95") if searched[q]}
    return {"search_ms": searched, "like_ms": liked, "like_over_search": ratio, "like_queries": len(like_ms),
            "load_average": round(os.getloadavg()[0], 1),
            "queries_with_results": sum(1 for t in totals if t), "results_median": statistics.median(totals)}, answers


def _seen(answers: list[Any]) -> list[Any]:
    return [(q, total, [item[:-1] for item in items]) for q, total, items in answers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=91_000, help="generated cases (laws give 9,368 articles)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--like-queries", type=int, default=200, help="queries also run as the LIKE baseline")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--sqlite-file", help="keep SQLite's library in this file; measure on it if loaded already")
    parser.add_argument("--postgres-db", help="keep PostgreSQL's library in this database; likewise")
    args = parser.parse_args()
    load_models()
    cases, qs = generated_cases(args.cases, args.seed), queries(args.seed)
    result: dict[str, Any] = {"queries": len(qs), "backends": {}}
    answers: dict[str, list[Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            kept = args.sqlite_file if backend == "sqlite" else args.postgres_db
            admin, name = None, kept or f"citysafe_bench_search_{os.getpid()}"
            if backend == "sqlite":
                url = f"sqlite:///{Path(kept) if kept else Path(folder) / 'search.db'}"
            else:
                admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
                url = admin.url.set(database=name).render_as_string(hide_password=False)
            ctx, loaded = (_loaded(url, cases) if kept else None), {}
            if ctx is None:
                if admin is not None:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                        conn.execute(text(f'CREATE DATABASE "{name}"'))
                ctx, loaded = load(url, cases)
            figures, answers[backend] = measure(ctx, qs, args.like_queries)
            result["backends"][backend] = loaded | figures | ({"kept": kept} if kept else {})
            ctx.engine.dispose()
            if admin is not None and not kept:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            print(f"{backend}: {json.dumps(result['backends'][backend], ensure_ascii=False)}", file=sys.stderr)
    if len(answers) == 2:
        first, second = answers.values()
        # Ids are the databases' own (a PostgreSQL sequence skips what a rolled-back insert took): the answers are
        # compared by what a reader sees — totals, titles, articles, snippets, scores, order — and ids apart.
        result["identical_answers"] = _seen(first) == _seen(second)
        result["identical_ids"] = first == second
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
