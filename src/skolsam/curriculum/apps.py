from django.apps import AppConfig


class CurriculumConfig(AppConfig):
    name = "skolsam.curriculum"
    label = "curriculum"
