"""The app's own SVG icons (resources/ui/icons), rendered crisp at any size."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from installer_app import paths


@lru_cache(maxsize=64)
def svg_data(name: str) -> bytes:
    return paths.resource("ui", "icons", f"{name}.svg").read_bytes()


def pixmap(name: str, size: int) -> QPixmap:
    """``name`` rendered as a ``size`` x ``size`` (logical pixels) pixmap."""
    ratio = 1.0
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        ratio = max(1.0, screen.devicePixelRatio())
    side = max(1, round(size * ratio))
    image = QPixmap(side, side)
    image.fill(Qt.GlobalColor.transparent)
    renderer = QSvgRenderer(QByteArray(svg_data(name)))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    image.setDevicePixelRatio(ratio)
    return image


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    result = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        result.addPixmap(pixmap(name, size))
    return result
