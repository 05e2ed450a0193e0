"""The example documents-and-reports API the reference app loads its pages from (no Qt).

A small Flask app protected with ``desktop_auth.resource.flask``: reading documents needs
``documents.read``, changing them ``documents.write``, the reports ``reports.view``, checked
on the server whatever the desktop app shows. ``python main.py`` without ``--issuer`` serves
it on 127.0.0.1 beside the bundled identity server (``desktop_auth.app.embedded``).
"""
