"""Geography fixtures: the real published reference files (REFERENCE_DATA_DIR), loaded for a
module, committed as the commands do it, and removed afterwards; if the session's built-in set
was loaded before, it is loaded again, so that other modules find the database as they expect."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from incidents.geo.setup import load_boundary_file, load_geonames_file
from incidents.models import AdminArea, Place, PlaceName, ReferenceDataset
from incidents.services import reference_data_setup

COUNTRIES = ("ML", "BF", "NE")
NEEDS = (
    "needs the real reference files: set REFERENCE_DATA_DIR to a folder holding geonames/ "
    "and boundaries/wof/ (see the README)"
)


def reference_dir() -> Path | None:
    base = Path(settings.REFERENCE_DATA_DIR) if settings.REFERENCE_DATA_DIR else None
    if base is None:
        return None
    wanted = [base / "geonames" / f"{c}.txt" for c in COUNTRIES]
    wanted += [base / "boundaries" / "wof" / c for c in COUNTRIES]
    return base if all(p.exists() for p in wanted) else None


def clear_reference_tables() -> None:
    PlaceName.objects.all().delete()
    Place.objects.all().delete()
    AdminArea.objects.all().delete()
    ReferenceDataset.objects.filter(name__regex=r"^(boundaries|gazetteer):").delete()


def load_real_reference(base: Path) -> dict:
    """The Who's On First boundaries, then the three GeoNames dumps; their load reports."""
    reports = {"boundaries": load_boundary_file(base / "boundaries" / "wof")}
    for country in COUNTRIES:
        reports[country] = load_geonames_file(base / "geonames" / f"{country}.txt")
    return reports


@contextmanager
def real_reference_loaded(django_db_blocker, load: Callable[[Path], dict]) -> Iterator[dict]:
    """Runs `load` on empty reference tables (committed), yields what it returns, and puts the
    database back as it was (the built-in set, if it was loaded)."""
    base = reference_dir()
    with django_db_blocker.unblock():
        builtin_was_loaded = ReferenceDataset.objects.filter(name="gazetteer:builtin").exists()
        clear_reference_tables()
        try:
            yield load(base)
        finally:
            clear_reference_tables()
            if builtin_was_loaded:
                reference_data_setup(reference_dir="", log=lambda _: None)
