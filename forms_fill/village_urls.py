"""/village/ — the village staff's desk (村居工作台), served by forms_fill."""

from django.urls import path

from . import views

app_name = "village"

urlpatterns = [path("", views.village_desk, name="desk")]
