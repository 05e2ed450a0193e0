"""The documents API's app."""

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"

    def ready(self) -> None:
        # Connects the @receiver functions (Django's advice: import them in ready()).
        from documents import receivers  # noqa: F401
