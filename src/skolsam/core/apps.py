from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "skolsam.core"
    label = "core"

    def ready(self) -> None:
        from skolsam.core.collation import register_sqlite_collation

        # Database setup, not control flow: every SQLite connection needs the Swedish
        # collation before its first ORDER BY (the same name is created on PostgreSQL by
        # core/migrations/0003_swedish_collation.py).
        connection_created.connect(register_sqlite_collation, dispatch_uid="skolsam_sv")
