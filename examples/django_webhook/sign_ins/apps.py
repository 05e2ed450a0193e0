"""The app that turns the identity server's webhooks into Django signals."""

from django.apps import AppConfig


class SignInsConfig(AppConfig):
    name = "sign_ins"

    def ready(self) -> None:
        # Connects the @receiver functions (Django's advice: import them in ready()).
        from sign_ins import receivers  # noqa: F401
