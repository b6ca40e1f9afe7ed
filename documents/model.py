"""The document model both renderers set: a title, a number line, headings, paragraphs,
tables (header row repeated on every page), an image, the signature block.

The builders in :mod:`.report` and :mod:`.bulletin` fill it from query results; personal data
is masked on the way in (:meth:`Document.masked`), so no renderer can leak it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Union

__all__ = ["Title", "DocNumber", "Heading", "Paragraph", "Table", "Image", "Signatures", "Block", "Document"]


@dataclass
class Title:
    text: str


@dataclass
class DocNumber:
    text: str


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: 一、 (黑体); 2: （一） (楷体)


@dataclass
class Paragraph:
    text: str
    style: str = "body"  # body (first line indented two characters), plain (the same, kept with the table it
    # introduces), quote (a clause's words), note (smaller), right
    label: str = ""  # a bold lead-in such as "条款原文："


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)  # relative column widths
    size: str = "table"  # a key of style.SIZES
    caption: str = ""

    def __post_init__(self) -> None:
        if not self.widths:
            self.widths = [1.0] * len(self.headers)


@dataclass
class Image:
    png: bytes | None
    caption: str
    missing: str = ""  # what to say instead when there is no picture
    width_px: int = 0
    height_px: int = 0
    dpi: float = 96.0  # the resolution it was drawn at: its natural size is px / dpi inches

    def size_mm(self, max_w: float, max_h: float) -> tuple[float, float]:
        """The picture's size on the page: natural, shrunk to fit ``max_w`` × ``max_h``."""
        w = self.width_px / self.dpi * 25.4 if self.width_px else max_w
        h = self.height_px / self.dpi * 25.4 if self.height_px else max_h / 2
        scale = min(1.0, max_w / w, max_h / h)
        return w * scale, h * scale


@dataclass
class Signatures:
    roles: list[str]  # 经办人, 审核人 …
    issuer: str = ""  # the office, left blank for a seal
    date_line: str = "年　　月　　日"


Block = Union[Title, DocNumber, Heading, Paragraph, Table, Image, Signatures]


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    subject: str = ""  # the document's metadata: what it is about

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def masked(self, mask: Callable[[str], str]) -> "Document":
        """A copy with ``mask`` applied to every piece of text."""

        def one(b: Block) -> Block:
            if isinstance(b, Table):
                return replace(b, headers=[mask(h) for h in b.headers], rows=[[mask(c) for c in r] for r in b.rows],
                               caption=mask(b.caption))
            if isinstance(b, Image):
                return replace(b, caption=mask(b.caption), missing=mask(b.missing))
            if isinstance(b, Signatures):
                return b
            if isinstance(b, Paragraph):
                return replace(b, text=mask(b.text), label=mask(b.label))
            return replace(b, text=mask(b.text))

        return Document(mask(self.title), [one(b) for b in self.blocks], mask(self.subject))
