from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from certipro.accounts.psc import logout as psc_logout
from certipro.accounts.psc import views as psc_views
from certipro.accounts.psc.config import PROVIDER_ID
from certipro.api import api
from certipro.declarations.portal.views import SignInView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("connexion/", SignInView.as_view(), name="login"),
    path("deconnexion/", LogoutView.as_view(), name="logout"),
    path("declarants/", include("certipro.declarations.portal.urls")),
    path("mon-espace/", include("certipro.space.urls")),
    # Two of allauth's addresses, served by the PSC package (certipro/accounts/psc/): the callback
    # keeps PSC's ID token, the sign-out ends the PSC session too (P12). Same paths, before allauth's.
    path(f"accounts/oidc/{PROVIDER_ID}/login/callback/", psc_views.callback),
    path("accounts/logout/", psc_logout.LogoutView.as_view(), name="account_logout"),
    path("accounts/", include("allauth.urls")),  # the PSC sign-in flow (allauth's openid_connect)
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the header's language selector
    path("dev-psc/", include("certipro.devidp.urls")),  # 404 unless CERTIPRO_DEV_PSC=1 (debug only)
    path("", include("certipro.web.urls")),
]
