from django.apps import AppConfig


class HelpConfig(AppConfig):
    name = "skolsam.help"
    label = "help"
    verbose_name = "Hjälp"
