"""WCAG 2.x contrast, so a shop's brand colour cannot make its pages unreadable."""

import re

AA_NORMAL_TEXT = 4.5
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def parse_hex_colour(text: str) -> tuple[int, int, int]:
    found = _HEX.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a colour like #1f5f8b")
    raw = found.group(1)
    return int(raw[0:2], 16), int(raw[2:4], 16), int(raw[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG 2.2, definition of the term)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


WHITE = (255, 255, 255)
