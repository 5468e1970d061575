"""The app's look: one light, high-contrast style (resources/ui/style.qss), fonts sized from the
system font but never below the minimums (body 12 pt, small 11 pt, banner 28 pt)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from installer_app import paths

MIN_BASE_PT = 12
MIN_SMALL_PT = 11
MIN_BANNER_PT = 28

ALLOW_BG, ALLOW_FG = "#1B5E20", "#FFFFFF"
WARN_BG, WARN_FG = "#FFB300", "#1A1A1A"
BLOCK_BG, BLOCK_FG = "#B71C1C", "#FFFFFF"
INFO = "#0D47A1"
PRIMARY = "#0B4F8A"
MISMATCH_BG = "#FFE0B2"

VERDICT_ICON = {"allow": "verdict-allow", "warn": "verdict-warn", "block": "verdict-block"}
VERDICT_GLYPH = {"allow": "✔", "warn": "⚠", "block": "✖"}
SEVERITY_ICON = {"block": "severity-block", "warn": "severity-warn", "info": "severity-info"}
SEVERITY_GLYPH = {"block": "✖", "warn": "⚠", "info": "ℹ"}
VERDICT_COLOURS = {"allow": (ALLOW_BG, ALLOW_FG), "warn": (WARN_BG, WARN_FG),
                   "block": (BLOCK_BG, BLOCK_FG)}  # fmt: skip


def point_sizes(system_pt: float) -> dict[str, int]:
    """Respect a larger system font; never go below the minimums."""
    base = max(MIN_BASE_PT, round(system_pt))
    return {
        "BASE": base,
        "SMALL": max(MIN_SMALL_PT, base - 1),
        "LARGE": round(base * 1.3),
        "BANNER": max(MIN_BANNER_PT, round(base * 2.3)),
    }


def stylesheet(sizes: dict[str, int]) -> str:
    text = paths.resource("ui", "style.qss").read_text(encoding="utf-8")
    for key, value in sizes.items():
        text = text.replace(f"@{key}@", str(value))
    # Arrow images are files (a zipped install would only lose the arrows, nothing else).
    icon_dir = Path(str(paths.resource("ui", "icons"))).as_posix()
    return text.replace("@ICONS@", icon_dir)


def light_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#F5F5F2",
        QPalette.ColorRole.WindowText: "#111111",
        QPalette.ColorRole.Base: "#FFFFFF",
        QPalette.ColorRole.AlternateBase: "#F1F4F7",
        QPalette.ColorRole.Text: "#111111",
        QPalette.ColorRole.Button: "#FFFFFF",
        QPalette.ColorRole.ButtonText: "#111111",
        QPalette.ColorRole.Highlight: PRIMARY,
        QPalette.ColorRole.HighlightedText: "#FFFFFF",
        QPalette.ColorRole.ToolTipBase: "#FFFDE7",
        QPalette.ColorRole.ToolTipText: "#111111",
        QPalette.ColorRole.PlaceholderText: "#5F5F5F",
        QPalette.ColorRole.Link: PRIMARY,
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    return palette


def apply(app: QApplication) -> dict[str, int]:
    """Fusion + light palette + the stylesheet; returns the point sizes used."""
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    app.setPalette(light_palette())
    font = QFont(app.font())
    sizes = point_sizes(font.pointSizeF() if font.pointSizeF() > 0 else 10.0)
    font.setPointSize(sizes["BASE"])
    app.setFont(font)
    app.setStyleSheet(stylesheet(sizes))
    return sizes


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property used by a selector changed (to the
    widget and its descendants: a rule like ``#banner[verdict="block"] QLabel`` styles them)."""
    for target in (widget, *widget.findChildren(QWidget)):
        style = target.style()
        style.unpolish(target)
        style.polish(target)
        target.update()


def set_property(widget: QWidget, name: str, value: object) -> None:
    if widget.property(name) != value:
        widget.setProperty(name, value)
        repolish(widget)
