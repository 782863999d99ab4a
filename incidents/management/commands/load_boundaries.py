from django.core.management.base import CommandError

from config.history import AttributedCommand
from incidents.reference.boundaries import (
    SAHEL_COUNTRIES,
    BoundaryLoadReport,
    boundaries_load,
    read_boundaries,
)
from incidents.reference.fetch import ReferenceDataError, fingerprint, local_copy
from incidents.reference.setup import ATTRIBUTION, Dataset, record_dataset


class Command(AttributedCommand):
    help = (
        "Load administrative boundaries (country/admin1/admin2) from GeoJSON files, folders or "
        "URLs: Who's On First, OCHA COD-AB, geoBoundaries or Natural Earth. Idempotent; with "
        "pruning (the default) the areas of each country and level loaded replace the ones "
        "stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", help="file, folder or http(s) URL")
        parser.add_argument(
            "--countries",
            default=",".join(SAHEL_COUNTRIES),
            help="ISO alpha-2 codes to keep (default: %(default)s)",
        )
        parser.add_argument(
            "--no-prune",
            action="store_true",
            help="keep stored areas that the new files do not have",
        )

    def handle(self, *args, sources, countries, no_prune, **options):
        wanted = [c.strip().upper() for c in countries.split(",") if c.strip()]
        for source in sources:
            try:
                with local_copy(source) as path:
                    report = BoundaryLoadReport()
                    features = read_boundaries(path, wanted, report)
                    boundaries_load(features, prune=not no_prune, report=report)
                    kind = features[0].source
                    record_dataset(
                        Dataset(
                            f"boundaries:{kind}:{source}"[:100],
                            source,
                            ATTRIBUTION.get(kind, ("", "")),
                        ),
                        fingerprint(path),
                        len(features),
                    )
            except ReferenceDataError as exc:
                raise CommandError(str(exc)) from exc
            for warning in report.warnings[:10]:
                self.stderr.write(f"warning: {warning}")
            self.stdout.write(f"{source}: {report}")
