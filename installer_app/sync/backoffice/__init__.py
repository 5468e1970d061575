"""The reference back office: what an energy supplier runs for its installers to sync with.

``store`` holds the data and the rules (SQLAlchemy Core, SQLite or PostgreSQL) and is all the
administration commands need; ``app`` is the HTTP API (FastAPI, the optional ``backoffice``
extra), imported only by ``installer-app backoffice serve``. Nothing here is imported by the
desktop app.
"""
