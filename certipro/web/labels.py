"""Labels that reach the pages from modules that keep plain French strings, marked for translation.

The dashboard's tables (`space/dashboard.py`) also feed the synthèse PDF, an official French
document; the choices of the domain models are stored data's labels, owned by their apps; the
journal's descriptions live in `space/export.py`. They stay French there, and the pages translate
them when they show them (`{% translate value %}` in a template, `gettext(value)` in a view).
Listing them here with gettext_noop is what puts them in the catalogue (`make messages`);
tests/web/test_i18n.py fails if one of those labels is missing from this list or from the
catalogue, so a label added there cannot silently stay French on the English pages.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

LABELS = (
    # referentiels.specs.AXIS_LABELS (D-20)
    _("Actualiser ses connaissances et ses compétences"),
    _("Renforcer la qualité de ses pratiques professionnelles"),
    _("Améliorer la relation avec ses patients"),
    _("Mieux prendre en compte sa santé personnelle"),
    # space.dashboard.AXIS_STATUS (D-24)
    _("Complet"),
    _("En cours"),
    _("Dispensé"),
    # space.dashboard.PACE (D-26): labels, then what each asks of the professional
    _("Obligation remplie"),
    _("Dans les temps"),
    _("En retard sur le rythme"),
    _("À risque"),
    _("Période terminée"),
    _("Toutes les actions requises sont faites."),
    _("Votre rythme permet de finir avant la fin de la période."),
    _("Vous avez fait moins d'actions que le temps écoulé ne le laisserait attendre."),
    _("Le temps restant est court pour les actions qui manquent : votre ordre peut vous accompagner."),
    _("La période est close ; votre ordre examinera votre dossier."),
    # actions.models.ActionState
    _("Déclarée"),
    _("Attestée"),
    _("Contestée"),
    _("Retirée"),
    _("Rejetée"),
    # actions.models.Source (D-30)
    _("Le professionnel"),
    _("Organisme de formation"),
    _("Employeur"),
    _("Agence nationale du DPC"),
    _("Haute Autorité de santé"),
    _("Ordre"),
    # actions.models.Channel
    _("Espace en ligne"),
    _("API"),
    _("Fichier"),
    _("Administration"),
    _("Ligne de commande"),
    # actions.models.DeclarantKind: Organisme de formation, Employeur (above)
    # accounts.models_grants.GrantScope (R38)
    _("Statut seulement (nombres d'actions et statuts)"),
    _("Statut et liste des actions (hors axe 4)"),
    # space.models_documents.DateRequestState (D-16)
    _("Transmise à l'ordre"),
    _("Acceptée"),
    _("Refusée"),
    # space.export.VERB_LABELS (D-41)
    _("Consultation de votre compte"),
    _("Consultation de votre statut (API)"),
    _("Création de votre compte"),
    _("Déclaration d'une action"),
    _("Correction d'une action"),
    _("Attestation d'une action que vous aviez déclarée"),
    _("Retrait d'une action"),
    _("Rejet d'une action"),
    _("Attestation d'une action"),
    _("Interruption d'exercice enregistrée"),
    _("Choix de référentiel"),
)
