from django.apps import AppConfig


class PupilDocumentationConfig(AppConfig):
    name = "skolsam.pupil_documentation"
    label = "pupil_documentation"
    verbose_name = "Elevdokumentation"
