from django.core.management.base import CommandError

from config.history import AttributedCommand
from incidents.models import PlaceSource
from incidents.reference.fetch import ReferenceDataError, fingerprint, local_copy
from incidents.reference.gazetteer import GazetteerLoadReport, gazetteer_load, read_geonames
from incidents.reference.setup import ATTRIBUTION, Dataset, record_dataset


class Command(AttributedCommand):
    help = (
        "Load GeoNames per-country dumps (CC.txt or CC.zip, as published at "
        "download.geonames.org/export/dump/) from files or URLs into the gazetteer. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", help="file or http(s) URL of a GeoNames dump")
        parser.add_argument(
            "--no-prune", action="store_true", help="keep stored places that the dump no longer has"
        )

    def handle(self, *args, sources, no_prune, **options):
        for source in sources:
            report = GazetteerLoadReport()
            try:
                with local_copy(source) as path:
                    rows = read_geonames(path, report)
                    gazetteer_load(
                        rows, source=PlaceSource.GEONAMES, prune=not no_prune, report=report
                    )
                    for country in report.countries:
                        record_dataset(
                            Dataset(
                                f"gazetteer:geonames:{country}", source, ATTRIBUTION["geonames"]
                            ),
                            fingerprint(path),
                            report.rows,
                        )
            except ReferenceDataError as exc:
                raise CommandError(str(exc)) from exc
            for error in report.errors:
                self.stderr.write(f"skipped: {error}")
            self.stdout.write(f"{source}: {report}")
