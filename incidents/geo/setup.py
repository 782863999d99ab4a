"""Which boundaries and gazetteer to load, and from where.

Order of preference:
1. REFERENCE_DATA_DIR (a folder laid out as geonames/ and boundaries/wof/),
2. the publishers' URLs, when asked to download (GeoNames dumps, geoBoundaries),
3. the built-in small gazetteer and simplified boundaries, so that a first run works offline.
Real data already loaded is never replaced by the built-in set. A dataset whose file is unchanged
is skipped (datasets.dataset_load_if_changed).
"""

from collections.abc import Callable
from pathlib import Path

from config.loading import LoadReport
from incidents.geo.boundaries import boundaries_load, boundary_report, read_boundaries
from incidents.geo.countries import COUNTRIES, SAHEL_COUNTRIES
from incidents.geo.datasets import ATTRIBUTION, Dataset, Log, dataset_load_if_changed
from incidents.geo.fetch import Offline, is_url
from incidents.geo.gazetteer import gazetteer_load, gazetteer_report, read_geonames
from incidents.geo.models import BoundarySource, Place, PlaceSource, ReferenceDataset

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
BUILTIN_PLACES = BUILTIN_DIR / "places.tsv"
BUILTIN_BOUNDARIES = BUILTIN_DIR / "boundaries.geojson"
GEONAMES_URL = "https://download.geonames.org/export/dump/{country}.zip"
GEOBOUNDARIES_URL = (
    "https://github.com/wmgeolab/geoBoundaries/raw/main/releaseData/gbOpen/"
    "{iso3}/ADM{level}/geoBoundaries-{iso3}-ADM{level}.geojson"
)

# Called after each boundary load that changed something, in its transaction (the caller
# re-derives the areas of what is placed in them).
AfterBoundaries = Callable[[LoadReport], object]


def load_boundary_file(path: Path, countries=SAHEL_COUNTRIES, *, prune: bool = True) -> LoadReport:
    report = boundary_report()
    return boundaries_load(read_boundaries(path, countries, report), prune=prune, report=report)


def load_geonames_file(path: Path, *, prune: bool = True) -> LoadReport:
    report = gazetteer_report()
    rows = read_geonames(path, report)
    return gazetteer_load(rows, source=PlaceSource.GEONAMES, prune=prune, report=report)


def load_builtin_places(path: Path) -> LoadReport:
    """The built-in places of the countries that have no real GeoNames data loaded."""
    report = gazetteer_report()
    real = set(
        Place.objects.filter(source=PlaceSource.GEONAMES)
        .values_list("country_code", flat=True)
        .distinct()
    )
    rows = [r for r in read_geonames(path, report) if r.country_code not in real]
    if not rows:
        report.scope = sorted(real)
        report.label = "built-in places: none needed"
        return report
    return gazetteer_load(rows, source=PlaceSource.BUILTIN, report=report)


def _real_boundaries_loaded() -> bool:
    return (
        ReferenceDataset.objects.filter(name__startswith="boundaries:")
        .exclude(name="boundaries:builtin")
        .exists()
    )


def geo_reference_setup(
    *,
    reference_dir: str = "",
    download: bool = False,
    force: bool = False,
    log: Log = print,
    after_boundaries: AfterBoundaries | None = None,
) -> bool:
    """Loads boundaries and the gazetteer from the best available source; returns whether any
    file was loaded (False when everything was already loaded)."""
    base = Path(reference_dir) if reference_dir else None
    if base is not None and not base.is_dir():
        log(f"REFERENCE_DATA_DIR={reference_dir} is not a folder; using other sources")
        base = None
    loaded = _setup_boundaries(base, download, force, log, after_boundaries)
    return _setup_gazetteer(base, download, force, log) or loaded


def _load_boundaries(dataset: Dataset, force: bool, log: Log, after: AfterBoundaries | None):
    def then(report: LoadReport) -> None:
        if report.changed and after is not None:
            after(report)

    return dataset_load_if_changed(dataset, load_boundary_file, force=force, log=log, after=then)


def _setup_boundaries(
    base: Path | None, download: bool, force: bool, log: Log, after: AfterBoundaries | None
) -> bool:
    wof = base / "boundaries" / "wof" if base else None
    if wof is not None and wof.is_dir():
        dataset = Dataset("boundaries:wof", str(wof), ATTRIBUTION[BoundarySource.WHOSONFIRST])
        return _load_boundaries(dataset, force, log, after) is not None
    if download:
        loaded = False
        try:
            for country in SAHEL_COUNTRIES:
                for level in (0, 1, 2):
                    url = GEOBOUNDARIES_URL.format(iso3=COUNTRIES[country].iso3, level=level)
                    dataset = Dataset(
                        f"boundaries:geoboundaries:{country}:{level}",
                        url,
                        ATTRIBUTION[BoundarySource.GEOBOUNDARIES],
                    )
                    loaded |= _load_boundaries(dataset, force, log, after) is not None
            return loaded
        except Offline as exc:
            log(f"OFFLINE: {exc}")
    if _real_boundaries_loaded():
        log("boundaries: keeping the published boundaries already loaded")
        return False
    if not BUILTIN_BOUNDARIES.is_file():
        log(f"boundaries: none loaded (the built-in file {BUILTIN_BOUNDARIES} is missing)")
        return False
    log(
        "boundaries: using the built-in simplified boundaries (country and admin1 only); "
        "set REFERENCE_DATA_DIR or run setup_reference_data --download for the published ones"
    )
    dataset = Dataset("boundaries:builtin", str(BUILTIN_BOUNDARIES), ATTRIBUTION["builtin"])
    return _load_boundaries(dataset, force, log, after) is not None


def _setup_gazetteer(base: Path | None, download: bool, force: bool, log: Log) -> bool:
    loaded = False
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
            report = dataset_load_if_changed(
                Dataset(f"gazetteer:geonames:{country}", dump, ATTRIBUTION["geonames"]),
                load_geonames_file,
                force=force,
                log=log,
            )
            loaded |= report is not None
        except Offline as exc:
            log(f"OFFLINE: {exc}")
            if is_url(dump):
                break
    report = dataset_load_if_changed(
        Dataset("gazetteer:builtin", str(BUILTIN_PLACES), ATTRIBUTION["builtin"]),
        load_builtin_places,
        force=force,
        log=log,
    )
    return loaded or report is not None
