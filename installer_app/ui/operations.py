"""The one helper for background work (ARCHITECTURE.md, after Anki's ``QueryOp``).

``runner.run(fn, on_success=..., on_failure=..., on_progress=...)`` runs ``fn(context)`` on a
thread of the runner's ``QThreadPool`` and delivers its result, its exception or its progress
reports back on the GUI thread.

How the hand-over stays on the GUI thread: each :class:`Operation` is a ``QObject`` created on
(and living in) the GUI thread. The worker only *emits* the operation's private signals; those
are connected to the operation's own methods, so Qt queues every delivery to the GUI thread's
event loop. The callbacks given to ``run`` (lambdas are fine there) are called from those
methods, never from a worker. No lambda is ever connected to a signal emitted by a worker.

Failures: ``on_failure(exc)`` may handle an exception by returning True; anything unhandled goes
to the runner's ``failure_handler`` (the main window shows expected errors as a plain message
and unexpected ones as a dialog with the log file's path).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

SuccessCallback = Callable[[Any], None]
FailureCallback = Callable[[BaseException], bool]
ProgressCallback = Callable[[Any], None]
FailureHandler = Callable[[BaseException, "Operation"], None]

PROGRESS_INTERVAL = 0.05
"""Progress reports closer together than this (seconds) are coalesced: the latest wins."""


class OperationContext:
    """What the background function gets: a cancel flag and a way to report progress."""

    def __init__(self, operation: Operation) -> None:
        self._operation = operation
        self.cancel = threading.Event()
        self._last_report = 0.0

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def report(self, payload: Any, *, force: bool = False) -> None:
        """Send ``payload`` to ``on_progress`` on the GUI thread (thread-safe, coalesced)."""
        now = time.monotonic()
        if not force and now - self._last_report < PROGRESS_INTERVAL:
            return
        self._last_report = now
        self._operation._progress.emit(payload)


class Operation(QObject):
    """One background call. Lives in the GUI thread; its worker only emits its signals."""

    _progress = Signal(object)
    _done = Signal(object)
    _error = Signal(object)
    finished = Signal()
    """Emitted on the GUI thread after the success or failure callback has run."""

    def __init__(
        self,
        runner: OperationRunner,
        fn: Callable[[OperationContext], Any],
        *,
        name: str,
        on_success: SuccessCallback | None,
        on_failure: FailureCallback | None,
        on_progress: ProgressCallback | None,
        on_finished: Callable[[], None] | None,
    ) -> None:
        super().__init__(runner)
        self.name = name
        self._runner = runner
        self._fn = fn
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_progress = on_progress
        self._on_finished = on_finished
        self.context = OperationContext(self)
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        # Methods of this GUI-thread object: deliveries from the worker are queued to it.
        self._progress.connect(self._deliver_progress)
        self._done.connect(self._deliver_result)
        self._error.connect(self._deliver_error)

    # -- called on the worker thread --------------------------------------------------
    def _execute(self) -> None:
        try:
            result = self._fn(self.context)
        except BaseException as exc:  # delivered, never lost in a worker
            self._error.emit(exc)
        else:
            self._done.emit(result)

    # -- GUI thread -------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the function to stop (it looks at ``context.cancel``); the callbacks still run."""
        self.context.cancel.set()

    @property
    def cancelled(self) -> bool:
        return self.context.cancel.is_set()

    def _deliver_progress(self, payload: Any) -> None:
        if self.done or self._on_progress is None:
            return
        try:
            self._on_progress(payload)
        except Exception as exc:
            self._runner.report_failure(exc, self)

    def _deliver_result(self, result: Any) -> None:
        self.result = result
        try:
            if self._on_success is not None:
                self._on_success(result)
        except Exception as exc:
            self._runner.report_failure(exc, self)
        finally:
            self._finish()

    def _deliver_error(self, exc: BaseException) -> None:
        self.error = exc
        try:
            handled = self._on_failure(exc) if self._on_failure is not None else False
            if not handled:
                self._runner.report_failure(exc, self)
        except Exception as inner:
            self._runner.report_failure(inner, self)
        finally:
            self._finish()

    def _finish(self) -> None:
        self.done = True
        try:
            if self._on_finished is not None:
                self._on_finished()
        except Exception as exc:
            self._runner.report_failure(exc, self)
        finally:
            self._runner._forget(self)
            self.finished.emit()


class _Task(QRunnable):
    def __init__(self, operation: Operation) -> None:
        super().__init__()
        self._operation = operation
        self.setAutoDelete(True)

    def run(self) -> None:
        self._operation._execute()


def _default_failure_handler(exc: BaseException, operation: Operation) -> None:
    log.error("operation %s failed", operation.name, exc_info=exc)


class OperationRunner(QObject):
    """Owns the thread pool and every running operation (so none is garbage-collected early)."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 6) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._active: list[Operation] = []
        self.failure_handler: FailureHandler = _default_failure_handler
        self._closed = False

    def run(
        self,
        fn: Callable[[OperationContext], Any],
        *,
        name: str = "",
        on_success: SuccessCallback | None = None,
        on_failure: FailureCallback | None = None,
        on_progress: ProgressCallback | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> Operation:
        """Start ``fn(context)`` on a worker thread; callbacks run later on the GUI thread."""
        operation = Operation(
            self,
            fn,
            name=name or getattr(fn, "__name__", "operation"),
            on_success=on_success,
            on_failure=on_failure,
            on_progress=on_progress,
            on_finished=on_finished,
        )
        self._active.append(operation)
        if self._closed:
            operation.cancel()
        self.pool.start(_Task(operation))
        return operation

    def active(self) -> list[Operation]:
        return list(self._active)

    def report_failure(self, exc: BaseException, operation: Operation) -> None:
        self.failure_handler(exc, operation)

    def _forget(self, operation: Operation) -> None:
        if operation in self._active:
            self._active.remove(operation)
        operation.deleteLater()

    def cancel_all(self) -> None:
        for operation in self._active:
            operation.cancel()

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Wait for every worker to finish and deliver its results (tests, shutdown).

        Processes events while waiting, so the deliveries reach their callbacks.
        """
        deadline = QDeadlineTimer(timeout_ms)
        while self._active and not deadline.hasExpired():
            self.pool.waitForDone(20)
            QCoreApplication.processEvents()
        return not self._active

    def shutdown(self, timeout_ms: int = 5_000) -> bool:
        """Cancel everything, wait for the workers, refuse nothing (later runs start cancelled)."""
        self._closed = True
        self.cancel_all()
        finished = self.pool.waitForDone(timeout_ms)
        QCoreApplication.processEvents()
        return finished
