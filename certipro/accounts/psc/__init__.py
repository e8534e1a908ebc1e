"""Sign-in with Pro Santé Connect (PSC): allauth's generic OpenID Connect provider, app "psc".

`config` builds the provider settings from the environment, `claims` turns PSC's claims into one
of our professionals, `adapter` plugs that into allauth's flow.
"""
