from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("report/", views.report, name="report"),
    path("report/duplicates/", views.duplicates, name="duplicates"),
    path("report/address/", views.report_address, name="report_address"),
    path("uploads/", views.upload_create, name="upload"),
    path("uploads/<int:pk>/delete/", views.upload_delete, name="upload_delete"),
    path("uploads/<int:pk>/thumb/", views.upload_thumbnail, name="upload_thumb"),
    path("mine/", views.my_cases, name="mine"),
    path("verify/", views.to_verify, name="to_verify"),
    path("triage/", views.triage, name="triage"),
    path("categories/", views.categories, name="categories"),
    path("categories/export.xlsx", views.categories_export, name="categories_export"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/<str:action>/", views.act, name="act"),
    path("<str:number>/verify/", views.verify, name="verify"),
    path("<str:number>/files/<int:pk>/", views.attachment, name="file"),
    path("<str:number>/files/<int:pk>/thumb/", views.attachment, {"thumb": True}, name="thumb"),
]
