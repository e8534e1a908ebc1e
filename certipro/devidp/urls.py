from django.urls import path

from certipro.devidp import views

app_name = "devidp"

# The same paths as PSC's Keycloak (directory-and-psc.md §3.1), under /dev-psc/.
urlpatterns = [
    path(".well-known/wallet-openid-configuration", views.discovery, name="discovery"),
    path("auth", views.authorize, name="authorize"),
    path("protocol/openid-connect/token", views.token, name="token"),
    path("protocol/openid-connect/userinfo", views.userinfo_view, name="userinfo"),
    path("protocol/openid-connect/certs", views.jwks, name="jwks"),
    path("protocol/openid-connect/logout", views.end_session, name="end_session"),
    path("session/close", views.close_session, name="close_session"),  # ours, not Keycloak's
]
