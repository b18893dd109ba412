from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "skolsam.organisations"
    label = "organisations"
