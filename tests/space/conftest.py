"""The signed-in professional of the space's tests: Dr Martin, before and after activation."""

from __future__ import annotations

import pytest
from django.test import Client

from certipro.accounts.models import User
from certipro.directory.models import Professional
from certipro.space.models import Activation


@pytest.fixture
def owner(dr_martin: Professional) -> Client:
    user = User.objects.create_user("10000000017", professional=dr_martin)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def activated(owner: Client, dr_martin: Professional) -> Client:
    Activation.objects.create(professional=dr_martin)
    return owner
