"""The incidents domain model; one module per part (see each module's docstring)."""

from incidents.geo.models import (
    AdminArea,
    AdminAreaPart,
    AdminLevel,
    BoundarySource,
    Place,
    PlaceName,
    PlaceSource,
    ReferenceDataset,
)
from incidents.models.harm import (
    AgeGroup,
    CivilianHarmReport,
    Gender,
    HarmGrade,
    HarmMeans,
    Victim,
    VictimOutcome,
)
from incidents.models.incident import (
    GeoPrecision,
    Incident,
    IncidentActor,
    Origin,
    ParticipantRole,
    Status,
    TimePrecision,
)
from incidents.models.sources import Claim, Credibility, Reliability, Source, SourceKind

__all__ = [
    "AdminArea",
    "AdminAreaPart",
    "AdminLevel",
    "AgeGroup",
    "BoundarySource",
    "CivilianHarmReport",
    "Claim",
    "Credibility",
    "Gender",
    "GeoPrecision",
    "HarmGrade",
    "HarmMeans",
    "Incident",
    "IncidentActor",
    "Origin",
    "ParticipantRole",
    "Place",
    "PlaceName",
    "PlaceSource",
    "ReferenceDataset",
    "Reliability",
    "Source",
    "SourceKind",
    "Status",
    "TimePrecision",
    "Victim",
    "VictimOutcome",
]
