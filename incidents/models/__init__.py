"""The incidents domain model; one module per part (see each module's docstring). Geography
(admin areas, the gazetteer) lives in incidents/geo/models.py and is part of this app."""

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
from incidents.models.actorcells import ActorCell, ActorGroup, ActorGroupWindow, ActorSummaryState
from incidents.models.apirecords import ApiRecord
from incidents.models.external import AcledEvent, UcdpEvent
from incidents.models.harm import (
    AgeGroup,
    CivilianHarmReport,
    CivilianObject,
    HarmGrade,
    HarmMeans,
    Sex,
    Victim,
    VictimStatus,
)
from incidents.models.incident import (
    ESTIMATES,
    AcledPosition,
    GeoPrecision,
    Incident,
    IncidentActor,
    Origin,
    Status,
    TimePrecision,
    UcdpSide,
    UcdpViolenceType,
)
from incidents.models.mapcells import MapCell
from incidents.models.partners import (
    CoordinatePolicy,
    IdempotentRequest,
    KeyScope,
    Organisation,
    OrganisationAPIKey,
)
from incidents.models.sources import (
    Claim,
    Credibility,
    DatePrecision,
    Reliability,
    Source,
    SourceKind,
)
from incidents.models.tombstones import IncidentTombstone, TombstoneReason
from incidents.models.workflow import CommentKind, ReviewComment

__all__ = [
    "ESTIMATES",
    "AcledEvent",
    "AcledPosition",
    "ActorCell",
    "ActorGroup",
    "ActorGroupWindow",
    "ActorSummaryState",
    "AdminArea",
    "AdminAreaPart",
    "AdminLevel",
    "AgeGroup",
    "ApiRecord",
    "BoundarySource",
    "CivilianHarmReport",
    "CivilianObject",
    "Claim",
    "CommentKind",
    "CoordinatePolicy",
    "Credibility",
    "DatePrecision",
    "GeoPrecision",
    "HarmGrade",
    "HarmMeans",
    "IdempotentRequest",
    "Incident",
    "IncidentActor",
    "IncidentTombstone",
    "KeyScope",
    "MapCell",
    "Organisation",
    "OrganisationAPIKey",
    "Origin",
    "Place",
    "PlaceName",
    "PlaceSource",
    "ReferenceDataset",
    "Reliability",
    "ReviewComment",
    "Sex",
    "Source",
    "SourceKind",
    "Status",
    "TimePrecision",
    "TombstoneReason",
    "UcdpEvent",
    "UcdpSide",
    "UcdpViolenceType",
    "Victim",
    "VictimStatus",
]

# Ingestion's sources and raw reports (incidents/ingest/models.py) belong to this app too.
from incidents.ingest.models import (
    IngestSource,
    IngestSourceKind,
    RawReport,
    ReportStatus,
)

__all__ += ["IngestSource", "IngestSourceKind", "RawReport", "ReportStatus"]
