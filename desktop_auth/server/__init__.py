"""The reference OAuth 2 / OpenID Connect identity server."""
