from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from soleflip.admin.views import db_health

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/health/", admin.site.admin_view(db_health), name="db_health"),
    path("admin/", admin.site.urls),
]
