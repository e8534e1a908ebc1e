"""The synthèse (D-53): a PDF of the account for one period, kept as an artefact (style.md item 9).

The data are read from the rules engine (`evaluate_exercises`, `status_object`) and the actions
with their provenance, then hashed: an unchanged hash serves the stored PDF again, a changed one
renders a new PDF. The generation date is printed but not hashed, so that the document says when
it was drawn up and is not rendered again each day for nothing; the days left are left out for the
same reason (the pace's state is kept).
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from certipro.accounts.models import User
from certipro.actions.models import Action, ActionState, Source
from certipro.audit.journal import Actor, record
from certipro.certification.catalogue import load_catalogue
from certipro.certification.evaluation import evaluate_exercises
from certipro.certification.models import PeriodKind
from certipro.certification.status import status_object
from certipro.directory.models import Professional
from certipro.directory.queries import specialty_labels
from certipro.referentiels.models import ActionType, Referentiel
from certipro.referentiels.specs import AXIS_LABELS
from certipro.space.dashboard import AXIS_STATUS, PACE
from certipro.space.models_documents import Synthese

# Part of the hash: a change of layout renders every synthèse again on its next download.
RENDER_VERSION = 1
MONTHS = (
    *("janvier", "février", "mars", "avril", "mai", "juin"),
    *("juillet", "août", "septembre", "octobre", "novembre", "décembre"),
)
PERIOD_STATES = {"open": "Ouverte", "ended": "Terminée"}
FONT, FONT_BOLD = "CertiProSans", "CertiProSans-Bold"


class SyntheseUnavailable(Exception):
    """No period holds today for this profession: there is nothing to sum up."""


@dataclass(frozen=True)
class SyntheseData:
    data: dict[str, Any]
    data_hash: str
    exercise_id: int
    period_id: int


def french_date(day: date) -> str:
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"


def synthese_data(professional: Professional, *, profession: str, today: date) -> SyntheseData:
    """Everything the PDF shows, as plain data, and its hash. A fixed number of queries."""
    exercise = (
        professional.exercises.select_related("profession", "professional")
        .filter(profession_id=profession)
        .first()
    )
    statuses = evaluate_exercises([exercise], as_of=today, catalogue=load_catalogue()) if exercise else []
    if exercise is None or not statuses:
        raise SyntheseUnavailable(profession)
    status = statuses[0]
    view, evaluation, obj = status.period, status.evaluation, status_object(status)
    query = Q(pk__in=[])
    for label in evaluation.referentiels:
        code, _, version = label.partition("@")
        query |= Q(code=code, version=version)
    referentiels = list(Referentiel.objects.filter(query).order_by("code"))
    specialties = specialty_labels(exercise.specialties)
    actions = list(
        Action.objects.filter(
            professional=professional,
            profession_id=profession,
            end_date__gte=view.start,
            end_date__lte=min(today, view.end),
        )
        .select_related("declarant")
        .order_by("end_date", "pk")
    )
    # Titles from every référentiel of the profession: an action done under a former one keeps its name.
    titles = dict(
        ActionType.objects.filter(
            referentiel__profession_id=profession, code__in={a.type_code for a in actions}
        ).values_list("code", "title")
    )
    pace = PACE.get(obj["pace"]["state"], (obj["pace"]["state"],))[0]
    data: dict[str, Any] = {
        "version": RENDER_VERSION,
        "identity": {
            "first_name": professional.first_name,
            "last_name": professional.last_name,
            "rpps": professional.rpps,
        },
        "profession": exercise.profession.label,
        "specialties": [specialties.get(c, c) for c in exercise.specialties],
        "period": {
            "start": view.start.isoformat(),
            "end": view.end.isoformat(),
            "kind": PeriodKind(view.kind).label if view.kind in PeriodKind.values else view.kind,
            "state": PERIOD_STATES.get(view.state, view.state),
        },
        "referentiels": [{"title": r.title, "code": r.code, "version": r.version} for r in referentiels],
        "axes": [
            {
                "axis": a["axis"],
                "label": AXIS_LABELS[a["axis"]],
                "counted": a["counted"],
                "required": a["required"],
                "status": AXIS_STATUS[a["status"]][0],
            }
            for a in obj["axes"]
        ],
        "progress": {
            "percent": round(obj["progress"] * 100),
            "done": evaluation.slots_done,
            "required": evaluation.slots_required,
            "complete": obj["status"] == "complete",
            "pace": pace,
        },
        "actions": [_action(a, titles, evaluation.counts_in.get(str(a.pk), frozenset())) for a in actions],
    }
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return SyntheseData(
        data=data,
        data_hash=hashlib.sha256(encoded).hexdigest(),
        exercise_id=exercise.pk,
        period_id=view.period.pk,
    )


def _action(action: Action, titles: dict[str, str], counts_in: frozenset[int]) -> dict[str, Any]:
    type_title = titles.get(action.type_code, action.type_code)
    return {
        "end_date": action.end_date.isoformat(),
        "title": action.title or type_title,
        "type": type_title,
        "axes": ", ".join(str(a) for a in sorted(counts_in)) or "ne compte pas",
        "source": Source(action.source).label,
        "declarant": action.declarant.name if action.declarant else "",
        "state": ActionState(action.state).label,
    }


def synthese_for(*, professional: Professional, profession: str, user: User, today: date) -> Synthese:
    """The synthèse of the current period, rendered again only when its data changed."""
    computed = synthese_data(professional, profession=profession, today=today)
    with transaction.atomic():
        stored = Synthese.objects.select_for_update().filter(period_id=computed.period_id).first()
        if (
            stored is not None
            and stored.data_hash == computed.data_hash
            and stored.file.name
            and default_storage.exists(stored.file.name)
        ):
            return stored
        now = timezone.now()
        pdf = render_pdf(computed.data, generated_at=timezone.localtime(now))
        name = default_storage.save(
            f"syntheses/{professional.pk}/{secrets.token_hex(16)}.pdf", ContentFile(pdf)
        )
        old_name = stored.file.name if stored is not None and stored.file else ""
        if stored is None:
            stored = Synthese(professional=professional, period_id=computed.period_id)
        stored.exercise_id = computed.exercise_id
        stored.data_hash = computed.data_hash
        stored.file.name = name
        stored.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        stored.generated_at = now
        stored.save()
        record(
            actor=Actor.for_user(user, "professional"),
            verb="synthese.generated",
            professional_id=professional.pk,
            obj=stored,
            data={"period": computed.period_id, "data_hash": computed.data_hash, "pdf": stored.pdf_sha256},
        )
        if old_name:
            # The former file goes only once the new row is committed: a rollback keeps it valid.
            transaction.on_commit(lambda: default_storage.delete(old_name))
    return stored


@cache
def _fonts() -> tuple[str, str]:
    """Bitstream Vera, shipped inside ReportLab: Unicode TrueType, so accents need no system font."""
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT, FONT_BOLD


def render_pdf(data: dict[str, Any], *, generated_at: datetime) -> bytes:
    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5)
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=17, leading=21, spaceAfter=4)
    heading = ParagraphStyle(
        "heading", parent=body, fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4
    )

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    identity, period, progress = data["identity"], data["period"], data["progress"]
    when = f"{french_date(generated_at.date())} à {generated_at:%H:%M}"
    story: list[Any] = [
        p("Synthèse de certification périodique", title),
        p(f"Document généré le {when}.", small),
        p("Identité", heading),
        _grid(
            [
                [p("Nom"), p(f"{identity['first_name']} {identity['last_name']}")],
                [p("RPPS"), p(identity["rpps"])],
                [p("Profession"), p(data["profession"])],
                [p("Spécialité"), p(", ".join(data["specialties"]) or "—")],
            ],
            [45 * mm, 125 * mm],
        ),
        p("Période de certification", heading),
        _grid(
            [
                [p("Début"), p(french_date(date.fromisoformat(period["start"])))],
                [p("Fin"), p(french_date(date.fromisoformat(period["end"])))],
                [p("Nature"), p(period["kind"])],
                [p("État"), p(period["state"])],
            ],
            [45 * mm, 125 * mm],
        ),
        p("Référentiels" if len(data["referentiels"]) > 1 else "Référentiel", heading),
    ]
    for r in data["referentiels"] or [{"title": "Aucun référentiel publié ne s'applique.", "code": ""}]:
        story.append(p(f"{r['title']} ({r['code']}, version {r['version']})" if r["code"] else r["title"]))
    story += [
        p("Avancement par axe", heading),
        _grid(
            [[p("Axe"), p("Actions comptées / requises"), p("Statut")]]
            + [
                [p(f"{a['axis']}. {a['label']}"), p(f"{a['counted']} / {a['required']}"), p(a["status"])]
                for a in data["axes"]
            ],
            [110 * mm, 35 * mm, 25 * mm],
            header=True,
        ),
        Spacer(1, 4),
        p(
            f"Progression totale : {progress['percent']} % ({progress['done']} actions requises "
            f"sur {progress['required']}). Rythme : {progress['pace']}."
        ),
        p("Actions de la période", heading),
    ]
    if data["actions"]:
        rows = [[p(h, small) for h in ("Date", "Action", "Axe", "Source", "État")]]
        for a in data["actions"]:
            action = a["title"] if a["title"] == a["type"] else f"{a['title']} ({a['type']})"
            source = f"{a['source']} : {a['declarant']}" if a["declarant"] else a["source"]
            day = date.fromisoformat(a["end_date"])
            rows.append([p(f"{day:%d/%m/%Y}", small), p(action, small), p(a["axes"], small)])
            rows[-1] += [p(source, small), p(a["state"], small)]
        story.append(_grid(rows, [20 * mm, 68 * mm, 22 * mm, 38 * mm, 22 * mm], header=True))
    else:
        story.append(p("Aucune action enregistrée pour cette période."))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(20 * mm, 10 * mm, f"CertiPro — synthèse — RPPS {identity['rpps']}")
        canvas.drawRightString(190 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title="Synthèse de certification périodique",
        author="CertiPro",
        lang="fr-FR",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _grid(rows: list[list[Any]], widths: list[float], *, header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#929292")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        (
            "BACKGROUND",
            (0, 0),
            (0 if not header else -1, -1 if not header else 0),
            colors.HexColor("#EEEEEE"),
        ),
    ]
    table.setStyle(TableStyle(style))
    return table
