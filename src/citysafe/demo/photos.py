"""Generated site photos for the demo's hazard tickets: a corridor with its extinguisher, an exit blocked by
boxes, a tidy exit after rectification — drawn with Pillow, never a real place, and marked 示例 in a corner
so nobody mistakes one for evidence. Small JPEGs (under 10 kB) with the camera's time stamp burnt in, as
site phones do.
"""

from __future__ import annotations

import io
import random
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from citysafe.core.clock import SHANGHAI

SIZE = (480, 360)
SCENES = ("corridor", "blocked_exit", "clear_exit")
# fonts-noto-cjk (scripts/ensure-system.sh installs it); without it the mark falls back to Pillow's font.
_CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

Colour = tuple[int, int, int]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _shade(rng: random.Random, base: Colour, spread: int = 18) -> Colour:
    r, g, b = (max(0, min(255, c + rng.randint(-spread, spread))) for c in base)
    return r, g, b


def _corridor(draw: ImageDraw.ImageDraw, rng: random.Random) -> tuple[int, int]:
    """Walls, floor and ceiling in one-point perspective; returns the vanishing point."""
    w, h = SIZE
    vx, vy = w // 2 + rng.randint(-40, 40), h // 2 - 20 + rng.randint(-15, 15)
    far = (vx - 50, vy - 40, vx + 50, vy + 45)
    wall, floor = _shade(rng, (214, 208, 192)), _shade(rng, (150, 146, 138))
    draw.rectangle((0, 0, w, h), fill=_shade(rng, (236, 234, 226)))  # ceiling
    draw.polygon([(0, 0), (far[0], far[1]), (far[0], far[3]), (0, h)], fill=wall)
    draw.polygon([(w, 0), (far[2], far[1]), (far[2], far[3]), (w, h)], fill=_shade(rng, wall, 8))
    draw.polygon([(0, h), (far[0], far[3]), (far[2], far[3]), (w, h)], fill=floor)
    draw.rectangle(far, fill=_shade(rng, (120, 118, 112)))
    for i in range(1, 6):  # floor tiles' joints run to the vanishing point
        x = i * w // 6
        draw.line([(x, h), (vx + (x - w // 2) // 5, far[3])], fill=_shade(rng, floor, 4), width=1)
    draw.rectangle((vx - 30, far[1] + 4, vx + 30, far[1] + 10), fill=(250, 250, 240))  # ceiling light
    return vx, vy


def _extinguisher(draw: ImageDraw.ImageDraw, x: int, y: int, scale: float) -> None:
    bw, bh = int(22 * scale), int(70 * scale)
    draw.rounded_rectangle((x, y, x + bw, y + bh), radius=int(8 * scale), fill=(196, 30, 32))
    draw.rectangle((x + bw // 3, y - int(10 * scale), x + 2 * bw // 3, y), fill=(40, 40, 40))
    draw.rectangle((x + 3, y + bh // 3, x + bw - 3, y + bh // 2), fill=(235, 235, 225))


def _exit_sign(draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
    draw.rectangle((x, y, x + 70, y + 26), fill=(18, 140, 70))
    draw.text((x + 6, y + 3), "安全出口", fill=(255, 255, 255), font=_font(15))


def _door(draw: ImageDraw.ImageDraw, rng: random.Random, vx: int, vy: int) -> tuple[int, int, int, int]:
    door = (vx - 45, vy - 50, vx + 45, vy + 95)
    draw.rectangle(door, fill=_shade(rng, (88, 98, 110)))
    draw.line([(vx, door[1]), (vx, door[3])], fill=(50, 56, 64), width=2)
    draw.rectangle((vx - 30, vy + 20, vx + 30, vy + 26), fill=(190, 190, 190))  # push bar
    _exit_sign(draw, vx - 35, door[1] - 32)
    return door


def _boxes(draw: ImageDraw.ImageDraw, rng: random.Random, door: tuple[int, int, int, int]) -> None:
    for _ in range(rng.randint(5, 8)):
        bw, bh = rng.randint(40, 80), rng.randint(30, 60)
        x = rng.randint(door[0] - 60, door[2] - 10)
        y = door[3] + rng.randint(-70, 10) - bh
        draw.rectangle((x, y, x + bw, y + bh), fill=_shade(rng, (176, 136, 88), 25), outline=(120, 90, 60))
        draw.line([(x, y + bh // 2), (x + bw, y + bh // 2)], fill=(150, 120, 80), width=2)  # tape


def site_photo(rng: random.Random, *, scene: str, at: datetime) -> bytes:
    """One JPEG of ``scene`` (one of SCENES) stamped with ``at`` in Beijing time and marked 示例."""
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    vx, vy = _corridor(draw, rng)
    if scene == "corridor":
        _extinguisher(draw, 60 + rng.randint(0, 30), 200 + rng.randint(0, 20), 1.3)
        _exit_sign(draw, vx - 35, vy - 80)
    else:
        door = _door(draw, rng, vx, vy)
        _extinguisher(draw, door[2] + 40, door[3] - 60, 0.9)
        if scene == "blocked_exit":
            _boxes(draw, rng, door)
    # A phone camera's softness and sensor grain, so the drawing reads as a photo at a glance.
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    grain = Image.effect_noise(SIZE, 12).convert("RGB")
    image = Image.blend(image, grain, 0.06)
    draw = ImageDraw.Draw(image)
    stamp = at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    draw.text((SIZE[0] - 150, SIZE[1] - 26), stamp, fill=(255, 200, 40), font=_font(15))
    # The console's thumbnails are squares cut from the middle (object-fit: cover), so the mark sits in the
    # top-left corner of that square, big enough to read on a 96 px thumbnail.
    left = (SIZE[0] - SIZE[1]) // 2
    draw.rectangle((left, 0, left + 96, 52), fill=(0, 0, 0))
    draw.text((left + 10, 4), "示例", fill=(255, 255, 255), font=_font(36))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=72, optimize=True)
    return out.getvalue()
