"""Sign-in with Pro Santé Connect (PSC): allauth's generic OpenID Connect provider, app "psc".

`config` builds the provider settings from the environment, `claims` turns PSC's claims into one
of our professionals, `adapter` plugs that into allauth's flow, `views` is allauth's callback that
also keeps PSC's ID token, and `logout` signs a professional out of PSC too (P12).
"""
