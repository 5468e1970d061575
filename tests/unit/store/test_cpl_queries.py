"""The CPL query builder: what reaches the SQL text is only ever a known column and direction."""

from __future__ import annotations

from installer_app.store.cpl_store import _order_terms


def test_cpl_sort_order_accepts_only_known_columns_and_directions() -> None:
    assert _order_terms("model_id DESC, status asc") == ["model_id DESC", "status ASC"]
    assert _order_terms("firmware_version LIMIT 1, x, device_type; DROP TABLE job") == []
