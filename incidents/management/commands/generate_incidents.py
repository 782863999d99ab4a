from datetime import date

from django.core.management.base import CommandError

from config.history import AttributedCommand
from incidents.models import Status
from incidents.sampledata.synthetic import SyntheticDataError, synthetic_incidents_generate


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(AttributedCommand):
    help = (
        "Generate N plausible synthetic incidents (origin and tag 'synthetic', titles starting "
        "with '[synthetic]') with their participants, for demos, tests and benchmarks. "
        "Deterministic for a seed and the same reference data."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="number of incidents (1 or more)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", default="2012-01-01", help="first date, YYYY-MM-DD")
        parser.add_argument("--end", default=None, help="last date, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--status",
            choices=[Status.PUBLISHED.value, Status.DRAFT.value],
            default=Status.PUBLISHED.value,
        )

    def handle(self, *args, count, seed, start, end, status, **options):
        start_date = _date(start)
        end_date = _date(end) if end else None
        try:
            report = synthetic_incidents_generate(
                count, seed=seed, start=start_date, end=end_date, status=status
            )
        except SyntheticDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(report))
