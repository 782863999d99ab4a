from django.core.management.base import CommandError

from config.history import AttributedCommand
from incidents.geo.datasets import ATTRIBUTION, Dataset, dataset_load_if_changed
from incidents.geo.fetch import ReferenceDataError
from incidents.geo.setup import load_geonames_file


class Command(AttributedCommand):
    help = (
        "Load GeoNames per-country dumps (CC.txt or CC.zip, as published at "
        "download.geonames.org/export/dump/) from files or URLs into the gazetteer. Idempotent: "
        "a dump already loaded is skipped unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="+", help="file or http(s) URL of a GeoNames dump")
        parser.add_argument(
            "--no-prune", action="store_true", help="keep stored places that the dump no longer has"
        )
        parser.add_argument(
            "--force", action="store_true", help="load even when the dump is already loaded"
        )

    def handle(self, *args, sources, no_prune, force, **options):
        for source in sources:
            dataset = Dataset(f"gazetteer:file:{source}"[:100], source, ATTRIBUTION["geonames"])

            def load(path, dataset=dataset):
                report = load_geonames_file(path, prune=not no_prune)
                dataset.name = f"gazetteer:geonames:{','.join(report.scope)}"
                return report

            try:
                dataset_load_if_changed(
                    dataset, load, force=force, log=self.stdout.write, warn=self.stderr.write
                )
            except ReferenceDataError as exc:
                raise CommandError(str(exc)) from exc
