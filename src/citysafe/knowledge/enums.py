"""Kinds of documents, levels of issuers and grades of accidents, with their Chinese names."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class DocumentKind(StrEnum):
    LAW = "law"  # 法律
    REGULATION = "regulation"  # 法规、规章
    STANDARD = "standard"  # 标准、规范
    CASE = "case"  # 事故案例
    KNOWLEDGE = "knowledge"  # 安全知识


class Level(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"


class Grade(StrEnum):
    """生产安全事故报告和调查处理条例 (国务院令第493号) 第三条: the four grades of an accident."""

    ORDINARY = "一般"
    LARGER = "较大"
    MAJOR = "重大"
    GRAVEST = "特别重大"


KIND_NAMES_ZH = MappingProxyType({
    DocumentKind.LAW: "法律", DocumentKind.REGULATION: "法规规章", DocumentKind.STANDARD: "标准规范",
    DocumentKind.CASE: "事故案例", DocumentKind.KNOWLEDGE: "安全知识"})
LEVEL_NAMES_ZH = MappingProxyType({Level.NATIONAL: "国家", Level.PROVINCIAL: "省级", Level.MUNICIPAL: "市级"})
