#!/bin/sh
# Entry point of the one-shot init service: give a new data dir the deployment's settings
# (/etc/desktop-auth/server.json: trust the one proxy in front), then run the command given.
# An existing server.json is left alone; `init --issuer` keeps the settings it finds there
# (and so says "Already initialised" on the first run too).
set -eu
dir="${DESKTOP_AUTH_SERVER_DATA_DIR:?}"
umask 077
mkdir -p "$dir"
if [ ! -e "$dir/server.json" ]; then
    cp /etc/desktop-auth/server.json "$dir/server.json"
fi
exec "$@"
