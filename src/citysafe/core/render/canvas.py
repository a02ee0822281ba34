"""What charts and maps share: the CJK font, supersampled drawing, PNG output.

Figures are drawn directly (no plotting library) at twice the output size and scaled down, which gives
smooth edges. PNG is what HTML, WeasyPrint's PDF and python-docx all embed alike. Chinese labels use
Noto Sans CJK SC (installed by ``scripts/ensure-system.sh``); without a CJK font a report would show empty
boxes, so a missing font is an error, not a silent fallback.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SCALE = 2  # supersampling factor
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
INK = (38, 43, 51)
GRID = (222, 226, 232)
OUTLINE = (70, 76, 88)
WHITE = (255, 255, 255)
RGB = tuple[int, int, int]


class FontMissing(RuntimeError):
    pass


def find_font() -> tuple[str, int]:
    """(file, face index) of Noto Sans CJK SC, looked up on this machine."""
    paths = [p for p in FONT_CANDIDATES if Path(p).exists()]
    if not paths and shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans CJK SC"],  # noqa: S607 - fontconfig tool
                               capture_output=True, text=True, check=False).stdout.strip()
        if found and "CJK" in found:
            paths.append(found)
    if not paths:
        raise FontMissing("Noto Sans CJK is not installed (Debian package fonts-noto-cjk)")
    for index in range(10):
        try:
            if "SC" in (ImageFont.truetype(paths[0], 12, index=index).getname()[0] or ""):
                return paths[0], index
        except OSError:
            break
    return paths[0], 0


class Fonts:
    """The CJK font at the sizes a drawing asks for (in output pixels; drawn at ``SCALE`` times that).

    The file is looked up on first use and the loaded faces are kept on the instance: make one for a
    document's figures and pass it to each drawing. Nothing is cached at module level.
    """

    def __init__(self, path: tuple[str, int] | None = None) -> None:
        self._path = path
        self._faces: dict[int, ImageFont.FreeTypeFont] = {}

    @property
    def path(self) -> tuple[str, int]:
        if self._path is None:
            self._path = find_font()
        return self._path

    def __call__(self, size: int) -> ImageFont.FreeTypeFont:
        face = self._faces.get(size)
        if face is None:
            file, index = self.path
            face = self._faces[size] = ImageFont.truetype(file, size * SCALE, index=index)
        return face


def hex_rgb(colour: str) -> RGB:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


class Canvas:
    """A white image at ``SCALE`` times the output size, with text in the CJK font and PNG output."""

    def __init__(self, size: tuple[int, int], fonts: Fonts | None = None) -> None:
        self.width, self.height = size[0] * SCALE, size[1] * SCALE
        self.image = Image.new("RGB", (self.width, self.height), WHITE)
        self.draw = ImageDraw.Draw(self.image)
        self.fonts = fonts or Fonts()

    def text(self, xy: tuple[float, float], text: str, size: int, *, fill: RGB = INK, anchor: str = "la",
             halo: bool = False) -> None:
        if halo:
            self.draw.text(xy, text, font=self.fonts(size), fill=fill, anchor=anchor, stroke_width=2 * SCALE,
                           stroke_fill=WHITE)
        else:
            self.draw.text(xy, text, font=self.fonts(size), fill=fill, anchor=anchor)

    def text_length(self, text: str, size: int) -> float:
        return self.draw.textlength(text, font=self.fonts(size))

    def png(self) -> bytes:
        out = self.image.resize((self.width // SCALE, self.height // SCALE), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        out.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
