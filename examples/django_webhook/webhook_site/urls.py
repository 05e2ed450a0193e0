"""URLs: the one webhook endpoint. Register it with the identity server as
``desktop-auth-server --data-dir DIR webhook add https://this.site/webhooks/desktop-auth/``."""

from django.urls import path
from sign_ins.views import desktop_auth_webhook

urlpatterns = [
    path("webhooks/desktop-auth/", desktop_auth_webhook, name="desktop-auth-webhook"),
]
