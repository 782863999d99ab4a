"""Opening reference data given as a local path or a URL, with a clear error when offline."""

import hashlib
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

DOWNLOAD_TIMEOUT_SECONDS = 30
USER_AGENT = "sahel-incident-monitor (reference data loader)"


class ReferenceDataError(Exception):
    """Reference data cannot be read; the message says why and what to do."""


class Offline(ReferenceDataError):
    """The publisher could not be reached."""


def is_url(source: str) -> bool:
    return urlsplit(str(source)).scheme in {"http", "https"}


@contextmanager
def local_copy(source: str | Path) -> Iterator[Path]:
    """Yields a local path for `source`: the path itself, or a temporary download of the URL."""
    if not is_url(str(source)):
        path = Path(source)
        if not path.exists():
            raise ReferenceDataError(f"{path}: no such file or directory")
        yield path
        return
    url = str(source)
    with tempfile.TemporaryDirectory(prefix="sahel-ref-") as tmp:
        target = Path(tmp) / (Path(urlsplit(url).path).name or "download")
        # is_url() admitted only http and https: urlopen cannot reach file: or custom schemes.
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
        try:
            with (
                urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response,  # noqa: S310
                target.open("wb") as out,
            ):
                shutil.copyfileobj(response, out)
        except urllib.error.HTTPError as exc:
            raise ReferenceDataError(
                f"{url}: the server answered HTTP {exc.code} {exc.reason}"
            ) from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Offline(
                f"cannot download {url}: {reason}. This machine seems to be offline or cannot "
                f"reach {urlsplit(url).hostname}. Give a local file instead, or set "
                f"REFERENCE_DATA_DIR to a folder holding the files."
            ) from exc
        yield target


def fingerprint(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents, in order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
