from django.apps import AppConfig


class AccessibilityConfig(AppConfig):
    name = "skolsam.accessibility"
    label = "accessibility"
    verbose_name = "Tillgänglighet"
