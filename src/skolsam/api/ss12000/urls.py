"""Route the SS 12000 API, its token endpoint, its documentation and the client page."""

urlpatterns: list = []
