"""A report as a list of blocks, rendered alike to HTML (and PDF through it) and to DOCX.

Building the content once and rendering it twice keeps the formats in step: the same chapters, the same
table and figure numbers (表 1, 图 1 …, assigned as blocks are added so the text can cite them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHAPTER_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Cell:
    text: str
    fill: str | None = None  # background colour, e.g. a risk level's
    bold: bool = False
    align: str = "left"


@dataclass
class Heading:
    text: str
    level: int  # 1 chapter, 2 section
    number: str = ""
    anchor: str = ""

    @property
    def title(self) -> str:
        return f"{self.number}{self.text}" if self.number else self.text


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body | note | lead


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Cell]]
    number: int = 0
    widths: list[float] | None = None  # relative column widths
    note: str = ""
    compact: bool = False

    @property
    def label(self) -> str:
        return f"表 {self.number}　{self.caption}"


@dataclass
class Figure:
    caption: str
    png: bytes
    name: str  # file name under images/
    width_cm: float = 16.0
    number: int = 0
    note: str = ""

    @property
    def label(self) -> str:
        return f"图 {self.number}　{self.caption}"


@dataclass
class PageBreak:
    pass


Block = Heading | Paragraph | Bullets | Table | Figure | PageBreak


@dataclass
class Document:
    title: str
    subtitle: str
    issuer: str
    date_text: str
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    # "report": a cover page (the risk colours' band) and a contents page, as the white paper has; "notice": an
    # official notice (通报) — the title on the first page above the text, the issuer and date signed at the end,
    # no cover and no contents, as 党政机关公文格式 (GB/T 9704-2012) lays a 通报 out.
    layout: str = "report"
    _chapters: int = 0
    _sections: int = 0
    _tables: int = 0
    _figures: int = 0

    def chapter(self, text: str) -> None:
        self._chapters += 1
        self._sections = 0
        numeral = CHAPTER_NUMERALS[self._chapters - 1] if self._chapters <= 10 else str(self._chapters)
        self.blocks.append(Heading(text, 1, f"{numeral}、", f"ch{self._chapters}"))

    def section(self, text: str) -> None:
        self._sections += 1
        numeral = CHAPTER_NUMERALS[self._sections - 1] if self._sections <= 10 else str(self._sections)
        self.blocks.append(Heading(text, 2, f"（{numeral}）", f"ch{self._chapters}-{self._sections}"))

    def para(self, text: str, style: str = "body") -> None:
        self.blocks.append(Paragraph(text, style))

    def bullets(self, items: list[str]) -> None:
        self.blocks.append(Bullets(items))

    def next_table(self) -> int:
        return self._tables + 1

    def next_figure(self) -> int:
        return self._figures + 1

    def table(self, caption: str, headers: list[str], rows: list[list[Cell]], **options: object) -> int:
        self._tables += 1
        self.blocks.append(Table(caption, headers, rows, self._tables, **options))  # type: ignore[arg-type]
        return self._tables

    def figure(self, caption: str, png: bytes, **options: object) -> int:
        self._figures += 1
        name = f"figure-{self._figures:02d}.png"
        self.blocks.append(Figure(caption, png, name, number=self._figures, **options))  # type: ignore[arg-type]
        return self._figures

    def page_break(self) -> None:
        self.blocks.append(PageBreak())

    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


def cells(values: list[object], **style: object) -> list[Cell]:
    return [Cell(str(v), **style) for v in values]  # type: ignore[arg-type]
