"""`python main.py` starts the desktop app, exactly like the `desktop-auth` command."""

from desktop_auth.app.main import main

raise SystemExit(main())
