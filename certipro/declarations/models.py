"""The declarations app's models: the portal's uploads and their lines (`portal/models.py`).

The declarants and their API tokens are the actions app's (`certipro.actions.models`): a declarant
is a party of an action's provenance.
"""

from __future__ import annotations

# The portal's uploads belong to this app; their models live with the portal.
from certipro.declarations.portal.models import *  # noqa: F403
