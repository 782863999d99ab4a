"""The countries the project covers and their codes in every convention it meets (ISO 3166
alpha-2, alpha-3 and numeric, Gleditsch-Ward for UCDP, ACLED's region), written once."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    iso2: str
    iso3: str
    iso_numeric: int
    gleditsch_ward: int | None
    name_en: str
    name_fr: str
    acled_region: str


COUNTRIES: dict[str, Country] = {
    c.iso2: c
    for c in (
        Country("ML", "MLI", 466, 432, "Mali", "Mali", "Western Africa"),
        Country("BF", "BFA", 854, 439, "Burkina Faso", "Burkina Faso", "Western Africa"),
        Country("NE", "NER", 562, 436, "Niger", "Niger", "Western Africa"),
        # Neighbours: publishers' files and reports name them; points near a border fall in them.
        Country("MR", "MRT", 478, 435, "Mauritania", "Mauritanie", "Western Africa"),
        Country("SN", "SEN", 686, 433, "Senegal", "Sénégal", "Western Africa"),
        Country("GN", "GIN", 324, 438, "Guinea", "Guinée", "Western Africa"),
        Country("CI", "CIV", 384, 437, "Ivory Coast", "Côte d'Ivoire", "Western Africa"),
        Country("GH", "GHA", 288, 452, "Ghana", "Ghana", "Western Africa"),
        Country("TG", "TGO", 768, 461, "Togo", "Togo", "Western Africa"),
        Country("BJ", "BEN", 204, 434, "Benin", "Bénin", "Western Africa"),
        Country("NG", "NGA", 566, 475, "Nigeria", "Nigéria", "Western Africa"),
        Country("TD", "TCD", 148, 483, "Chad", "Tchad", "Middle Africa"),
        Country("CM", "CMR", 120, 471, "Cameroon", "Cameroun", "Middle Africa"),
        Country("DZ", "DZA", 12, 615, "Algeria", "Algérie", "Northern Africa"),
        Country("LY", "LBY", 434, 620, "Libya", "Libye", "Northern Africa"),
        Country("TN", "TUN", 788, 616, "Tunisia", "Tunisie", "Northern Africa"),
    )
}

# The three countries of the central Sahel the monitor covers, in the order used everywhere.
SAHEL_COUNTRIES: tuple[str, ...] = ("ML", "BF", "NE")

BY_ISO3: dict[str, Country] = {c.iso3: c for c in COUNTRIES.values()}
BY_ISO_NUMERIC: dict[int, Country] = {c.iso_numeric: c for c in COUNTRIES.values()}
BY_NAME: dict[str, Country] = {
    name.casefold(): c for c in COUNTRIES.values() for name in (c.name_en, c.name_fr)
}
