from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "skolsam.demo"
    label = "demo"
