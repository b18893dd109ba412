from django.apps import AppConfig


class DutiesConfig(AppConfig):
    name = "skolsam.duties"
    label = "duties"
