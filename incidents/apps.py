from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from incidents.roles import roles_sync

        # After every migrate the role groups match incidents/roles.py (permissions exist then).
        post_migrate.connect(roles_sync, sender=self, dispatch_uid="incidents.roles_sync")
