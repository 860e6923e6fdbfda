app_name = "forms_fill"

urlpatterns: list = []
