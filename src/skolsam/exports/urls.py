from django.urls import path, register_converter

from skolsam.exports import views


class ExportFormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormatConverter, "exportformat")

urlpatterns = [
    path(
        "grupper/<uuid:group_id>/export/klasslista.<exportformat:fmt>",
        views.class_list_download,
        name="export_class_list",
    ),
    path(
        "enheter/<uuid:organisation_id>/export/elever.<exportformat:fmt>",
        views.school_unit_pupils_download,
        name="export_school_unit_pupils",
    ),
    path("audit/export.csv", views.audit_log_download, name="export_audit_log"),
]
