from django.urls import path

from skolsam.grades import views, views_study_plans

app_name = "grades"

urlpatterns = [
    path("", views.index, name="index"),
    path("lista/<uuid:period_id>/<uuid:activity_id>/", views.sheet, name="sheet"),
    path("medsignera/", views.co_sign_list, name="co_sign_list"),
    path("medsignera/<uuid:pending_id>/", views.co_sign, name="co_sign"),
    path("perioder/", views.periods, name="periods"),
    path("perioder/<uuid:period_id>/stang/", views.period_close, name="period_close"),
    path("perioder/<uuid:period_id>/", views.progress, name="progress"),
    path("perioder/<uuid:period_id>/paminn/", views.remind, name="remind"),
    path("historik/<uuid:lineage>/", views.history, name="history"),
    path("historik/<uuid:lineage>/andra/", views.correct, name="correct"),
    path("studieplaner/", views_study_plans.study_plans, name="study_plans"),
    path(
        "studieplan/<uuid:person_id>/<uuid:unit_id>/",
        views_study_plans.study_plan,
        name="study_plan",
    ),
]
