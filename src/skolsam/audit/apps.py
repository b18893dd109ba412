from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "skolsam.audit"
    label = "audit"
