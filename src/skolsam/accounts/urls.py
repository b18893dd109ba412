from django.urls import path

from skolsam.accounts import views, views_language, views_unlock
from skolsam.accounts.federation import views as federation_views

urlpatterns = [
    path("login/", views.login, name="login"),
    path("sprak/", views_language.language_choose, name="language_choose"),
    path("logout/", views.logout, name="logout"),
    path("utloggad/", federation_views.session_ended, name="session_ended"),
    path("saml/<slug:slug>/login/", federation_views.SamlLoginView.as_view(), name="saml_login"),
    path("saml/acs/", federation_views.SamlAcsView.as_view(), name="saml_acs"),
    path("saml/metadata/", federation_views.SamlMetadataView.as_view(), name="saml_metadata"),
    path("saml/logout/", federation_views.SamlLogoutView.as_view(), name="saml_logout"),
    path("saml/sls/", federation_views.SamlSlsView.as_view(), name="saml_sls"),
    path("oidc/login/", federation_views.oidc_login, name="oidc_login"),
    path("oidc/callback/", federation_views.oidc_callback, name="oidc_callback"),
    path("login/engangskod/", federation_views.login_code, name="login_code"),
    path(
        "inloggningskod/<uuid:person_id>/",
        federation_views.login_code_send,
        name="login_code_send",
    ),
    path("las-upp/", views_unlock.unlock, name="unlock"),
    path("konto/", views.account, name="account"),
    path("konto/pinkod/", views_unlock.pin_set, name="unlock_pin_set"),
    path(
        "konto/pinkod/<int:device_id>/aterkalla/",
        views_unlock.device_revoke,
        name="unlock_device_revoke",
    ),
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
