from django.core.management.base import BaseCommand, CommandError

from incidents.models import Incident, Origin, Place
from incidents.sampledata.demo import demo_load
from incidents.sampledata.synthetic import synthetic_incidents_generate


class Command(BaseCommand):
    # Not an AttributedCommand: the demo load and the generator each record their own history
    # context (command "load_demo"; service "synthetic_incidents_generate" with its seed). Inside
    # one command context they would merge, and the demo's events would name the generator.

    help = (
        "Load the demo incidents coded from public reporting and, with --synthetic N, N synthetic "
        "incidents (clearly marked) if none are loaded yet. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--synthetic",
            type=int,
            default=0,
            metavar="N",
            help="also generate N synthetic incidents if there are none",
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, synthetic, seed, **options):
        if synthetic < 0:
            raise CommandError("--synthetic must be 0 or more")
        try:
            self.stdout.write(str(demo_load()))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not synthetic:
            return
        present = Incident.objects.filter(origin=Origin.SYNTHETIC).count()
        if present:
            self.stdout.write(f"synthetic incidents: {present} already loaded, none added")
            return
        if not Place.objects.exists():
            raise CommandError("no gazetteer loaded: run manage.py setup_reference_data first")
        self.stdout.write(str(synthetic_incidents_generate(synthetic, seed=seed)))
