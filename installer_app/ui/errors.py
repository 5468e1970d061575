"""How the app shows a failure: an expected one (UserError) as a plain message that says what to
do; anything else as a dialog naming the log file where the details were written."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from installer_app.cli import context
from installer_app.errors import UserError

log = logging.getLogger(__name__)

UNEXPECTED_TITLE = "Something went wrong"


def log_path() -> Path:
    return context.setup_logging()


def unexpected_text(exc: BaseException, path: Path) -> str:
    return (
        "The app hit a problem it did not expect, so the last action may not have finished.\n\n"
        f"({type(exc).__name__}: {exc})\n\n"
        f"Details were written to:\n{path}\n\n"
        "Please send that file to support. Your recorded checks and decisions are safe."
    )


def _message_box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, name: str
) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName(name)
    box.setAccessibleName(title)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()  # not exec(): never a nested event loop
    return box


def show_user_error(parent: QWidget | None, exc: UserError, title: str = "") -> QMessageBox:
    """An expected failure: its message is fit to show as is."""
    log.info("user error shown: %s", exc)
    return _message_box(
        parent,
        QMessageBox.Icon.Warning,
        title or "That did not work",
        str(exc),
        "userErrorBox",
    )


def show_unexpected(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """A bug: log the traceback, tell the user where it is."""
    path = context.log_exception(exc)
    return _message_box(
        parent,
        QMessageBox.Icon.Critical,
        UNEXPECTED_TITLE,
        unexpected_text(exc, path),
        "unexpectedErrorBox",
    )


def present(parent: QWidget | None, exc: BaseException, title: str = "") -> QMessageBox:
    if isinstance(exc, UserError):
        return show_user_error(parent, exc, title)
    return show_unexpected(parent, exc)


def install_excepthook() -> None:
    """Exceptions escaping a slot on the GUI thread: logged and shown, never a silent crash."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        try:
            from PySide6.QtWidgets import QApplication

            window = QApplication.activeWindow()
            present(window, value)
        except Exception:  # the hook itself must never raise
            traceback.print_exception(kind, value, tb)

    sys.excepthook = hook
