"""Demo think tank and purchased services for Nanjing: safety-production experts outside emergency's pool beside
the pool emergency seeded, two of the pool on assignment; the catalogue's first edition; four providers (real kinds
of Nanjing firms under invented names) with qualifications (one lapsed), contracts bought by district offices,
service records and evaluations. Names of people and firms, numbers and amounts are invented."""

from __future__ import annotations

import random
from datetime import UTC, date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from citysafe.core.clock import to_local
from citysafe.core.context import context_of
from citysafe.core.pagination import PageParams
from citysafe.knowledge.services import service as services
from citysafe.knowledge.services.schemas import (
    ContractIn,
    EvaluationIn,
    ProviderIn,
    QualificationIn,
    RecordIn,
)
from citysafe.knowledge.thinktank import service as thinktank
from citysafe.knowledge.thinktank.schemas import AvailabilityIn, ExpertCreate
from citysafe.orgs import service as orgs_service
from citysafe.orgs.enums import OrganizationKind
from citysafe.orgs.schemas import OrganizationCreate

TANK = (("刘国平", "safety_management", "320102", "正高级工程师", "江苏省安全生产科学研究院",
         ["安全生产标准化", "双重预防机制"]),
        ("蒋文华", "special_equipment", "320105", "高级工程师", "南京市特种设备安全监督检验研究院",
         ["压力容器", "起重机械"]),
        ("赵雪梅", "occupational_health", "320104", "主任医师", "南京市职业病防治院", ["粉尘危害", "职业病危害评价"]),
        ("钱立军", "construction", "320106", "教授级高工", "中建八局第三建设有限公司", ["深基坑", "高支模"]),
        ("马晓东", "industry_trade", "320111", "高级工程师", "南京钢铁集团安环部", ["有限空间", "冶金煤气"]),
        ("郑颖", "safety_management", "320115", "副教授", "南京工业大学安全科学与工程学院", ["风险评估", "安全培训"]))
PROVIDERS = (("南京宁安安全技术咨询有限公司", "320102", ["B01", "B03", "B07"]),
             ("江苏苏检检测技术有限公司", "320106", ["B02"]),
             ("南京应急培训学校", "320104", ["A01", "B04", "B05"]),
             ("南京市安全生产协会", "320105", ["A01", "B06", "B08"]))

BUYERS = ("玄武区", "鼓楼区", "秦淮区", "建邺区")


def _score(rng: random.Random, base: int) -> dict[str, int]:
    return {k: min(100, max(50, base + rng.randint(-6, 6))) for k in
            ("quality", "timeliness", "expertise", "compliance", "satisfaction")}


def seed_demo(session: Session, rng: random.Random) -> None:
    now = context_of(session).clock.now().astimezone(UTC).replace(second=0, microsecond=0)
    today = to_local(now).date()
    for name, field, code, title, employer, specialities in TANK:
        thinktank.create_expert(session, now=now, today=today, data=ExpertCreate(
            name=name, field=field, region_code=code, title=title, employer=employer, specialities=specialities,
            phone=f"139{rng.randint(10_000_000, 99_999_999)}", emergency_pool=False))
    pool, _ = thinktank.list_experts(session, params=PageParams(size=5), today=today, emergency_only=True)
    if len(pool) >= 2:
        thinktank.set_availability(session, expert_id=pool[0].id, now=now, today=today, data=AvailabilityIn(
            availability="on_assignment", busy_from=today - timedelta(days=2), busy_until=today + timedelta(days=5),
            note="省安委会危化品专项督导"))
        thinktank.set_availability(session, expert_id=pool[1].id, now=now, today=today, data=AvailabilityIn(
            availability="unavailable", busy_from=today + timedelta(days=10), busy_until=today + timedelta(days=24),
            note="出国访问"))
    services.ensure_catalogue(session, now=now)
    items = {i.code: i for i in services.list_items(session)}
    for n, (name, code, offered) in enumerate(PROVIDERS):
        org = orgs_service.create(session, org_in=OrganizationCreate(
            name=name, kind=OrganizationKind.OTHER, region_code=code, sector="安全技术服务"))
        provider = services.create_provider(session, now=now, data=ProviderIn(
            organization_id=org.id, region_code=code, item_codes=offered, contact_name=f"{'王李张陈'[n]}经理",
            contact_phone=f"025-8{rng.randint(1_000_000, 9_999_999)}"))
        lapsed = n == 1  # the testing firm's certificate lapsed last month: the pages flag it
        services.add_qualification(session, provider_id=provider.id, now=now, data=QualificationIn(
            name="安全评价检测检验机构资质" if n < 2 else "安全培训机构备案",
            number=f"苏应急资〔{today.year - 2}〕{n + 11:03d}号",
            issuer="江苏省应急管理厅", issued_on=date(today.year - 2, 3, 1),
            expires_on=today - timedelta(days=20) if lapsed else date(today.year + 2, 2, 28)))
        for k, item_code in enumerate(offered[:2]):
            start = date(today.year, 1, 1) + timedelta(days=30 * k)
            contract = services.create_contract(session, now=now, data=ContractIn(
                provider_id=provider.id, item_id=items[item_code].id,
                number=f"NJ-GM-{today.year}-{n * 10 + k + 1:03d}", title=f"{items[item_code].name}服务项目",
                buyer=f"{BUYERS[n]}应急管理局",
                amount=Decimal(rng.randint(8, 60) * 10_000), starts_on=start, ends_on=date(today.year, 12, 31)))
            for r in range(2):
                done = max(start, min(today, start + timedelta(days=20 + 25 * r)))
                services.add_record(session, contract_id=contract.id, now=now, data=RecordIn(
                    done_on=done, summary=f"完成第{r + 1}批次现场服务并提交书面报告",
                    result=f"覆盖企业{rng.randint(6, 30)}家，出具报告{rng.randint(3, 12)}份"))
            services.evaluate(session, provider_id=provider.id, now=now, data=EvaluationIn(
                contract_id=contract.id, evaluated_on=max(start, min(today, start + timedelta(days=60))),
                evaluator=f"{BUYERS[n]}应急管理局",
                scores=_score(rng, (92, 74, 85, 58)[n])))
    session.flush()
