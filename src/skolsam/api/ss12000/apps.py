from django.apps import AppConfig


class SS12000Config(AppConfig):
    name = "skolsam.api.ss12000"
    label = "ss12000"
    verbose_name = "SS 12000 API"
    default_auto_field = "django.db.models.BigAutoField"
