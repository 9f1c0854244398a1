from rest_framework.routers import SimpleRouter

from incidents.api.views import ActionViewSet, IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")
router.register("actions", ActionViewSet, basename="action")

urlpatterns = router.urls
