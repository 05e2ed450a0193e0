# Build, run and test desktop-auth. `make run` and `make test` are all a fresh clone needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

ARGS ?=
PYTEST_ARGS ?=
BENCH_ARGS ?=

# Debian packages the tests and the app need: a virtual X server and tools to drive it,
# a session bus with a Secret Service (keyring) implementation, and screenshots.
TOOL_PACKAGES := xvfb xauth dbus-x11 gnome-keyring libsecret-tools xdotool imagemagick postgresql faketime \
	x11-utils desktop-file-utils
# What the PyQt5 wheel's bundled xcb platform plugin links against (checked with ldd on
# PyQt5/Qt5/plugins/platforms/libqxcb.so) that a minimal Debian 12 does not have.
QT_XCB_PACKAGES := libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	libxcb-render-util0 libxcb-xinerama0 libxcb-xfixes0 libxcb-shape0 libxcb-sync1 libx11-xcb1 \
	libgl1 libegl1 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core
DEB_PACKAGES := $(TOOL_PACKAGES) $(QT_XCB_PACKAGES)

# Installs Debian packages given as arguments when any is missing; quiet when all are present.
# Needs root (skips with a message otherwise) and refreshes the package lists only when needed.
define apt_install
missing=""; \
for pkg in $(1); do \
	dpkg -s "$$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$pkg"; \
done; \
if [ -z "$$missing" ]; then exit 0; fi; \
if [ "$$(id -u)" != 0 ]; then \
	echo "make: missing Debian packages:$$missing"; \
	echo "make: not root, so not installing them; run 'sudo make deps' once. Continuing."; \
	exit 0; \
fi; \
echo "make: installing Debian packages:$$missing"; \
export DEBIAN_FRONTEND=noninteractive; \
if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then apt-get update -q; fi; \
apt-get install -y -q --no-install-recommends $$missing \
	|| { apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; }
endef

# The one-folder build (PyInstaller) and what `install-desktop` puts in the application menu.
DIST_BIN := dist/desktop-auth/desktop-auth
DIST_SOURCES := packaging/desktop-auth.spec main.py \
	$(shell find desktop_auth -type f ! -name '*.pyc' 2>/dev/null)
ICON_SIZES := 16 24 32 48 64 128 256 512
# The sizes the running app loads (desktop_auth/qt/icons.py); copies of resources/icons/ ones.
PACKAGE_ICON_SIZES := 16 24 32 48 64 128 256

.PHONY: help venv deps run test lint docs bench dist icons screenshots install-desktop uninstall-desktop clean distclean

help:
	@echo "make run     start the desktop app (ARGS='--issuer URL ...' to pass options)"
	@echo "make test    run the test suite (PYTEST_ARGS='-k name' to narrow it)"
	@echo "make lint    ruff check, ruff format --check, mypy"
	@echo "make docs    build the documentation into docs/_build/html (warnings are errors)"
	@echo "make bench   run the benchmarks"
	@echo "make dist    build dist/desktop-auth/, a folder that runs without Python (PyInstaller)"
	@echo "make install-desktop    add the app to your application menu (uninstall-desktop removes it)"
	@echo "make icons   render resources/icons/*.png from desktop-auth.svg"
	@echo "make screenshots    the README's docs/screenshots/*.png, taken of the app under Xvfb"
	@echo "make venv    create .venv and install the project into it"
	@echo "make deps    install the Debian packages the app and tests need (root)"
	@echo "make clean   remove caches, build/ and dist/ (distclean also removes .venv)"

venv: $(STAMP)

# Debian ships venv's pip bootstrap (ensurepip) in a separate package.
$(VENV_PYTHON):
	@if [ -z "$(PYTHON)" ]; then echo "make: no python3.11 or python3 on PATH" >&2; exit 1; fi
	@if command -v dpkg >/dev/null && ! $(PYTHON) -c 'import ensurepip' 2>/dev/null; then \
		$(call apt_install,python3-venv); \
	fi
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes (new dependency, new console script).
$(STAMP): pyproject.toml | $(VENV_PYTHON)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -e '.[dev]'
	@touch $@

# Node.js and npm (for oidc-provider in tests/interop/) only when npm is missing: any install on
# PATH will do, and NodeSource's nodejs, which bundles npm, conflicts with Debian's npm package.
deps:
	@if ! command -v dpkg >/dev/null; then \
		echo "make deps: not a Debian system; install the equivalents of: $(DEB_PACKAGES)"; \
		exit 0; \
	fi; \
	$(call apt_install,$(DEB_PACKAGES))
	@if command -v dpkg >/dev/null && ! command -v npm >/dev/null; then \
		$(call apt_install,nodejs npm); \
	fi

# Bytecode is compiled first, as pip does for an installed wheel: an editable install is not,
# and with PYTHONDONTWRITEBYTECODE set every start would compile every module (quick when current).
run: venv deps
	@$(VENV_PYTHON) -m compileall -q desktop_auth >/dev/null
	$(VENV_PYTHON) main.py $(ARGS)

# Tests get their own session bus (for the keyring) and a virtual display when none is set;
# Qt itself defaults to the offscreen platform in tests/conftest.py. XDG_RUNTIME_DIR is
# provided because Qt warns without it and the test suite fails on Qt warnings.
test: venv deps
	@runtime_dir=$$(mktemp -d /tmp/desktop-auth-xdg.XXXXXX); \
	trap 'rm -rf "$$runtime_dir"' EXIT; \
	export XDG_RUNTIME_DIR="$${XDG_RUNTIME_DIR:-$$runtime_dir}"; \
	wrap=(); \
	if command -v dbus-run-session >/dev/null; then wrap+=(dbus-run-session --); \
	else echo "make test: dbus-run-session not found; keyring tests may fail"; fi; \
	if [ -z "$${DISPLAY:-}" ]; then \
		if command -v xvfb-run >/dev/null; then wrap+=(xvfb-run -a -s '-screen 0 1280x1024x24'); \
		else echo "make test: no DISPLAY and no xvfb-run; tests needing X will fail"; fi; \
	fi; \
	"$${wrap[@]}" $(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Every page is read again (-E) so that warnings in unchanged files are not skipped; -n checks
# every cross-reference, and -W makes any warning fail the build (after reporting them all).
docs: venv
	$(VENV)/bin/sphinx-build -E -W --keep-going -n -q -b html docs docs/_build/html
	@echo "make docs: docs/_build/html/index.html"

bench: venv deps
	@$(VENV_PYTHON) -m compileall -q desktop_auth >/dev/null
	@if [ -f benchmarks/__main__.py ]; then \
		$(VENV_PYTHON) -m benchmarks $(BENCH_ARGS); \
	else \
		echo "make bench: no benchmarks yet (benchmarks/__main__.py is missing)"; \
	fi

dist: $(DIST_BIN)

# Rebuilt only when a source changed; build/pyinstaller keeps PyInstaller's cache between builds.
$(DIST_BIN): $(STAMP) $(DIST_SOURCES)
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN \
		--distpath dist --workpath build/pyinstaller packaging/desktop-auth.spec
	@touch $@

icons:
	@$(call apt_install,librsvg2-bin)
	for size in $(ICON_SIZES); do \
		rsvg-convert -w $$size -h $$size resources/icons/desktop-auth.svg \
			-o resources/icons/desktop-auth-$$size.png || exit 1; \
	done
	mkdir -p desktop_auth/resources/icons
	for size in $(PACKAGE_ICON_SIZES); do \
		cp resources/icons/desktop-auth-$$size.png desktop_auth/resources/icons/ || exit 1; \
	done

# The menu entry starts the built folder when there is one, else the venv's command.
install-desktop: $(if $(wildcard $(DIST_BIN)),,venv)
	@packaging/install-desktop.sh install \
		"$(CURDIR)/$(if $(wildcard $(DIST_BIN)),$(DIST_BIN),$(VENV)/bin/desktop-auth)"

uninstall-desktop:
	@packaging/install-desktop.sh uninstall

screenshots: venv deps
	$(VENV_PYTHON) docs/screenshots/make_screenshots.py

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
