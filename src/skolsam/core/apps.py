from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "skolsam.core"
    label = "core"
