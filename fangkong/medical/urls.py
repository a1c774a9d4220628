app_name = "medical"
urlpatterns: list = []
