"""The declarants' portal, under /declarants/."""

from django.urls import path

from certipro.declarations.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:declarant_id>/", views.uploads, name="uploads"),
    path("<int:declarant_id>/envois/<int:upload_id>/", views.upload_detail, name="upload"),
    path("<int:declarant_id>/envois/<int:upload_id>/etat/", views.upload_state, name="upload_state"),
    path("<int:declarant_id>/envois/<int:upload_id>/rejets.csv", views.rejections_csv, name="rejections_csv"),
    path("<int:declarant_id>/declarations/", views.declarations, name="declarations"),
]
