"""The use cases both front ends call: the CLI and the GUI go through here, never around it.

``reference``: CPL / EPCL / advisory imports and status. ``records``: pre-notification and job
imports. ``checks``: read or take a device, decide, record the check and the decision.
"""

from __future__ import annotations

from installer_app.errors import UserError
from installer_app.services.reference import (
    WHAT,
    ImportResult,
    Progress,
    find_cpl,
    generation_rules,
    import_reference,
    open_database,
    reference_status,
)
from installer_app.store.cpl_store import FindQuery
from installer_app.store.db import Database

__all__ = [
    "WHAT",
    "Database",
    "FindQuery",
    "ImportResult",
    "Progress",
    "UserError",
    "find_cpl",
    "generation_rules",
    "import_reference",
    "open_database",
    "reference_status",
]
