"""manage.py ingest_text [FILE|-] [--date YYYY-MM-DD]: one pasted report through the whole
pipeline, synchronously, printing what it made as JSON (docs/ingestion.md)."""

import json
import sys
from datetime import date

from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder

from config.history import AttributedCommand
from incidents.ingest import pipeline


class Command(AttributedCommand):
    help = (
        "Run one report (a file, or standard input with '-') through extraction, geocoding and "
        "matching, draft its incidents or attach it to those it matches, and print the result as "
        "JSON. The same text again creates nothing new and prints the same incidents."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="a UTF-8 text file, or -")
        parser.add_argument(
            "--date",
            type=_iso_date,
            default=None,
            help="the report's publication date, YYYY-MM-DD (today if not given): relative "
            "dates in the text ('on Tuesday', 'last week') count from it",
        )

    def handle(self, *args, file, date, **options):
        text = _read(file)
        try:
            report, _created = pipeline.text_ingest(text, published=date)
        except pipeline.IngestError as exc:
            raise CommandError(str(exc)) from exc
        try:
            report = pipeline.report_process(report.pk)
        except Exception as exc:
            pipeline.report_failed(report.pk, exc)
            raise CommandError(f"report {report.pk} failed: {exc}") from exc
        self.stdout.write(
            json.dumps(
                pipeline.report_outcome(report), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
            )
        )


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: {value!r} is not a date (YYYY-MM-DD)") from None


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        with open(file, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {file}: {exc}") from exc
