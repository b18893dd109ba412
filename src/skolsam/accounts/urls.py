from django.urls import path

from skolsam.accounts import views, views_language

urlpatterns = [
    path("login/", views.login, name="login"),
    path("sprak/", views_language.language_choose, name="language_choose"),
    path("logout/", views.logout, name="logout"),
    path("konto/", views.account, name="account"),
    path("konto/logga-ut-overallt/", views.logout_everywhere, name="logout_everywhere"),
    path("konto/losenord/", views.password_change, name="password_change"),
    path("konto/tvastegsverifiering/", views.setup_two_factor, name="two_factor_setup"),
    path("konto/tvastegsverifiering/kontroll/", views.verify_two_factor, name="two_factor_verify"),
    path(
        "konto/tvastegsverifiering/reservkoder/",
        views.recovery_codes,
        name="two_factor_recovery_codes",
    ),
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
