"""Generated artwork for the demo catalog: album covers and artist pictures, drawn with Pillow.

A cover is a gradient in the genre's palette, geometric shapes placed by a seeded generator, a
little film grain, and the title and artist name in a font that has glyphs for them. Only fonts
already on the machine are used (nothing is downloaded); a text that none of them can draw (CJK on
a machine with DejaVu alone) is replaced by its romanisation, so a cover never shows empty boxes.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = 640
Colour = tuple[int, int, int]

PALETTES: dict[str, tuple[Colour, ...]] = {
    "indie pop": ((255, 179, 186), (255, 223, 186), (120, 200, 200), (60, 70, 110)),
    "lo-fi": ((94, 84, 142), (224, 170, 255), (255, 183, 130), (40, 36, 64)),
    "bossa nova": ((0, 128, 128), (245, 222, 179), (255, 200, 60), (20, 60, 70)),
    "ambient": ((10, 25, 60), (40, 90, 140), (120, 200, 220), (230, 240, 250)),
    "electronic": ((15, 10, 35), (255, 0, 140), (0, 230, 255), (250, 250, 255)),
    "jazz": ((18, 32, 64), (200, 160, 70), (240, 230, 210), (120, 30, 40)),
    "city pop": ((255, 120, 170), (120, 80, 200), (255, 210, 120), (30, 20, 70)),
    "classical": ((245, 240, 230), (120, 30, 50), (60, 60, 70), (200, 180, 140)),
}
DEFAULT_PALETTE: tuple[Colour, ...] = ((60, 70, 90), (140, 160, 190), (230, 200, 150), (20, 24, 30))

# Tried in order; Pillow looks a bare file name up in the system font folders. The first font with
# a glyph for every character of a text draws it.
FONT_FILES = (
    "NotoSansCJK-Bold.ttc",
    "NotoSansCJKjp-Bold.otf",
    "NotoSans-Bold.ttf",
    "DejaVuSans-Bold.ttf",
    "LiberationSans-Bold.ttf",
)
_MISSING_GLYPH = "\U0010fffd"  # a private-use code point: every font draws its .notdef box for it


def palette_for(genre: str) -> tuple[Colour, ...]:
    return PALETTES.get(genre.lower(), DEFAULT_PALETTE)


@functools.cache
def _font(name: str | None, size: int) -> ImageFont.FreeTypeFont | None:
    """A font file at a size, or Pillow's built-in font (`name=None`); None when not installed."""
    if name is None:
        return ImageFont.load_default(size=size)
    try:
        return ImageFont.truetype(name, size)
    except OSError:
        return None


@functools.cache
def _has_glyph(name: str | None, char: str) -> bool:
    font = _font(name, 32)
    if font is None:
        return False
    missing, mask = font.getmask(_MISSING_GLYPH), font.getmask(char)
    return (mask.size, bytes(mask)) != (missing.size, bytes(missing))


def font_for(text: str) -> str | None | bool:
    """The first installed font that can draw every character of `text` (None: Pillow's built-in
    font), or False when none can."""
    chars = {c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf")}
    for name in (*FONT_FILES, None):
        if _font(name, 32) is not None and all(_has_glyph(name, c) for c in chars):
            return name
    return False


def drawable_text(candidates: Sequence[str]) -> tuple[str, str | None] | None:
    """The first of `candidates` (a title, then its romanisation) that an installed font can draw."""
    for text in candidates:
        if text:
            name = font_for(text)
            if name is not False:
                return text, name
    return None


def _is_rtl(text: str) -> bool:
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str] | None:
    """Greedy word wrap into at most two lines, or None if it does not fit."""
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=font) <= width:
            lines[-1] = trial
        elif draw.textlength(word, font=font) <= width:
            lines.append(word)
        else:
            return None
    return lines if len(lines) <= 2 else None


def _draw_text_block(
    image: Image.Image, candidates: Sequence[str], *, sizes: Sequence[int], bottom: int, fill: Colour
) -> int:
    """Draw the first drawable candidate, right-aligned for right-to-left scripts, with its last
    line ending at `bottom`; returns the top of the block (or `bottom` if nothing was drawn)."""
    choice = drawable_text(candidates)
    if choice is None:
        return bottom
    text, name = choice
    draw = ImageDraw.Draw(image)
    margin = 40
    for size in sizes:
        font = _font(name, size)
        lines = _wrap(draw, text, font, SIZE - 2 * margin)
        if lines:
            break
    else:
        lines = [text]
    line_height = int(size * 1.2)
    top = bottom - line_height * len(lines)
    rtl = _is_rtl(text)
    shadow = (0, 0, 0, 110) if sum(fill) > 380 else (255, 255, 255, 90)
    for i, line in enumerate(lines):
        y = top + i * line_height
        x = SIZE - margin - draw.textlength(line, font=font) if rtl else margin
        # Pillow's layout engine (raqm) shapes Arabic and orders it right to left by itself.
        draw.text((x + 2, y + 2), line, font=font, fill=shadow)
        draw.text((x, y), line, font=font, fill=fill)
    return top


def _gradient(colours: Sequence[Colour], rng: np.random.Generator) -> np.ndarray:
    """A linear gradient at a random angle between two colours, with a radial glow of a third."""
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    angle = rng.uniform(0, 2 * np.pi)
    t = np.clip((np.cos(angle) * (x - 0.5) + np.sin(angle) * (y - 0.5)) / 1.2 + 0.5, 0, 1)[..., None]
    start, end, glow = (np.array(c, dtype=float) for c in colours[:3])
    pixels = start * (1 - t) + end * t
    cx, cy = rng.uniform(0.2, 0.8, 2)
    radial = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 0.08)[..., None] * 0.55
    return pixels * (1 - radial) + glow * radial


def _grain(pixels: np.ndarray, rng: np.random.Generator, amount: float = 6.0) -> Image.Image:
    pixels = pixels + rng.normal(0, amount, pixels.shape[:2])[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _rgba(colour: Colour, alpha: int) -> tuple[int, int, int, int]:
    return (*colour, alpha)


def _shapes(style: str, colours: Sequence[Colour], rng: np.random.Generator) -> Image.Image:
    layer = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    if style == "circles":
        for _ in range(int(rng.integers(5, 10))):
            r = rng.uniform(40, 220)
            cx, cy = rng.uniform(0, SIZE, 2)
            colour = colours[int(rng.integers(1, len(colours)))]
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(colour, int(rng.integers(50, 130))))
    elif style == "bands":
        width = rng.uniform(30, 70)
        for i in range(-SIZE // 40, SIZE // 40 + 4):
            if rng.random() < 0.55:
                x0 = i * width * 1.6
                colour = colours[i % len(colours)]
                draw.polygon(
                    [(x0, 0), (x0 + width, 0), (x0 + width - SIZE, SIZE), (x0 - SIZE, SIZE)],
                    fill=_rgba(colour, int(rng.integers(60, 150))),
                )
    elif style == "grid":
        cells = int(rng.integers(5, 9))
        step = SIZE / cells
        for row in range(cells):
            for col in range(cells):
                if rng.random() < 0.6:
                    colour = colours[int(rng.integers(0, len(colours)))]
                    inset = step * rng.uniform(0.12, 0.35)
                    box = (col * step + inset, row * step + inset, (col + 1) * step - inset, (row + 1) * step - inset)
                    if rng.random() < 0.5:
                        draw.ellipse(box, fill=_rgba(colour, 150))
                    else:
                        draw.rectangle(box, fill=_rgba(colour, 120))
    else:  # sun: a big disc cut by horizontal stripes over a horizon, the retro city-pop sunset
        r = rng.uniform(150, 220)
        cx, cy = SIZE / 2 + rng.uniform(-60, 60), SIZE * rng.uniform(0.38, 0.5)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_rgba(colours[2], 235))
        for k in range(7):
            y = cy + k * r / 7 + k * k * 1.5
            draw.rectangle((0, y, SIZE, y + 3 + k * 1.6), fill=(0, 0, 0, 0))
        draw.rectangle((0, cy + r * 0.95, SIZE, SIZE), fill=_rgba(colours[3], 200))
        for k in range(1, 12):
            y = cy + r * 0.95 + k * k * 3
            draw.line((0, y, SIZE, y), fill=_rgba(colours[0], 120), width=2)
    return layer


def album_cover(
    *, title: str, artist: str, genre: str, seed: int, romanized_title: str = "", romanized_artist: str = ""
) -> Image.Image:
    """A 640x640 cover: the genre's palette, shapes seeded by the album, title and artist name."""
    rng = np.random.default_rng(seed)
    colours = palette_for(genre)
    image = _grain(_gradient(colours, rng), rng).convert("RGBA")
    style = ("circles", "bands", "grid", "sun")[int(rng.integers(0, 4))]
    image.alpha_composite(_shapes(style, colours, rng))
    # A soft shade along the bottom keeps the lettering readable over any shape.
    shade = np.linspace(0, 1, SIZE)[:, None] ** 3 * 150
    alpha = Image.fromarray(np.broadcast_to(shade, (SIZE, SIZE)).astype(np.uint8), "L")
    image.alpha_composite(Image.merge("RGBA", (*Image.new("RGB", (SIZE, SIZE), (0, 0, 0)).split(), alpha)))
    top = _draw_text_block(
        image, [title, romanized_title], sizes=(64, 56, 48, 42, 36, 30), bottom=SIZE - 48, fill=(255, 255, 255)
    )
    _draw_text_block(image, [artist, romanized_artist], sizes=(30, 26, 22), bottom=top - 10, fill=(235, 235, 235))
    return image.convert("RGB")


def artist_picture(*, genre: str, seed: int) -> Image.Image:
    """An abstract portrait: a halo and a head-and-shoulders silhouette over the genre's gradient."""
    rng = np.random.default_rng(seed)
    colours = palette_for(genre)
    image = _grain(_gradient(colours, rng), rng, amount=4.0).convert("RGBA")
    layer = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    cx = SIZE / 2 + rng.uniform(-50, 50)
    halo = rng.uniform(190, 250)
    draw.ellipse((cx - halo, 250 - halo, cx + halo, 250 + halo), fill=_rgba(colours[2], 120))
    layer = layer.filter(ImageFilter.GaussianBlur(24))
    draw = ImageDraw.Draw(layer)
    figure = _rgba(colours[3], 235)
    head = rng.uniform(85, 110)
    head_y = rng.uniform(230, 270)
    draw.ellipse((cx - head * 0.85, head_y - head, cx + head * 0.85, head_y + head), fill=figure)
    shoulders = rng.uniform(210, 260)
    draw.ellipse(
        (cx - shoulders, head_y + head * 1.05, cx + shoulders, head_y + head * 1.05 + 2 * shoulders), fill=figure
    )
    image.alpha_composite(layer)
    return image.convert("RGB")


def image_file(image: Image.Image) -> io.BytesIO:
    """A PNG in memory, to hand to `artwork_store` (lossless: the store encodes its own JPEGs). The
    lightest compression: the buffer is read once, and film grain makes PNG slow to squeeze."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    buffer.seek(0)
    buffer.name = "artwork.png"
    return buffer
