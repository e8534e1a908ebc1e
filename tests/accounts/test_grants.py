"""Support of a CNP (R38): a grant the professional gives, limited in time and scope, revocable;
every read by a CNP member journaled (D-41); axis 4 content never shown (D-40)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from certipro.accounts.grants import GrantRefused, grant_support, offered_cnps, revoke_grant
from certipro.accounts.models import User
from certipro.accounts.models_grants import Cnp, CnpMembership, SupportGrant
from certipro.accounts.permissions import account_scope, can_view_account
from certipro.actions.models import Source
from certipro.audit.models import AuditEntry
from certipro.directory.models import Professional, Specialty
from certipro.space.models import Activation
from tests.space.test_actions_space import declare, text

NOW = timezone.make_aware(datetime(2026, 11, 22, 10, 0))


@pytest.fixture
def martin_user(dr_martin: Professional) -> User:
    Activation.objects.create(professional=dr_martin)
    return User.objects.create_user("10000000017", professional=dr_martin)


@pytest.fixture
def me(martin_user: User) -> Client:
    client = Client()
    client.force_login(martin_user)
    return client


@pytest.fixture
def cnp_mg(dr_martin: Professional) -> Cnp:
    cnp = Cnp.objects.create(name="CNP de médecine générale", profession_id="10")
    cnp.specialties.add(Specialty.objects.get(code="SM54"))
    return cnp


@pytest.fixture
def cnp_cardio(dr_martin: Professional) -> Cnp:
    cnp = Cnp.objects.create(name="CNP de cardiologie", profession_id="10")
    cnp.specialties.add(Specialty.objects.get(code="SM04"))
    return cnp


def member(cnp: Cnp, name: str) -> tuple[User, Client]:
    user = User.objects.create_user(name)
    CnpMembership.objects.create(cnp=cnp, user=user)
    client = Client()
    client.force_login(user)
    return user, client


def give(professional: Professional, user: User, cnp: Cnp, scope: str, *, now: datetime | None = None) -> Any:
    return grant_support(
        professional=professional,
        user=user,
        cnp=cnp,
        scope=scope,
        days=30,
        reason="Je voudrais un avis sur mon parcours",
        now=now or timezone.now(),
    )


def test_only_the_cnps_of_my_profession_and_specialty_are_offered(
    dr_martin: Professional, cnp_mg: Cnp, cnp_cardio: Cnp, martin_user: User
) -> None:
    everyone = Cnp.objects.create(name="CNP de toute la profession", profession_id="10")
    Cnp.objects.create(name="CNP infirmier", profession_id="60")
    assert set(offered_cnps(dr_martin)) == {cnp_mg, everyone}
    with pytest.raises(GrantRefused):
        give(dr_martin, martin_user, cnp_cardio, "status")
    with pytest.raises(GrantRefused):
        grant_support(
            professional=dr_martin, user=martin_user, cnp=cnp_mg, scope="status", days=91, reason="", now=NOW
        )


def test_the_professional_grants_from_their_space_and_it_is_journaled(
    me: Client, dr_martin: Professional, cnp_mg: Cnp
) -> None:
    page = text(me.get("/mon-espace/"))
    assert "Accompagnement par mon CNP" in page
    response = me.post(
        "/mon-espace/soutien-cnp/",
        {"cnp": cnp_mg.pk, "scope": "actions", "days": "30", "reason": "Aidez-moi"},
    )
    assert response.status_code == 302
    grant = SupportGrant.objects.get(professional=dr_martin)
    assert grant.scope == "actions" and grant.expires_at - grant.starts_at == timedelta(days=30)
    entry = AuditEntry.objects.get(verb="support.granted")
    assert entry.professional_id == dr_martin.pk and entry.role == "professional"
    page = text(me.get("/mon-espace/soutien-cnp/"))
    assert "CNP de médecine générale Actif" in page and "Retirer l'accès" in page
    assert (
        me.post("/mon-espace/soutien-cnp/", {"cnp": cnp_mg.pk, "scope": "all", "days": "30"}).status_code
        == 400
    )


def test_a_member_reads_within_scope_and_every_read_is_journaled(
    dr_martin: Professional, martin_user: User, me: Client, cnp_mg: Cnp
) -> None:
    declare(dr_martin, "MG-FC", title="Congrès de médecine générale", source=Source.ORGANISM)
    declare(dr_martin, "MG-SANTE", title="Mon bilan très personnel")
    user, client = member(cnp_mg, "cnp.mg")
    grant = give(dr_martin, martin_user, cnp_mg, "status")
    assert account_scope(user, dr_martin) == "cnp_status"
    listing = text(client.get("/mon-espace/cnp/"))
    assert "Claire Martin" in listing
    page = text(client.get("/mon-espace/cnp/10000000017/"))
    assert "Avancement par axe" in page and "Congrès de médecine générale" not in page
    assert "Mon bilan très personnel" not in page
    revoke_grant(grant=grant, user=martin_user, now=timezone.now())
    give(dr_martin, martin_user, cnp_mg, "actions")
    assert account_scope(user, dr_martin) == "cnp_actions"
    page = text(client.get("/mon-espace/cnp/10000000017/"))
    assert "Congrès de médecine générale" in page
    assert "Mon bilan très personnel" not in page
    assert "1 action comptée. Son contenu est privé (axe 4)." in page
    reads = AuditEntry.objects.filter(professional_id=dr_martin.pk, actor=user)
    assert reads.count() == 2 and {e.role for e in reads} == {"cnp"}
    assert {e.verb for e in reads} == {"account_viewed"}
    viewers = text(me.get("/mon-espace/consultations/"))
    assert "cnp.mg cnp Consultation" in viewers and "CNP de médecine générale" in viewers
    # The staff dashboard is not a way around the scope.
    assert client.get("/mon-espace/professionnels/10000000017/").status_code == 404


def test_the_api_journals_a_cnp_read_as_cnp(dr_martin: Professional, martin_user: User, cnp_mg: Cnp) -> None:
    user, client = member(cnp_mg, "cnp.mg")
    assert client.get("/api/v1/professionals/10000000017/certification").status_code == 404
    give(dr_martin, martin_user, cnp_mg, "status")
    assert client.get("/api/v1/professionals/10000000017/certification").status_code == 200
    entry = AuditEntry.objects.get(verb="account.viewed")
    assert entry.role == "cnp" and entry.actor_id == user.pk


def test_expiry_by_date(dr_martin: Professional, martin_user: User, cnp_mg: Cnp) -> None:
    user, _ = member(cnp_mg, "cnp.mg")
    give(dr_martin, martin_user, cnp_mg, "actions", now=NOW)
    assert can_view_account(user, dr_martin, now=NOW + timedelta(days=29, hours=23))
    assert not can_view_account(user, dr_martin, now=NOW + timedelta(days=30))
    assert not can_view_account(user, dr_martin, now=NOW - timedelta(seconds=1))


def test_an_expired_grant_answers_404_and_leaves_the_list(
    dr_martin: Professional, martin_user: User, cnp_mg: Cnp
) -> None:
    _, client = member(cnp_mg, "cnp.mg")
    give(dr_martin, martin_user, cnp_mg, "actions", now=timezone.now() - timedelta(days=31))
    assert client.get("/mon-espace/cnp/10000000017/").status_code == 404
    assert "Claire Martin" not in text(client.get("/mon-espace/cnp/"))
    assert not AuditEntry.objects.filter(verb="account_viewed").exists()


def test_revoke_answers_404_at_once(
    me: Client, dr_martin: Professional, martin_user: User, cnp_mg: Cnp
) -> None:
    _, client = member(cnp_mg, "cnp.mg")
    grant = give(dr_martin, martin_user, cnp_mg, "actions")
    assert client.get("/mon-espace/cnp/10000000017/").status_code == 200
    assert me.post(f"/mon-espace/soutien-cnp/{grant.pk}/retrait/").status_code == 302
    assert client.get("/mon-espace/cnp/10000000017/").status_code == 404
    assert AuditEntry.objects.filter(verb="support.revoked", professional_id=dr_martin.pk).count() == 1
    assert "retiré le" in text(me.get("/mon-espace/soutien-cnp/"))


def test_another_cnp_and_other_people_get_404(
    dr_martin: Professional, martin_user: User, cnp_mg: Cnp, cnp_cardio: Cnp, import_rows: Any
) -> None:
    give(dr_martin, martin_user, cnp_mg, "actions")
    _, other = member(cnp_cardio, "cnp.cardio")
    assert other.get("/mon-espace/cnp/10000000017/").status_code == 404
    assert other.get("/api/v1/professionals/10000000017/certification").status_code == 404
    import_rows("10000000025,Bernard,Julien,,10,SM54,75,L,2010-06-01")
    bernard_record = Professional.objects.get(rpps="10000000025")
    Activation.objects.create(professional=bernard_record)
    bernard = User.objects.create_user("bernard", professional=bernard_record)
    stranger = Client()
    stranger.force_login(bernard)
    assert stranger.get("/mon-espace/cnp/").status_code == 404
    assert stranger.get("/mon-espace/cnp/10000000017/").status_code == 404
    # Nobody but the owner revokes: another professional's POST is a 404.
    grant = SupportGrant.objects.get()
    assert stranger.post(f"/mon-espace/soutien-cnp/{grant.pk}/retrait/").status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None
