"""What the ACLED and UCDP mappings share: the dataset as a source, labels in English whatever
the interface language, and one clear error for a row that does not fit."""

from datetime import date

from django.utils import translation

from incidents.models import Reliability, Source, SourceKind


class InterchangeError(ValueError):
    """A dataset row does not fit the model; the message names the column and why."""


def english(label) -> str:
    """A choice label as the datasets write it (the source text, not its translation)."""
    with translation.override(None):
        return str(label)


def dataset_source(publisher: str, title: str) -> Source:
    """The Source that stands for a dataset (ACLED, UCDP GED): its figures are its claims."""
    source = Source.objects.filter(kind=SourceKind.DATASET, publisher=publisher, url="").first()
    if source is None:
        source = Source(
            kind=SourceKind.DATASET,
            publisher=publisher,
            title=title,
            reliability=Reliability.B,
            language="eng",
        )
        source.full_clean()
        source.save()
    return source


def required(row: dict, column: str) -> str:
    value = row.get(column)
    if value is None or str(value).strip() == "":
        raise InterchangeError(f"{column}: required, but empty")
    return str(value).strip()


def day(row: dict, column: str) -> date:
    """A date column ("2024-10-21", or UCDP's "2024-10-21 00:00:00.000")."""
    value = required(row, column)
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InterchangeError(f"{column}: {value!r} is not a date (YYYY-MM-DD)") from None


def integer(row: dict, column: str, *, blank: bool = True) -> int | None:
    value = row.get(column)
    if value is None or str(value).strip() == "":
        if blank:
            return None
        raise InterchangeError(f"{column}: required, but empty")
    try:
        return int(str(value).strip())
    except ValueError:
        raise InterchangeError(f"{column}: {value!r} is not a whole number") from None


def number(row: dict, column: str) -> float:
    value = required(row, column)
    try:
        return float(value)
    except ValueError:
        raise InterchangeError(f"{column}: {value!r} is not a number") from None
