from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "skolsam.accounts"
    label = "accounts"
