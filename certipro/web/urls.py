from django.urls import path

from certipro.web import views

urlpatterns = [path("", views.home, name="home")]
