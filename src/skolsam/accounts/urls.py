from django.urls import path

from skolsam.accounts import views

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("losenord/aterstall/", views.password_reset, name="password_reset"),
    path("losenord/aterstall/skickat/", views.password_reset_done, name="password_reset_done"),
    path(
        "losenord/aterstall/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "losenord/aterstall/klart/", views.password_reset_complete, name="password_reset_complete"
    ),
]
