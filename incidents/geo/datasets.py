"""Reference datasets: which file each one was loaded from, its fingerprint and attribution.
A dataset whose file has not changed is not loaded again (loading it would change nothing)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Now

from config.loading import LoadReport
from incidents.geo.fetch import fingerprint, local_copy
from incidents.geo.models import BoundarySource, ReferenceDataset

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


def dataset_record(dataset: Dataset, sha256: str, rows: int) -> None:
    """Records that `dataset` was loaded from its source, with the file's fingerprint."""
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


def dataset_load_if_changed(
    dataset: Dataset,
    loader: Callable[[Path], LoadReport],
    *,
    force: bool = False,
    log: Log = print,
    after: Callable[[LoadReport], object] | None = None,
    warn: Log | None = None,
) -> LoadReport | None:
    """Loads `dataset` with `loader` unless the same file is already loaded (under the dataset's
    name, or from the same source), in one transaction with its record and with `after(report)`
    (a re-derivation, say); returns the report, or None when the file was skipped as unchanged.
    The loader may rename the dataset once it knows what the file holds (its country, say)."""
    with local_copy(dataset.source) as path:
        sha = fingerprint(path)
        known = (
            ReferenceDataset.objects.filter(Q(name=dataset.name) | Q(source=dataset.source))
            .order_by("-loaded_at")
            .first()
        )
        if known and known.sha256 == sha and not force:
            log(f"{dataset.name}: unchanged ({known.rows} rows from {known.source})")
            return None
        with transaction.atomic():
            report = loader(path)
            dataset_record(dataset, sha, report.rows)
            if after is not None:
                after(report)
        log(f"{dataset.name}: {report}")
        for warning in report.warnings[:10]:
            (warn or log)(f"warning: {warning}")
        return report
