"""manage.py import_dataset {acled,ucdp} FILE [--dataset-version V] [--background]: an ACLED or
UCDP GED CSV export onto the model (docs/ingestion.md, docs/interchange.md)."""

from django.core.management.base import CommandError

from config.history import AttributedCommand
from incidents.ingest import pipeline, tasks


class Command(AttributedCommand):
    help = (
        "Import an ACLED or UCDP GED CSV export. Known events are updated, not duplicated, so a "
        "newer release of the same dataset can be imported over an older one. Rows that do not "
        "fit are listed with their line and column; the others are imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=pipeline.DATASET_KINDS)
        parser.add_argument("file", help="the CSV export")
        parser.add_argument(
            "--dataset-version", default="", help="the dataset's version or release"
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="hand the import to a Celery worker (imports queue) instead of waiting",
        )

    def handle(self, *args, dataset, file, dataset_version, background, **options):
        version = dataset_version
        if background:
            result = tasks.import_dataset.delay(dataset, file, version)
            self.stdout.write(f"queued as task {result.id}")
            return
        try:
            report = pipeline.dataset_import(dataset, file, version=version)
        except (OSError, UnicodeDecodeError, pipeline.IngestError) as exc:
            raise CommandError(f"cannot import {file}: {exc}") from exc
        for error in report.errors:
            self.stderr.write(error)
        self.stdout.write(f"{report.imported} of {report.rows} rows imported")
        if report.errors:
            raise CommandError(f"{report.rows - report.imported} rows did not fit")
