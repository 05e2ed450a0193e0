"""desktop-auth: sign-in, roles, permissions and an activity log for PyQt5 desktop apps."""
