from django.urls import path

from certipro.space import (
    views,
    views_actions,
    views_documents,
    views_grants,
    views_notifications,
    views_plan,
)

app_name = "space"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("connexion/", views.sign_in, name="sign_in"),
    path("activation/", views.activation, name="activation"),
    path("professionnels/<str:rpps>/", views.account, name="account"),
    # Documents and requests of the professional (views_documents.py): synthèse, référentiel, dates.
    path("synthese/<str:profession>/", views_documents.synthese, name="synthese"),
    path("referentiel/<str:profession>/", views_documents.referentiel, name="referentiel"),
    path("dates/<str:profession>/", views_documents.dates, name="dates"),
    path("dates/<str:profession>/<int:pk>/retrait/", views_documents.withdraw_dates, name="withdraw_dates"),
    # Mes actions (declare, contest, rate), who viewed my account, my data (views_actions.py).
    path("actions/", views_actions.action_list, name="action_list"),
    path("actions/declarer/", views_actions.action_declare, name="action_declare"),
    path("actions/<int:pk>/", views_actions.action_detail, name="action_detail"),
    path("actions/<int:pk>/contester/", views_actions.action_contest, name="action_contest"),
    path("actions/<int:pk>/avis/", views_actions.action_note, name="action_note"),
    path("justificatifs/<int:pk>/", views_actions.evidence_download, name="evidence_download"),
    path("consultations/", views_actions.viewers, name="viewers"),
    path("mes-donnees/", views_actions.export, name="export"),
    path("mes-donnees/certipro.json", views_actions.export_json, name="export_json"),
    path("mes-donnees/certipro-csv.zip", views_actions.export_csv, name="export_csv"),
    # Support of a CNP (R38, views_grants.py): the owner's grants; a CNP member's accounts under a grant.
    path("soutien-cnp/", views_grants.grants, name="grants"),
    path("soutien-cnp/<int:pk>/retrait/", views_grants.grant_revoke, name="grant_revoke"),
    path("cnp/", views_grants.cnp_accounts, name="cnp_accounts"),
    path("cnp/<str:rpps>/", views_grants.cnp_account, name="cnp_account"),
    # Mon plan (views_plan.py): actions intended per axis, with target dates; the owner's only.
    path("plan/<str:profession>/", views_plan.plan, name="plan"),
    path("plan/<str:profession>/ajouter/", views_plan.plan_add, name="plan_add"),
    path("plan/<str:profession>/<int:pk>/retrait/", views_plan.plan_remove, name="plan_remove"),
    path("plan/<str:profession>/partage/", views_plan.plan_share, name="plan_share"),
    # Mes notifications (certipro/space/views_notifications.py): the inbox and the e-mail choices.
    path("notifications/", views_notifications.inbox, name="notifications"),
    path("notifications/tout-lu/", views_notifications.read_all, name="notifications_read_all"),
    path("notifications/preferences/", views_notifications.preferences, name="notification_preferences"),
]
