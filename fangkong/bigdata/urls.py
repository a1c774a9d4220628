app_name = "bigdata"
urlpatterns: list = []
