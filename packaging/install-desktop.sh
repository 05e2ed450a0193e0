#!/usr/bin/env bash
# Adds desktop-auth to the current user's application menu, or removes it again.
#
#   packaging/install-desktop.sh install /absolute/path/to/desktop-auth
#   packaging/install-desktop.sh uninstall
#
# Installs resources/desktop-auth.desktop (its Exec set to the given program) into
# $XDG_DATA_HOME/applications and the icons into $XDG_DATA_HOME/icons/hicolor, as the XDG desktop
# entry and icon theme specifications describe; XDG_DATA_HOME defaults to ~/.local/share.
set -euo pipefail

APP=desktop-auth
REPO=$(cd "$(dirname "$0")/.." && pwd)
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
APPLICATIONS=$DATA_HOME/applications
HICOLOR=$DATA_HOME/icons/hicolor
SIZES=(16 24 32 48 64 128 256 512)

refresh_caches() {
    # Menus and icon lookups read these caches where they exist; both tools are optional.
    if command -v update-desktop-database >/dev/null; then
        update-desktop-database -q "$APPLICATIONS" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null && [ -d "$HICOLOR" ]; then
        gtk-update-icon-cache -q -f -t "$HICOLOR" || true
    fi
}

install_entry() {
    local program=$1
    case $program in
        /*) ;;
        *) echo "install-desktop: the program must be an absolute path: $program" >&2; exit 2 ;;
    esac
    if [ ! -x "$program" ]; then
        echo "install-desktop: $program is not an executable file (run make dist or make venv)" >&2
        exit 1
    fi
    # The desktop entry spec reserves these in Exec; quoting them is not worth it for a path.
    case $program in
        *[\"\`\$\\%]*)
            echo "install-desktop: cannot put this path in a desktop entry: $program" >&2
            exit 1 ;;
    esac
    local exec_line=$program
    case $program in *[[:space:]\'\>\<\~\|\&\;\*\?\#\(\)]*) exec_line="\"$program\"" ;; esac

    local replacement
    replacement=$(printf '%s' "$exec_line" | sed 's/[|&]/\\&/g')  # sed's own specials

    mkdir -p "$APPLICATIONS"
    sed "s|^Exec=.*|Exec=$replacement|" "$REPO/resources/$APP.desktop" >"$APPLICATIONS/$APP.desktop.tmp"
    mv "$APPLICATIONS/$APP.desktop.tmp" "$APPLICATIONS/$APP.desktop"

    local size
    for size in "${SIZES[@]}"; do
        install -D -m 0644 "$REPO/resources/icons/$APP-$size.png" \
            "$HICOLOR/${size}x${size}/apps/$APP.png"
    done
    install -D -m 0644 "$REPO/resources/icons/$APP.svg" "$HICOLOR/scalable/apps/$APP.svg"
    refresh_caches
    echo "installed $APPLICATIONS/$APP.desktop (starts $program) and its icons in $HICOLOR"
}

uninstall_entry() {
    local size
    rm -f "$APPLICATIONS/$APP.desktop"
    for size in "${SIZES[@]}"; do
        rm -f "$HICOLOR/${size}x${size}/apps/$APP.png"
    done
    rm -f "$HICOLOR/scalable/apps/$APP.svg"
    [ -d "$APPLICATIONS" ] && refresh_caches
    echo "removed $APPLICATIONS/$APP.desktop and its icons"
}

case ${1:-} in
    install) install_entry "${2:?usage: $0 install /absolute/path/to/desktop-auth}" ;;
    uninstall) uninstall_entry ;;
    *) echo "usage: $0 install PROGRAM | uninstall" >&2; exit 2 ;;
esac
