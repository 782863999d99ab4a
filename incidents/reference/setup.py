"""What reference data to load, from where, and whether it is already loaded.

Order of preference for boundaries and the gazetteer:
1. REFERENCE_DATA_DIR (a folder laid out as geonames/ and boundaries/wof/),
2. the publishers' URLs, when asked to download (GeoNames dumps, geoBoundaries),
3. the built-in small gazetteer and simplified boundaries, so that a first run works offline.
Real data already loaded is never replaced by the built-in set. Each dataset's fingerprint is
kept in ReferenceDataset; an unchanged file is skipped (loading it again would change nothing).
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models.functions import Now

from actors.services import CATALOGUE_PATH, actor_catalogue_load, read_catalogue
from incidents.models import BoundarySource, Place, PlaceSource, ReferenceDataset
from incidents.reference.boundaries import (
    SAHEL_COUNTRIES,
    BoundaryLoadReport,
    boundaries_load,
    read_boundaries,
)
from incidents.reference.fetch import Offline, fingerprint, is_url, local_copy
from incidents.reference.gazetteer import GazetteerLoadReport, gazetteer_load, read_geonames

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
BUILTIN_PLACES = BUILTIN_DIR / "places.tsv"
BUILTIN_BOUNDARIES = BUILTIN_DIR / "boundaries.geojson"
GEONAMES_URL = "https://download.geonames.org/export/dump/{country}.zip"
GEOBOUNDARIES_URL = (
    "https://github.com/wmgeolab/geoBoundaries/raw/main/releaseData/gbOpen/"
    "{iso3}/ADM{level}/geoBoundaries-{iso3}-ADM{level}.geojson"
)
ISO3 = {"ML": "MLI", "BF": "BFA", "NE": "NER"}

ATTRIBUTION = {
    "actors": ("Sahel Incident Monitor team (compiled from public reporting)", "CC BY 4.0"),
    "geonames": ("GeoNames, geonames.org", "CC BY 4.0"),
    BoundarySource.WHOSONFIRST: (
        "Who's On First, whosonfirst.org (admin2 shapes from OCHA via Mesoshapes)",
        "CC BY 4.0",
    ),
    BoundarySource.GEOBOUNDARIES: ("geoBoundaries, geoboundaries.org", "CC BY 4.0"),
    BoundarySource.OCHA: ("OCHA Common Operational Datasets (COD-AB)", "CC BY-IGO"),
    BoundarySource.NATURAL_EARTH: ("Natural Earth, naturalearthdata.com", "public domain"),
    "builtin": ("Sahel Incident Monitor team (built-in, simplified)", "CC BY 4.0"),
}

Log = Callable[[str], None]


@dataclass
class Dataset:
    name: str
    source: str
    attribution: tuple[str, str]


def record_dataset(dataset: Dataset, sha256: str, rows: int) -> None:
    ReferenceDataset.objects.update_or_create(
        name=dataset.name,
        defaults={
            "source": dataset.source,
            "sha256": sha256,
            "rows": rows,
            "attribution": dataset.attribution[0],
            "loaded_at": Now(),
            "licence": dataset.attribution[1],
        },
    )


def load_if_changed(
    dataset: Dataset, loader: Callable[[Path], object], *, force: bool, log: Log
) -> bool:
    """Loads `dataset` unless the same file is already loaded; returns whether it was loaded."""
    with local_copy(dataset.source) as path:
        sha = fingerprint(path)
        known = ReferenceDataset.objects.filter(name=dataset.name).first()
        if known and known.sha256 == sha and not force:
            log(f"{dataset.name}: unchanged ({known.rows} rows from {known.source})")
            return False
        with transaction.atomic():
            report = loader(path)
            rows = getattr(report, "rows", 0) or sum(getattr(report, "by_level", {}).values())
            record_dataset(dataset, sha, rows)
        log(f"{dataset.name}: {report}")
        for warning in getattr(report, "warnings", [])[:10]:
            log(f"  warning: {warning}")
        return True


def load_actor_catalogue(path: Path):
    return actor_catalogue_load(read_catalogue(path))


def load_boundary_file(path: Path) -> BoundaryLoadReport:
    report = BoundaryLoadReport()
    return boundaries_load(read_boundaries(path, report=report), report=report)


def load_geonames_file(path: Path) -> GazetteerLoadReport:
    report = GazetteerLoadReport()
    return gazetteer_load(read_geonames(path, report), source=PlaceSource.GEONAMES, report=report)


def load_builtin_places(path: Path) -> GazetteerLoadReport:
    """The built-in places of the countries that have no real GeoNames data loaded."""
    report = GazetteerLoadReport()
    real = set(
        Place.objects.filter(source=PlaceSource.GEONAMES)
        .values_list("country_code", flat=True)
        .distinct()
    )
    rows = [r for r in read_geonames(path, report) if r.country_code not in real]
    if not rows:
        report.countries = sorted(real)
        return report
    return gazetteer_load(rows, source=PlaceSource.BUILTIN, report=report)


def _real_boundaries_loaded() -> bool:
    return (
        ReferenceDataset.objects.filter(name__startswith="boundaries:")
        .exclude(name="boundaries:builtin")
        .exists()
    )


def reference_data_setup(
    *, reference_dir: str = "", download: bool = False, force: bool = False, log: Log = print
) -> None:
    """Loads the actor catalogue, boundaries and gazetteer from the best available source."""
    load_if_changed(
        Dataset("actors:catalogue", str(CATALOGUE_PATH), ATTRIBUTION["actors"]),
        load_actor_catalogue,
        force=force,
        log=log,
    )
    base = Path(reference_dir) if reference_dir else None
    if base is not None and not base.is_dir():
        log(f"REFERENCE_DATA_DIR={reference_dir} is not a folder; using other sources")
        base = None
    _setup_boundaries(base, download, force, log)
    _setup_gazetteer(base, download, force, log)


def _setup_boundaries(base: Path | None, download: bool, force: bool, log: Log) -> None:
    wof = base / "boundaries" / "wof" if base else None
    if wof is not None and wof.is_dir():
        load_if_changed(
            Dataset("boundaries:wof", str(wof), ATTRIBUTION[BoundarySource.WHOSONFIRST]),
            load_boundary_file,
            force=force,
            log=log,
        )
        return
    if download:
        try:
            for country in SAHEL_COUNTRIES:
                for level in (0, 1, 2):
                    url = GEOBOUNDARIES_URL.format(iso3=ISO3[country], level=level)
                    load_if_changed(
                        Dataset(
                            f"boundaries:geoboundaries:{country}:{level}",
                            url,
                            ATTRIBUTION[BoundarySource.GEOBOUNDARIES],
                        ),
                        load_boundary_file,
                        force=force,
                        log=log,
                    )
            return
        except Offline as exc:
            log(f"OFFLINE: {exc}")
    if _real_boundaries_loaded():
        log("boundaries: keeping the published boundaries already loaded")
        return
    if not BUILTIN_BOUNDARIES.is_file():
        log(f"boundaries: none loaded (the built-in file {BUILTIN_BOUNDARIES} is missing)")
        return
    log(
        "boundaries: using the built-in simplified boundaries (country and admin1 only); "
        "set REFERENCE_DATA_DIR or run setup_reference_data --download for the published ones"
    )
    load_if_changed(
        Dataset("boundaries:builtin", str(BUILTIN_BOUNDARIES), ATTRIBUTION["builtin"]),
        load_boundary_file,
        force=force,
        log=log,
    )


def _setup_gazetteer(base: Path | None, download: bool, force: bool, log: Log) -> None:
    for country in SAHEL_COUNTRIES:
        dump = None
        if base is not None:
            for candidate in (
                base / "geonames" / f"{country}.txt",
                base / "geonames" / f"{country}.zip",
            ):
                if candidate.is_file():
                    dump = str(candidate)
                    break
        if dump is None and download:
            dump = GEONAMES_URL.format(country=country)
        if dump is None:
            continue
        try:
            load_if_changed(
                Dataset(f"gazetteer:geonames:{country}", dump, ATTRIBUTION["geonames"]),
                load_geonames_file,
                force=force,
                log=log,
            )
        except Offline as exc:
            log(f"OFFLINE: {exc}")
            if is_url(dump):
                break
    load_if_changed(
        Dataset("gazetteer:builtin", str(BUILTIN_PLACES), ATTRIBUTION["builtin"]),
        load_builtin_places,
        force=force,
        log=log,
    )
