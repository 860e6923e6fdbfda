"""Draw the installable app's icons (static/icons/*.png) from the favicon's design (static/favicon.svg).

Run once when the favicon changes: ``.venv/bin/python scripts/make_pwa_icons.py``. Pillow cannot read
SVG, so the favicon's shapes (64-unit grid) are drawn again here, 4x oversampled for smooth edges.
The maskable icon fills the whole square and keeps the drawing inside the central 80 % safe zone.
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "icons"
GREEN, WHITE, YELLOW = (31, 122, 77), (255, 255, 255), (255, 210, 74)
OVERSAMPLE = 4


def draw(size: int, *, maskable: bool) -> Image.Image:
    big = size * OVERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    if maskable:
        d.rectangle((0, 0, big, big), fill=GREEN)
        scale, offset = big * 0.8 / 64, big * 0.1  # the favicon's drawing inside the safe zone
    else:
        d.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 12 / 64, fill=GREEN)
        scale, offset = big / 64, 0.0

    def p(x):
        return offset + x * scale

    d.rectangle((p(16), p(16), p(48), p(48)), outline=WHITE, width=round(4 * scale))
    half = 1.5 * scale
    d.rectangle((p(32) - half, p(16), p(32) + half, p(48)), fill=WHITE)
    d.rectangle((p(16), p(32) - half, p(48), p(32) + half), fill=WHITE)
    d.ellipse((p(36), p(20), p(44), p(28)), fill=YELLOW)
    return image.resize((size, size), Image.LANCZOS)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False), ("icon-maskable-512.png", 512, True)):
        draw(size, maskable=maskable).save(OUT / name, optimize=True)
        print(OUT / name)


if __name__ == "__main__":
    main()
