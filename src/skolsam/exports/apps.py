from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "skolsam.exports"
    label = "exports"
    verbose_name = "Export av klass- och elevlistor"
