"""What a browser posts with a Django formset besides its rows."""


def management(prefix: str, total: int, initial: int = 0) -> dict:
    """The management form of the formset `prefix` holding `total` rows, `initial` of them saved
    before."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
