from django.core.management.base import CommandError

from config.history import AttributedCommand
from incidents.geo.boundaries import boundaries_load, boundary_report, read_boundaries
from incidents.geo.countries import SAHEL_COUNTRIES
from incidents.geo.datasets import ATTRIBUTION, Dataset, dataset_load_if_changed
from incidents.geo.fetch import ReferenceDataError
from incidents.services import admin_areas_rederive


class Command(AttributedCommand):
    help = (
        "Load administrative boundaries (country/admin1/admin2) from GeoJSON files, folders or "
        "URLs: Who's On First, OCHA COD-AB, geoBoundaries or Natural Earth. Idempotent: a file "
        "already loaded is skipped unless --force. With pruning (the default) the areas of each "
        "country and level loaded replace the ones stored. Incidents and places are re-placed "
        "in the new areas."
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
        parser.add_argument(
            "--force", action="store_true", help="load even when the file is already loaded"
        )

    def handle(self, *args, sources, countries, no_prune, force, **options):
        wanted = [c.strip().upper() for c in countries.split(",") if c.strip()]
        for source in sources:
            dataset = Dataset(f"boundaries:file:{source}"[:100], source, ("", ""))

            def load(path, dataset=dataset):
                report = boundary_report()
                features = read_boundaries(path, wanted, report)
                dataset.attribution = ATTRIBUTION.get(features[0].source, ("", ""))
                dataset.name = f"boundaries:{features[0].source}:{dataset.source}"[:100]
                return boundaries_load(features, prune=not no_prune, report=report)

            def rederive(report):
                if report.changed:
                    self.stdout.write(f"re-derived areas: {admin_areas_rederive()}")

            try:
                dataset_load_if_changed(
                    dataset,
                    load,
                    force=force,
                    log=self.stdout.write,
                    warn=self.stderr.write,
                    after=rederive,
                )
            except ReferenceDataError as exc:
                raise CommandError(str(exc)) from exc
