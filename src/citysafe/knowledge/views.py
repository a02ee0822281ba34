"""The knowledge library's API: search (every logged-in role), documents, articles and cases (read by every
logged-in role, written by those holding ``knowledge:write``), imports of the corpus and of DOCX/PDF files,
and citations resolved to articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from citysafe.auth.deps import CurrentPrincipal, DbSession, requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal
from citysafe.core.bounds import RowId, SaneDate
from citysafe.core.errors import field_error
from citysafe.core.pagination import Page, PageParams, page_of
from citysafe.core.uploads import read_capped
from citysafe.knowledge import service
from citysafe.knowledge.enums import DocumentKind, Grade, Level
from citysafe.knowledge.extract import MAX_BYTES
from citysafe.knowledge.schemas import (
    ArticleRead,
    CaseIn,
    CitationRead,
    DocumentDetail,
    DocumentRead,
    ImportResult,
    SearchPage,
)
from citysafe.knowledge.search import Filters

router = APIRouter(prefix="/knowledge", tags=["knowledge"])
Editor = Annotated[Principal, Depends(requires(Permission.WRITE_KNOWLEDGE))]
Text60 = Annotated[str | None, Query(max_length=60)]


@router.get("/search", response_model=SearchPage, operation_id="knowledge_search")
def search(
    db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    q: Annotated[str, Query(max_length=service.MAX_QUERY)] = "",
    kind: Annotated[list[DocumentKind] | None, Query()] = None, level: Level | None = None,
    issuer: Text60 = None, industry: Text60 = None, grade: Grade | None = None,
    since: SaneDate | None = None, until: SaneDate | None = None,
) -> SearchPage:
    """Chinese full-text search: ``items`` best first, each with its ``title``, ``kind``, ``snippet`` (the
    matched words inside <mark>) and, for an article of a law, ``article`` (第…条)."""
    filters = Filters(kind=[k.value for k in kind or []], level=level.value if level else None, issuer=issuer,
                      industry=industry, grade=grade.value if grade else None, since=since, until=until)
    return service.search_page(db, query=q, filters=filters, params=params)


@router.get("/documents", response_model=Page[DocumentRead], operation_id="knowledge_documents_list")
def list_documents(
    db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
    kind: Annotated[list[DocumentKind] | None, Query()] = None, q: Annotated[str | None, Query(max_length=100)] = None,
    industry: Text60 = None, grade: Grade | None = None, level: Level | None = None,
) -> Page[DocumentRead]:
    found = service.list_documents(db, params=params, kind=[k.value for k in kind or []], q=q, industry=industry,
                                   grade=grade.value if grade else None, level=level.value if level else None)
    return page_of(found, params, DocumentRead.model_validate)


@router.get("/documents/{doc_id}", response_model=DocumentDetail, operation_id="knowledge_documents_get")
def get_document(doc_id: RowId, db: DbSession, principal: CurrentPrincipal) -> DocumentDetail:
    return service.document_detail(db, document_id=doc_id)


@router.delete("/documents/{doc_id}", status_code=204, operation_id="knowledge_documents_delete")
def delete_document(doc_id: RowId, db: DbSession, principal: Editor) -> None:
    service.delete_document(db, document=service.get_document(db, document_id=doc_id))


@router.get("/articles/{article_id}", response_model=ArticleRead, operation_id="knowledge_articles_get")
def get_article(article_id: RowId, db: DbSession, principal: CurrentPrincipal) -> ArticleRead:
    return ArticleRead.model_validate(service.get_article(db, article_id=article_id))


@router.get("/citations", response_model=list[CitationRead], operation_id="knowledge_citations")
def citations(db: DbSession, principal: CurrentPrincipal,
              text: Annotated[str, Query(min_length=1, max_length=5000)]) -> list[CitationRead]:
    """The citations (《安全生产法》第四十一条) in ``text``, each with the article it names, if the library has it."""
    return service.resolve_citations(db, text=text)


@router.get("/cases", response_model=Page[DocumentRead], operation_id="knowledge_cases_list")
def list_cases(db: DbSession, principal: CurrentPrincipal, params: Annotated[PageParams, Query()],
               industry: Text60 = None, grade: Grade | None = None,
               q: Annotated[str | None, Query(max_length=100)] = None) -> Page[DocumentRead]:
    found = service.list_documents(db, params=params, kind=[DocumentKind.CASE.value], q=q, industry=industry,
                                   grade=grade.value if grade else None)
    return page_of(found, params, DocumentRead.model_validate)


@router.post("/cases", response_model=DocumentDetail, status_code=201, operation_id="knowledge_cases_create")
def create_case(case_in: CaseIn, db: DbSession, principal: Editor) -> DocumentDetail:
    document = service.save_case(db, case_in=case_in, actor=principal.username)
    return service.document_detail(db, document_id=document.id)


@router.put("/cases/{doc_id}", response_model=DocumentDetail, operation_id="knowledge_cases_update")
def update_case(doc_id: RowId, case_in: CaseIn, db: DbSession, principal: Editor) -> DocumentDetail:
    document = service.save_case(db, case_in=case_in, actor=principal.username,
                                 document=service.get_document(db, document_id=doc_id))
    return service.document_detail(db, document_id=document.id)


@router.post("/import/corpus", response_model=ImportResult, operation_id="knowledge_import_corpus")
def import_corpus(db: DbSession, principal: Editor) -> ImportResult:
    """Load (or refresh) the laws shipped with the platform; importing again updates, never duplicates."""
    return service.import_laws(db, folder=service.CORPUS, actor=principal.username)


@router.post("/import/file", response_model=DocumentRead, status_code=201, operation_id="knowledge_import_file")
def import_file(db: DbSession, principal: Editor, file: Annotated[UploadFile, File()],
                kind: Annotated[DocumentKind, Form()] = DocumentKind.KNOWLEDGE,
                title: Annotated[str, Form(max_length=300)] = "") -> DocumentRead:
    """A DOCX or PDF with its text extracted; a law laid out by articles keeps them."""
    if kind == DocumentKind.CASE:
        raise field_error("kind", "enter a case with its causes and lessons (POST /cases)",
                          "事故案例请通过案例录入（含原因和教训）")
    data = read_capped(file.file, max_bytes=MAX_BYTES, field="file")
    document = service.import_file(db, data=data, file_name=file.filename or "upload", kind=kind, title=title,
                                   actor=principal.username)
    return DocumentRead.model_validate(document)
