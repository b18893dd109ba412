from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "skolsam.attendance"
    label = "attendance"
    verbose_name = "Närvaro och frånvaro"

    def ready(self) -> None:
        from skolsam.attendance.services.protection import security_marking_changed
        from skolsam.core import events

        events.security_marking_changed.connect(
            security_marking_changed, dispatch_uid="attendance.security_marking_changed"
        )
