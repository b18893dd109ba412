from django.apps import AppConfig


class AuditSearchConfig(AppConfig):
    name = "skolsam.audit_search"
    label = "audit_search"
