from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views

admin.site.site_header = "生态网格管理后台"
admin.site.site_title = "生态网格"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("village/", include("forms_fill.village_urls")),  # the village desk (forms_fill), before grids
    path("", include("grids.urls")),
    path("cases/", include("cases.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("inspections/", include("inspections.urls")),
    path("credit/", include("credit.urls")),
    path("forms/", include("forms_fill.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("scan/", include("scan.urls")),
    path("open311/v2/", include("open311.urls")),
    path("dashboard/", include("dashboard.urls")),
]
