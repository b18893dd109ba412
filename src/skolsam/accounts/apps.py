from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "skolsam.accounts"
    label = "accounts"

    def ready(self) -> None:
        from skolsam.accounts.triggers import register_version_triggers_ensure

        # SQLite drops a table's triggers when a migration rebuilds it (triggers.py).
        post_migrate.connect(
            register_version_triggers_ensure,
            dispatch_uid="skolsam.accounts.register_version_triggers",
        )
