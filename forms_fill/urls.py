from django.urls import path

from . import views

app_name = "forms_fill"

urlpatterns = [
    path("people/", views.person_list, name="person_list"),
    path("people/add/", views.person_add, name="person_add"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("people/<int:pk>/reveal/<str:key>/", views.person_reveal, name="person_reveal"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/<int:pk>/reveal/<str:key>/", views.enterprise_reveal, name="enterprise_reveal"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("tables/", views.table_list, name="table_list"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/compose/", views.template_compose, name="template_compose"),
    path("templates/upload/", views.template_upload, name="template_upload"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/map/", views.template_map, name="template_map"),
    path("fill/", views.fill_start, name="fill"),
    path("fill/<uuid:uuid>/", views.fill_detail, name="fill_detail"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]
