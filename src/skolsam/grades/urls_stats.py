from django.urls import path

from skolsam.grades import views_stats

app_name = "grades_stats"

urlpatterns = [
    path("", views_stats.index, name="index"),
    path("varningar/", views_stats.warnings, name="warnings"),
    path("varna/<uuid:activity_id>/<uuid:person_id>/", views_stats.warn, name="warn"),
    path("prov/<uuid:activity_id>/", views_stats.national_tests, name="national_tests"),
    path("prov/jamforelse/", views_stats.national_test_comparison, name="comparison"),
]
