from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("export/<str:table>.xlsx", views.export, name="export"),
    path("map.json", views.map_data, name="map_data"),
    path("overlays/<int:pk>.geojson", views.overlay, name="overlay"),
]
