from django.conf import settings
from django.core.management.base import CommandError

from config.history import AttributedCommand
from incidents.geo.fetch import ReferenceDataError
from incidents.services import reference_data_setup


class Command(AttributedCommand):
    help = (
        "Load the actor catalogue, administrative boundaries and gazetteer: from "
        "REFERENCE_DATA_DIR if set, from the publishers with --download, else the built-in set."
        " Idempotent; files already loaded are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reference-dir",
            default=settings.REFERENCE_DATA_DIR,
            help="folder laid out as geonames/ and boundaries/wof/ (default: REFERENCE_DATA_DIR)",
        )
        parser.add_argument(
            "--download",
            action="store_true",
            help="download GeoNames dumps and geoBoundaries from their publishers",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="load files even when their fingerprint has not changed",
        )

    def handle(self, *args, reference_dir, download, force, **options):
        try:
            reference_data_setup(
                reference_dir=reference_dir, download=download, force=force, log=self.stdout.write
            )
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
