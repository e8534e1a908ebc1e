from django.urls import path

from certipro.space import views

app_name = "space"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("connexion/", views.sign_in, name="sign_in"),
    path("activation/", views.activation, name="activation"),
    path("professionnels/<str:rpps>/", views.account, name="account"),
]
