from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "skolsam.attendance"
    label = "attendance"
    verbose_name = "Närvaro och frånvaro"
