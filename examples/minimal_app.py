"""Sign-in and a permission-gated button: python examples/minimal_app.py --issuer URL"""

import argparse
import sys
from typing import Any

from PyQt5.QtWidgets import QApplication, QMainWindow, QPushButton

from desktop_auth.qt import DesktopAuth, apply_style


def build(issuer: str, client_id: str = "desktop-auth", **options: Any) -> DesktopAuth:
    """Sign-in to ``issuer`` (``options``: DesktopAuth's); the editor shows once signed in."""
    editor = QMainWindow()
    save = QPushButton("&Save document")
    save.setObjectName("saveButton")
    editor.setCentralWidget(save)
    auth = DesktopAuth(issuer, client_id, main_window=editor, **options)
    auth.gate(save, "documents.write")  # disabled, with a tooltip naming it, unless allowed
    return auth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--client-id", default="desktop-auth")
    args = parser.parse_args(argv)
    app = QApplication(sys.argv[:1])
    apply_style(app)
    auth = build(args.issuer, args.client_id)
    auth.show_login()
    status = app.exec_()
    auth.close()  # signs out (tokens revoked) and closes the activity log
    return status


if __name__ == "__main__":
    sys.exit(main())
