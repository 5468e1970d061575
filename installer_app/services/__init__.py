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
    generation_rules,
    import_reference,
    open_database,
    reference_status,
)

__all__ = [
    "WHAT",
    "ImportResult",
    "Progress",
    "UserError",
    "generation_rules",
    "import_reference",
    "open_database",
    "reference_status",
]
