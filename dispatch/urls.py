app_name = "dispatch"

urlpatterns: list = []
