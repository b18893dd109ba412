from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "skolsam.enrolment"
    label = "enrolment"
