from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    ENTERPRISE = "enterprise"
    AGENCY = "agency"
    NETWORKED_UNIT = "networked_unit"
    OTHER = "other"


KIND_NAMES_ZH = {
    OrganizationKind.ENTERPRISE: "企业",
    OrganizationKind.AGENCY: "机关部门",
    OrganizationKind.NETWORKED_UNIT: "联网单位",
    OrganizationKind.OTHER: "其他",
}
