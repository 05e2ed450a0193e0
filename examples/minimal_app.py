"""Sign-in and a permission-gated button for your own PyQt5 app, in a dozen lines.

python examples/minimal_app.py --issuer http://127.0.0.1:8765
"""

from __future__ import annotations

import argparse
import sys

from PyQt5.QtWidgets import QApplication, QMainWindow, QPushButton

from desktop_auth.oidc import ClientConfig, OIDCClient
from desktop_auth.permissions import PermissionPolicy
from desktop_auth.qt import AuthController, LoginWindow, PermissionGate, apply_style


def build(issuer: str, client_id: str = "desktop-auth") -> tuple[LoginWindow, QMainWindow]:
    """The login window, and an editor window shown once signed in."""
    client = OIDCClient(ClientConfig(issuer, client_id), PermissionPolicy.default())
    controller = AuthController(client)
    login = LoginWindow(controller)

    editor = QMainWindow()
    editor.setObjectName("editor")
    save = QPushButton("&Save document")
    save.setObjectName("saveButton")
    editor.setCentralWidget(save)
    gate = PermissionGate(editor)
    gate.gate(save, "documents.write")  # disabled, with a tooltip naming it, unless allowed

    events = controller.events
    events.permissions_changed.connect(gate.set_permissions)
    events.login_succeeded.connect(lambda session: (login.hide(), editor.show()))
    return login, editor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--client-id", default="desktop-auth")
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    apply_style(app)
    login, _editor = build(args.issuer, args.client_id)
    login.show()
    return app.exec_()


if __name__ == "__main__":
    sys.exit(main())
