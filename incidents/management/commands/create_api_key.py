from django.core.management.base import BaseCommand, CommandError

from incidents.models import KeyScope
from incidents.services import api_key_create


class Command(BaseCommand):
    help = (
        "Make an API key for a partner organisation (created if it does not exist) and print it, "
        "once: only its hash is kept. Revoke keys in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's name")
        parser.add_argument("--scope", choices=KeyScope.values, default=KeyScope.READ)
        parser.add_argument("--name", default="", help="a name for the key (50 characters)")

    def handle(self, *args, organisation, scope, name, **options):
        try:
            api_key, key = api_key_create(organisation, scope=scope, name=name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"API key {api_key.prefix} ({api_key.scope}) for {api_key.organisation}: "
            "store it now, it cannot be shown again."
        )
        self.stdout.write(key)
