"""A built-in identity provider that behaves like Pro Santé Connect, for development and the demo.

Decision 0002. Switched on by CERTIPRO_DEV_PSC=1, which the settings refuse outside debug; every
view answers 404 while it is off, so that the URLs exist but serve nothing in production.
"""
