from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "skolsam.people"
    label = "people"
