"""A minimal Django OAuth Toolkit identity server that the interop tests run as a subprocess."""
