"""The Qt-free library's messages in the user's language: the library speaks English (its
messages also go to logs and the command line), so the Qt layer translates the ones a user
meets most, by their English text.

A fixed message is translated as a whole. A formatted one is matched against a template
("Cannot reach {host}: {reason}"): the fields keep what the library put there (host names,
URLs, paths, error codes), and a field that is itself a known message is translated too.
Any other message is shown as the library wrote it. tests/qt/test_translations.py checks
that every message here is still one the library can produce.
"""

from __future__ import annotations

import re
import string
from functools import cache

from desktop_auth.qt.translation import TranslationContext

LibraryMessages = TranslationContext("LibraryMessages")

FIXED = (
    # Signing in (desktop_auth.oidc)
    LibraryMessages.QT_TR_NOOP("The username or password is incorrect."),
    LibraryMessages.QT_TR_NOOP("Enter your username and password."),
    LibraryMessages.QT_TR_NOOP("Sign-in cancelled."),
    LibraryMessages.QT_TR_NOOP("This session holds no tokens to renew; sign in again."),
    LibraryMessages.QT_TR_NOOP(
        "This session cannot be renewed (the server gave no refresh token); sign in again."
    ),
    LibraryMessages.QT_TR_NOOP("The stored session is for another user than remembered."),
    # Why a server could not be reached (the {reason} of "Cannot reach {host}: {reason}")
    LibraryMessages.QT_TR_NOOP("connection refused (is the server running, and on that port?)"),
    LibraryMessages.QT_TR_NOOP("host name not found (check the issuer URL and your network)"),
    LibraryMessages.QT_TR_NOOP("the connection was closed by the server"),
    # The issuer URL and client id (desktop_auth.oidc.http, desktop_auth.settings)
    LibraryMessages.QT_TR_NOOP("The issuer URL must not have a query or fragment."),
    LibraryMessages.QT_TR_NOOP("The issuer URL must not contain spaces or control characters."),
    LibraryMessages.QT_TR_NOOP(
        "The client id may hold only printable ASCII characters (letters, digits, "
        "punctuation and spaces)."
    ),
    # The system keyring (desktop_auth.secrets)
    LibraryMessages.QT_TR_NOOP(
        "No system keyring was found (such as GNOME Keyring, KWallet, the macOS Keychain or "
        "the Windows Credential Locker), so this computer cannot keep you signed in."
    ),
    LibraryMessages.QT_TR_NOOP("The system keyring is locked. Unlock it to stay signed in."),
)

# Most specific first: the first template that matches the whole message is used.
TEMPLATES = (
    # The network (desktop_auth.oidc.http)
    LibraryMessages.QT_TR_NOOP("Cannot reach {host}: {reason}"),
    LibraryMessages.QT_TR_NOOP("no answer within {seconds} s"),
    LibraryMessages.QT_TR_NOOP("The request to {host} failed: {reason}"),
    LibraryMessages.QT_TR_NOOP(
        "{host} answered HTTP {status} {reason}{extra} for {url}: the server has a problem; "
        "try again later or tell its administrator."
    ),
    LibraryMessages.QT_TR_NOOP(
        "TLS error talking to {host}: the certificate is for another host name ({detail}). "
        "Check the issuer URL."
    ),
    LibraryMessages.QT_TR_NOOP(
        "TLS error talking to {host}: the server's certificate is not valid now ({detail}). "
        "Check the server's certificate and this computer's clock."
    ),
    LibraryMessages.QT_TR_NOOP(
        "TLS error talking to {host}: certificate not trusted: {detail}. If the server uses a "
        "private CA, pass its certificate with --ca-bundle."
    ),
    LibraryMessages.QT_TR_NOOP(
        "TLS error talking to {host}: {detail}. Check that the issuer URL is right and that "
        "the server speaks HTTPS on that port."
    ),
    LibraryMessages.QT_TR_NOOP(
        "Cannot use --ca-bundle {path}: {reason}. It must be a PEM file of CA certificates."
    ),
    # The issuer URL (desktop_auth.oidc.http, desktop_auth.settings)
    LibraryMessages.QT_TR_NOOP(
        "The issuer must be an https:// URL such as https://id.example.com, not {url}."
    ),
    LibraryMessages.QT_TR_NOOP(
        "Refusing plain http:// for {host}: passwords and tokens would cross the network "
        "unencrypted. Use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost)."
    ),
    LibraryMessages.QT_TR_NOOP("The issuer URL has an invalid port: {text}."),
    LibraryMessages.QT_TR_NOOP(
        "The server at {issuer} calls itself {reported}; its tokens would be rejected. "
        "Use {reported} as the issuer URL if that is the server you mean."
    ),
    # The client id and CA bundle (desktop_auth.settings)
    LibraryMessages.QT_TR_NOOP("The client id must be at most {maximum} characters, not {length}."),
    LibraryMessages.QT_TR_NOOP("There is no file {path}."),
    LibraryMessages.QT_TR_NOOP("{path} is a folder; choose a PEM file of CA certificates."),
    LibraryMessages.QT_TR_NOOP("Cannot read {path}: {reason}."),
    LibraryMessages.QT_TR_NOOP("{path} is too large to be a CA bundle."),
    LibraryMessages.QT_TR_NOOP(
        "{path} holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)."
    ),
    LibraryMessages.QT_TR_NOOP("The certificates in {path} cannot be used: {reason}."),
    # Settings and the system keyring (desktop_auth.settings, desktop_auth.secrets)
    LibraryMessages.QT_TR_NOOP(
        "the settings file {path} could not be read ({error}); it was moved to {aside} and "
        "the default settings are used"
    ),
    LibraryMessages.QT_TR_NOOP("The system keyring cannot be used ({error})."),
    LibraryMessages.QT_TR_NOOP("The system keyring could not be used ({error})."),
)


@cache
def template_pattern(template: str) -> re.Pattern[str]:
    """The regular expression matching what ``template`` formats: a field is any text (the
    same text where a field repeats)."""
    parts = []
    seen: set[str] = set()
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is None:
            continue
        parts.append(f"(?P={field})" if field in seen else f"(?P<{field}>.+?)")
        seen.add(field)
    return re.compile("".join(parts), re.DOTALL)


def translated_message(message: str, *, depth: int = 0) -> str:
    """``message``, a message of the library, in the language installed (as it is if unknown)."""
    if not message:
        return message
    fixed = LibraryMessages.tr(message)
    if fixed != message:
        return fixed
    for template in TEMPLATES:
        match = template_pattern(template).fullmatch(message)
        if match is None:
            continue
        translation = LibraryMessages.tr(template)
        if translation == template:  # the source language: the message is right as it is
            return message
        fields = match.groupdict()
        if depth == 0:  # "connection refused (...)" within "Cannot reach {host}: {reason}"
            fields = {k: translated_message(v, depth=1) for k, v in fields.items()}
        return translation.format(**fields)
    return message
