from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "skolsam.groups"
    label = "groups"
