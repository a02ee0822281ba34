"""Who may call the evaluation domain's API, as FastAPI dependencies every router of the domain shares, and the
media types of its downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from citysafe.auth.deps import requires
from citysafe.auth.enums import Permission
from citysafe.auth.schemas import Principal

Reader = Annotated[Principal, Depends(requires(Permission.READ_EVALUATION))]
Writer = Annotated[Principal, Depends(requires(Permission.WRITE_EVALUATION))]
Office = Annotated[Principal, Depends(requires(Permission.REVIEW_EVALUATION))]  # takes the workflow's steps
Manager = Annotated[Principal, Depends(requires(Permission.MANAGE_CRITERIA))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
