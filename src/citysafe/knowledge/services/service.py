"""The purchased-services registry: the catalogue (指导目录), providers, qualifications, contracts, service
records and evaluations. Keyword-only, a session, never a commit; a provider's standing is the grade of the mean of
its evaluations' weighted totals (``schemas.STANDING_BANDS``); a qualification past its expiry is flagged."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citysafe.core.db import get_or_404
from citysafe.core.errors import Conflict, NotFound, field_error
from citysafe.knowledge.services.catalogue import CATALOGUE, EDITION
from citysafe.knowledge.services.models import (
    CatalogueItem,
    Contract,
    Evaluation,
    Provider,
    Qualification,
    ServiceRecord,
)
from citysafe.knowledge.services.schemas import (
    STANDING_BANDS,
    STANDING_ZH,
    WEIGHTS,
    ContractIn,
    ContractRead,
    EvaluationIn,
    ItemIn,
    ProviderIn,
    ProviderRead,
    QualificationIn,
    QualificationRead,
    RecordIn,
)
from citysafe.knowledge.thinktank.service import check_division
from citysafe.orgs import service as orgs_service

# --- catalogue ----------------------------------------------------------------------------------------------


def list_items(session: Session, *, edition: str | None = None, active_only: bool = False) -> list[CatalogueItem]:
    stmt = select(CatalogueItem).order_by(CatalogueItem.edition.desc(), CatalogueItem.code)
    if edition:
        stmt = stmt.where(CatalogueItem.edition == edition)
    if active_only:
        stmt = stmt.where(CatalogueItem.active.is_(True))
    return list(session.scalars(stmt))


def ensure_catalogue(session: Session, *, now: datetime) -> int:
    """Load the first edition (``catalogue.CATALOGUE``) into an empty catalogue; how many items were added."""
    if session.scalar(select(func.count()).select_from(CatalogueItem)):
        return 0
    for code, category, name, description, basis in CATALOGUE:
        session.add(CatalogueItem(edition=EDITION, code=code, category=category, name=name, description=description,
                                  basis=basis, active=True, created_at=now, updated_at=now))
    session.flush()
    return len(CATALOGUE)


def save_item(session: Session, *, data: ItemIn, now: datetime, item_id: int | None = None) -> CatalogueItem:
    """Add an item, or change one (``item_id``); an edition's codes are unique."""
    clash = session.scalar(select(CatalogueItem.id).where(CatalogueItem.edition == data.edition,
                                                          CatalogueItem.code == data.code))
    if clash is not None and clash != item_id:
        raise Conflict(detail=f"{data.edition} already has item {data.code}",
                       detail_zh=f"{data.edition}已有编码为 {data.code} 的条目")
    if item_id is None:
        item = CatalogueItem(created_at=now)
        session.add(item)
    else:
        item = get_or_404(session, CatalogueItem, item_id, what="catalogue item", what_zh="目录条目")
    for key, value in data.model_dump().items():
        setattr(item, key, value)
    item.updated_at = now
    session.flush()
    return item


# --- providers and qualifications ---------------------------------------------------------------------------


def _provider(session: Session, provider_id: int) -> Provider:
    return get_or_404(session, Provider, provider_id, what="service provider", what_zh="服务机构")


def standing(mean: float | None) -> str:
    if mean is None:
        return "none"
    return next(name for floor, name in STANDING_BANDS if mean >= floor)


def create_provider(session: Session, *, data: ProviderIn, now: datetime) -> Provider:
    check_division(session, data.region_code)
    try:
        orgs_service.get(session, org_id=data.organization_id)
    except NotFound:
        raise field_error("organization_id", f"no organisation {data.organization_id}",
                          f"单位 {data.organization_id} 不存在或不在您的辖区") from None
    if session.scalar(select(Provider.id).where(Provider.organization_id == data.organization_id).execution_options(
            skip_scope=True)) is not None:
        raise Conflict(detail="this organisation is already a provider", detail_zh="该单位已登记为服务机构")
    known = {i.code for i in list_items(session, active_only=True)}
    unknown = [c for c in data.item_codes if c not in known]
    if unknown:
        raise field_error("item_codes", f"not in the catalogue: {', '.join(unknown)}",
                          f"指导目录中没有：{'、'.join(unknown)}")
    provider = Provider(**data.model_dump(), created_at=now, updated_at=now)
    session.add(provider)
    session.flush()
    return provider


def qualification_read(q: Qualification, *, today: date) -> QualificationRead:
    out = QualificationRead.model_validate(q)
    out.expired = q.expires_on < today
    return out


def add_qualification(session: Session, *, provider_id: int, data: QualificationIn, now: datetime) -> Qualification:
    provider = _provider(session, provider_id)
    if session.scalar(select(Qualification.id).where(Qualification.provider_id == provider_id,
                                                     Qualification.number == data.number)) is not None:
        raise field_error("number", f"certificate {data.number} is already recorded", f"证书编号 {data.number} 已登记")
    q = Qualification(**data.model_dump(), provider_id=provider_id, region_code=provider.region_code,
                      created_at=now, updated_at=now)
    session.add(q)
    session.flush()
    return q


def provider_reads(session: Session, providers: list[Provider], *, today: date) -> list[ProviderRead]:
    """Each provider with its organisation's name, qualifications (expired flagged), counts and standing."""
    ids = [p.id for p in providers]
    quals: dict[int, list[QualificationRead]] = {}
    for q in session.scalars(select(Qualification).where(Qualification.provider_id.in_(ids))
                             .order_by(Qualification.expires_on)):
        quals.setdefault(q.provider_id, []).append(qualification_read(q, today=today))
    contracts = dict(session.execute(select(Contract.provider_id, func.count()).where(Contract.provider_id.in_(ids))
                                     .group_by(Contract.provider_id)).tuples().all())
    scores = {pid: (int(n), float(mean)) for pid, n, mean in session.execute(
        select(Evaluation.provider_id, func.count(), func.avg(Evaluation.total))
        .where(Evaluation.provider_id.in_(ids)).group_by(Evaluation.provider_id)).tuples().all()}
    names = {p.organization_id: orgs_service.get(session, org_id=p.organization_id).name for p in providers}
    out = []
    for p in providers:
        read = ProviderRead.model_validate(p)
        read.name = names[p.organization_id]
        read.qualifications = quals.get(p.id, [])
        read.expired_qualifications = sum(q.expired for q in read.qualifications)
        read.contracts = int(contracts.get(p.id, 0))
        read.evaluations, mean = scores.get(p.id, (0, None))
        read.mean_score = round(mean, 1) if mean is not None else None
        read.standing = standing(read.mean_score)
        read.standing_name = STANDING_ZH[read.standing]
        out.append(read)
    return out


def list_providers(session: Session, *, today: date, item_code: str | None = None) -> list[ProviderRead]:
    providers = list(session.scalars(select(Provider).order_by(Provider.id)))
    if item_code:
        providers = [p for p in providers if item_code in (p.item_codes or [])]
    return provider_reads(session, providers, today=today)


def get_provider(session: Session, *, provider_id: int, today: date) -> ProviderRead:
    return provider_reads(session, [_provider(session, provider_id)], today=today)[0]


# --- contracts, records, evaluations ------------------------------------------------------------------------


def create_contract(session: Session, *, data: ContractIn, now: datetime) -> Contract:
    try:
        provider = _provider(session, data.provider_id)
    except NotFound:
        raise field_error("provider_id", f"no provider {data.provider_id}",
                          f"服务机构 {data.provider_id} 不存在") from None
    item = session.get(CatalogueItem, data.item_id)
    if item is None or not item.active:
        raise field_error("item_id", f"no catalogue item {data.item_id} in force", "指导目录中没有这一在用条目")
    contract = Contract(**data.model_dump(), region_code=provider.region_code, created_at=now, updated_at=now)
    session.add(contract)
    session.flush()
    return contract


def contract_reads(session: Session, contracts: list[Contract]) -> list[ContractRead]:
    items = {i.id: i.name for i in list_items(session)}
    ids = [c.id for c in contracts]
    records = dict(session.execute(select(ServiceRecord.contract_id, func.count())
                                   .where(ServiceRecord.contract_id.in_(ids))
                                   .group_by(ServiceRecord.contract_id)).tuples().all())
    names = {p.id: p.name for p in provider_reads(
        session, list(session.scalars(select(Provider).where(Provider.id.in_({c.provider_id for c in contracts})))),
        today=date.min)}
    out = []
    for c in contracts:
        read = ContractRead.model_validate(c)
        read.item_name, read.provider_name = items.get(c.item_id, ""), names.get(c.provider_id, "")
        read.records = int(records.get(c.id, 0))
        out.append(read)
    return out


def list_contracts(session: Session, *, provider_id: int | None = None) -> list[ContractRead]:
    stmt = select(Contract).order_by(Contract.starts_on.desc(), Contract.id)
    if provider_id is not None:
        stmt = stmt.where(Contract.provider_id == provider_id)
    return contract_reads(session, list(session.scalars(stmt)))


def _contract(session: Session, contract_id: int, field: str | None = None) -> Contract:
    try:
        return get_or_404(session, Contract, contract_id, what="contract", what_zh="服务合同")
    except NotFound:
        if field is None:
            raise
        raise field_error(field, f"no contract {contract_id}", f"服务合同 {contract_id} 不存在") from None


def add_record(session: Session, *, contract_id: int, data: RecordIn, now: datetime) -> ServiceRecord:
    contract = _contract(session, contract_id)
    if not contract.starts_on <= data.done_on <= contract.ends_on:
        raise field_error("done_on", "outside the contract's period",
                          f"不在合同期内（{contract.starts_on}至{contract.ends_on}）")
    record = ServiceRecord(**data.model_dump(), contract_id=contract_id, region_code=contract.region_code,
                           created_at=now, updated_at=now)
    session.add(record)
    session.flush()
    return record


def list_records(session: Session, *, contract_id: int) -> list[ServiceRecord]:
    _contract(session, contract_id)
    return list(session.scalars(select(ServiceRecord).where(ServiceRecord.contract_id == contract_id)
                                .order_by(ServiceRecord.done_on, ServiceRecord.id)))


def weighted_total(scores: dict[str, int]) -> float:
    return round(sum(WEIGHTS[k] * v for k, v in scores.items()), 1)


def evaluate(session: Session, *, provider_id: int, data: EvaluationIn, now: datetime) -> Evaluation:
    provider = _provider(session, provider_id)
    contract = _contract(session, data.contract_id, field="contract_id")
    if contract.provider_id != provider_id:
        raise field_error("contract_id", "the contract is another provider's", "该合同不属于这家服务机构")
    row = Evaluation(**data.model_dump(), provider_id=provider_id, region_code=provider.region_code,
                     total=weighted_total(data.scores), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def list_evaluations(session: Session, *, provider_id: int) -> list[Evaluation]:
    _provider(session, provider_id)
    return list(session.scalars(select(Evaluation).where(Evaluation.provider_id == provider_id)
                                .order_by(Evaluation.evaluated_on.desc(), Evaluation.id)))
