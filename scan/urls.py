from django.urls import path

from . import views

app_name = "scan"

urlpatterns = [
    path("", views.start, name="start"),
    path("search/", views.search, name="search"),
    path("b/<uuid:uuid>/", views.batch, name="batch"),
    path("s/<uuid:uuid>/", views.review, name="review"),
    path("s/<uuid:uuid>/photo.jpg", views.image, name="image"),
]
