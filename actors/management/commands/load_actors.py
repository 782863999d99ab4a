from django.core.management.base import CommandError

from actors.services import CATALOGUE_PATH, CatalogueError, actor_catalogue_load, read_catalogue
from config.history import AttributedCommand


class Command(AttributedCommand):
    help = "Load the actor catalogue (actors, aliases, dated relations) from JSON. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(CATALOGUE_PATH))

    def handle(self, *args, path, **options):
        try:
            report = actor_catalogue_load(read_catalogue(path))
        except CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path}: {report}")
