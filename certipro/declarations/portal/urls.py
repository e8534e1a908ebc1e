"""The declarants' portal, under /declarants/."""

from django.urls import path

from certipro.declarations.portal import views, views_plans

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:declarant_id>/", views.uploads, name="uploads"),
    path("<int:declarant_id>/envois/<int:upload_id>/", views.upload_detail, name="upload"),
    path("<int:declarant_id>/envois/<int:upload_id>/etat/", views.upload_state, name="upload_state"),
    path("<int:declarant_id>/envois/<int:upload_id>/rejets.csv", views.rejections_csv, name="rejections_csv"),
    path("<int:declarant_id>/declarations/", views.declarations, name="declarations"),
    # Plans partagés (views_plans.py): the plans professionals share with this employer.
    path("<int:declarant_id>/plans/", views_plans.plans, name="plans"),
    path("<int:declarant_id>/plans/<int:plan_id>/", views_plans.plan_detail, name="plan"),
]
