from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    # Dispatcher workbench (镇街 / 区 调度) and its htmx counters.
    path("workbench/", views.workbench, name="workbench"),
    path("counters/", views.counters, name="counters"),
    # Department workbench (部门报到).
    path("department/", views.department_workbench, name="department"),
    # One case: the dispatch view of it, and the actions with their own forms.
    path("case/<str:number>/", views.case_page, name="case"),
    path("case/<str:number>/dispatch/", views.case_dispatch, name="case_dispatch"),
    path("case/<str:number>/escalate/", views.case_escalate, name="case_escalate"),
    path("case/<str:number>/close/", views.case_close, name="case_close"),
    path("case/<str:number>/accept/", views.case_accept, name="case_accept"),
    path("case/<str:number>/return/", views.case_return, name="case_return"),
    path("case/<str:number>/handle/", views.case_handle, name="case_handle"),
    path("case/<str:number>/notice/", views.notice_new, name="notice_new"),
    path("case/<str:number>/consultation/", views.consultation_new, name="consultation_new"),
    # Rectification notices (限期整改通知书) and consultations (会商).
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
    # Inbox (站内消息).
    # Routing rules (路由规则): list, .xlsx import and export.
    path("rules/", views.rules, name="rules"),
    path("rules/export.xlsx", views.rules_export, name="rules_export"),
]
