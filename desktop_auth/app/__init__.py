"""The reference desktop app: what `desktop-auth` and `python main.py` start."""
