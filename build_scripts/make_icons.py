"""Render the app icon (resources/ui/icons/app.svg) to the files the executables need:
``build/icons/app.png`` (Linux) and ``build/icons/app.ico`` (Windows, several sizes)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "ui" / "icons" / "app.svg"
OUT = ROOT / "build" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"cannot read {SOURCE}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if not image.save(str(OUT / "app.png")) or not image.save(str(OUT / "app.ico")):
        print("could not write the icon files", file=sys.stderr)
        return 1
    print(f"icons written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
