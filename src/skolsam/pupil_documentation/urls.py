from django.urls import path

from skolsam.pupil_documentation import views, views_offence, views_support

app_name = "pupil_documentation"

urlpatterns = [
    path("", views.index, name="index"),
    path("enhet/<uuid:organisation_id>/", views.unit, name="unit"),
    path("elev/<uuid:person_id>/", views.pupil, name="pupil"),
    path("<uuid:adaptation_id>/", views.adaptation, name="adaptation"),
]

urlpatterns += [
    path("sarskilt-stod/", views_support.support_index, name="support_index"),
    path(
        "sarskilt-stod/enhet/<uuid:organisation_id>/",
        views_support.support_unit,
        name="support_unit",
    ),
    path("elev/<uuid:person_id>/sarskilt-stod/", views_support.support_pupil, name="support_pupil"),
    path(
        "sarskilt-stod/<uuid:report_id>/",
        views_support.support_report_page,
        name="support_report",
    ),
    path(
        "sarskilt-stod/beslut/<uuid:decision_id>/",
        views_support.support_decision,
        name="support_decision",
    ),
    path(
        "sarskilt-stod/beslut/<uuid:decision_id>/pdf/",
        views_support.support_decision_pdf,
        name="support_decision_pdf",
    ),
]

urlpatterns += [
    path("krankning/", views_offence.offence_index, name="offence_index"),
    path("krankning/huvudman/", views_offence.offence_overview, name="offence_overview"),
    path(
        "krankning/enhet/<uuid:organisation_id>/",
        views_offence.offence_unit,
        name="offence_unit",
    ),
    path(
        "krankning/enhet/<uuid:organisation_id>/ny/",
        views_offence.offence_new,
        name="offence_new",
    ),
    path("krankning/<uuid:report_id>/", views_offence.offence, name="offence"),
]
