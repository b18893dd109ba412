from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "skolsam.imports"
    label = "imports"
    verbose_name = "Import av registeruppgifter"
