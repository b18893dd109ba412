from django.urls import path

from skolsam.help import views

app_name = "help"

urlpatterns = [
    path("guide/<slug:role>/", views.guide_page, name="guide"),
    path("bilder/<str:name>", views.screenshot, name="screenshot"),
]
