"""What the professional may read about their own account: who viewed it (D-41), and all of it.

The export is the professional's whole account in open formats (peers.md: "full export ... so
professionals can move data"): a JSON document, and the same sections as CSV files in one zip.
CSV cannot hold sections with different columns in one table, so each section is its own file;
the zip keeps it a single download. Evidence files are not included, only their metadata: they
are downloaded one by one from each action.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from certipro.accounts.models import User
from certipro.actions.models import Action, ActionTransition
from certipro.audit.journal import Actor, record
from certipro.audit.models import AuditEntry
from certipro.certification.models import Period, StatusSnapshot
from certipro.directory.models import Professional
from certipro.notifications.kinds import render as render_notification
from certipro.notifications.models import Notification, Preferences
from certipro.space.models_actions import ActionNote, Evidence
from certipro.space.models_plan import Plan, PlannedAction

# What an entry of the journal means, for the professional; other verbs are shown as they are.
VERB_LABELS = {
    "account_viewed": "Consultation de votre compte",
    "account.viewed": "Consultation de votre statut (API)",
    "account_created": "Création de votre compte",
    "action.accepted": "Déclaration d'une action",
    "action.updated": "Correction d'une action",
    "action.merged": "Attestation d'une action que vous aviez déclarée",
    "action.bulk_accepted": "Déclaration d'une action",
    "action.withdrawn": "Retrait d'une action",
    "action.rejected": "Rejet d'une action",
    "action.attested": "Attestation d'une action",
    "interruption.recorded": "Interruption d'exercice enregistrée",
    "referentiel.chosen": "Choix de référentiel",
}
READ_VERBS = ("account_viewed", "account.viewed")


def viewings(professional: Professional, user: User) -> QuerySet[AuditEntry]:
    """D-41: every read of the account by someone else, and every change someone else made."""
    return (
        AuditEntry.objects.filter(professional_id=professional.pk)
        .filter(Q(actor__isnull=True) | ~Q(actor=user))
        .order_by("-at", "-pk")
    )


def describe(entry: AuditEntry) -> str:
    if entry.verb == "plan.viewed":
        # It names the employer that read the shared plan (decision 0004): a label with a name
        # cannot be a msgid, so it is rendered here, in the reader's language.
        name = entry.data.get("declarant", "")
        return gettext("Consultation de votre plan d'actions par votre employeur « %(name)s »") % {
            "name": name
        }
    return VERB_LABELS.get(entry.verb, entry.verb)


def is_read(entry: AuditEntry) -> bool:
    return entry.verb in READ_VERBS


def export_data(professional: Professional, *, user: User, fmt: str) -> dict[str, list[dict[str, Any]]]:
    """All of the account, one list of flat rows per section; journaled as an export (D-41)."""
    p = professional
    exercises = list(p.exercises.select_related("profession", "department", "practice_mode").order_by("pk"))
    periods = list(
        Period.objects.filter(professional=p).select_related("exercise").order_by("exercise", "start")
    )
    snapshots = StatusSnapshot.objects.filter(professional=p).select_related("period__exercise")
    actions = list(
        Action.objects.filter(professional=p).select_related("declarant").order_by("end_date", "pk")
    )
    data: dict[str, list[dict[str, Any]]] = {
        "identite": [
            {"rpps": p.rpps, "nom": p.last_name, "prenom": p.first_name, "courriel": p.email},
        ],
        "exercices": [
            {
                "profession": e.profession_id,
                "libelle": e.profession.label,
                "specialites": list(e.specialties),
                "departement": e.department_id or "",
                "mode_exercice": e.practice_mode.label if e.practice_mode else "",
                "inscription": e.registration_date,
                "actif": e.is_active,
            }
            for e in exercises
        ],
        "periodes": [
            {
                "profession": x.exercise.profession_id,
                "debut": x.start,
                "fin": x.end,
                "fin_prevue": x.scheduled_end,
                "nature": x.kind,
                "etat": x.state,
            }
            for x in periods
        ],
        "statuts": [_snapshot(s) for s in snapshots],
        "actions": [_action(a) for a in actions],
        "transitions": [
            {
                "action": t.action_id,
                "le": t.at,
                "de": t.from_state,
                "vers": t.to_state,
                "par": t.actor_label,
                "motif": t.reason,
            }
            for t in ActionTransition.objects.filter(professional=p).order_by("action", "at", "pk")
        ],
        "avis": [
            {
                "action": n.action_id,
                "qualite": n.quality,
                "utilite": n.relevance,
                "note": n.note,
                "modifie_le": n.updated_at,
            }
            for n in ActionNote.objects.filter(professional=p, action__professional=p).order_by("action")
        ],
        "justificatifs": [
            {
                "id": e.pk,
                "action": e.action_id,
                "nom": e.original_name,
                "type": e.content_type,
                "taille": e.size,
                "sha256": e.sha256,
                "depose_le": e.uploaded_at,
            }
            for e in Evidence.objects.filter(professional=p, action__professional=p).order_by("pk")
        ],
        "plans": [
            {
                "profession": plan.exercise.profession_id,
                "partage_avec": plan.employer.name if plan.employer else "",
                "cree_le": plan.created_at,
                "modifie_le": plan.updated_at,
            }
            for plan in Plan.objects.filter(professional=p)
            .select_related("exercise", "employer")
            .order_by("pk")
        ],
        "actions_prevues": [
            {
                "profession": item.exercise.profession_id,
                "type": item.type_code,
                "axe": item.axis,
                "date_cible": item.target_date,
                "note": item.note,
                "action_realisee": item.done_action_id or "",
            }
            for item in PlannedAction.objects.filter(professional=p, plan__professional=p)
            .select_related("exercise")
            .order_by("pk")
        ],
        "notifications": [
            _notification(n) for n in Notification.objects.filter(professional=p).order_by("pk")
        ],
        "preferences_notifications": [
            {"courriel": prefs.email, "refuses_par_courriel": ",".join(prefs.email_declined)}
            for prefs in Preferences.objects.filter(professional=p)
        ],
    }
    record(
        actor=Actor.for_user(user, "professional"),
        verb="data.exported",
        professional_id=p.pk,
        obj=p,
        data={"format": fmt},
    )
    data["journal"] = [
        {
            "le": a.at,
            "par": a.actor_label,
            "role": a.role,
            "action": a.verb,
            "objet": f"{a.object_type}:{a.object_id}" if a.object_type else "",
            "motif": a.reason,
            "donnees": a.data,
        }
        for a in AuditEntry.objects.filter(professional_id=p.pk).order_by("at", "pk")
    ]
    data["export"] = [{"genere_le": timezone.now(), "format": fmt, "version": 1}]
    return data


def _snapshot(s: StatusSnapshot) -> dict[str, Any]:
    row: dict[str, Any] = {"profession": s.period.exercise.profession_id, "periode_debut": s.period.start}
    row.update({"calcule_au": s.as_of, "statut": s.status, "rythme": s.pace, "progression": s.progress})
    for axis in (1, 2, 3, 4):
        row[f"axe{axis}_requises"] = getattr(s, f"required_{axis}")
        row[f"axe{axis}_comptees"] = getattr(s, f"counted_{axis}")
    row["referentiels"] = s.referentiels
    return row


def _action(a: Action) -> dict[str, Any]:
    return {
        "id": a.pk,
        "profession": a.profession_id,
        "type": a.type_code,
        "intitule": a.title,
        "debut": a.start_date,
        "fin": a.end_date,
        "heures": a.hours,
        "axe": a.axis,
        "etat": a.state,
        "source": a.source,
        "canal": a.channel,
        "declarant": a.declarant.name if a.declarant else "",
        "reference_declarant": a.external_id,
        "declaree_le": a.declared_at,
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    if isinstance(value, (str, int, float, bool)):
        return value
    return DjangoJSONEncoder().default(value)  # dates, times and decimals as in the JSON export


def csv_archive(data: dict[str, list[dict[str, Any]]]) -> bytes:
    """One CSV per section (UTF-8 with BOM, so that spreadsheets read the accents), in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section, rows in data.items():
            out = io.StringIO()
            columns = list(rows[0]) if rows else []
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row[c]) for c in columns])
            archive.writestr(f"{section}.csv", "\ufeff" + out.getvalue())
    return buffer.getvalue()


def _notification(n: Notification) -> dict[str, Any]:
    title, text = render_notification(n.kind, n.data)
    return {
        "le": n.created_at,
        "type": n.kind,
        "titre": title,
        "texte": text,
        "lu_le": n.read_at,
        "courriel": n.email_state,
        "adresse": n.email_to,
        "envoye_le": n.email_sent_at,
    }
