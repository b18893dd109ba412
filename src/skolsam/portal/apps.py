from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "skolsam.portal"
    label = "portal"
    verbose_name = "Portalen för vårdnadshavare och elever"
