"""Uploaded files, through the admin's upload page (Django's test client) and the real Celery
worker: a report in a text, HTML, e-mail or PDF file is stored once with its bytes and SHA-256 and
drafted like a pasted text; a UCDP or ACLED CSV export goes through the dataset import on the
imports queue; a file uploaded twice, an unreadable one or a wrong export is refused at the
file field and nothing is stored."""

import csv
import hashlib
import io
import textwrap
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incidents.ingest.models import (
    DONE_STATUSES,
    IngestSource,
    IngestSourceKind,
    RawReport,
    ReportStatus,
)
from incidents.ingest.uploads import UPLOADED_SOURCE_NAME, UploadError, upload_read
from incidents.models import Incident, Origin, UcdpEvent
from tests.examples import UCDP_ROW
from tests.factories import UserFactory
from tests.incidents.ingest.test_feeds import AMBUSH, STRIKE, require_libraries, wait_for
from tests.pdfs import pdf_bytes

URL = "/admin/incidents/rawreport/upload/"

EMAIL = (
    "From: Field office <office@ngo.example>\r\n"
    "To: desk@ngo.example\r\n"
    "Subject: Drone strike in Tinzaouaten\r\n"
    "Date: Mon, 24 Jun 2024 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: text/plain; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    f"{STRIKE}\r\n"
).encode()

SITUATION_PDF = pdf_bytes(
    [
        [
            [
                "Mopti, 20 juin 2024 – Des hommes armés ont attaqué",
                "le marché de Boni près de la frontière. Au moins",
                "douze civils ont été tués, selon un élu local.",
            ],
            ["Le JNIM a revendiqué l’attaque le lendemain :", "- deux véhicules incendiés ;"],
        ],
        [["Le bilan reste provisoire."]],
    ],
    title="Note de situation – Boni",
)


def ucdp_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, source, name: str, content: bytes, **fields):
    return client.post(
        URL,
        {"source": source.pk, "file": SimpleUploadedFile(name, content), **fields},
        follow=True,
    )


@pytest.mark.django_db
def test_uploaded_files_are_read_by_their_kind():
    plain = upload_read("brief.txt", "Attaque à Boni\n\nDes hommes armés…".encode("cp1252"))
    assert plain.text.startswith("Attaque à Boni") and plain.title == "Attaque à Boni"
    html = upload_read(
        "page.html",
        b"<html><head><title>Attack in Djibo</title></head><body><nav>Home</nav><article>"
        b"<p>Armed men attacked the market of Djibo on Friday, killing twelve civilians, "
        b"according to the regional governor, who said the attackers fled.</p></article>"
        b"</body></html>",
    )
    assert html.title == "Attack in Djibo" and "twelve civilians" in html.text
    mail = upload_read("report.eml", EMAIL)
    assert mail.title == "Drone strike in Tinzaouaten"
    assert mail.text.startswith("Drone strike in Tinzaouaten\n\nA drone strike hit a wedding")
    assert mail.published_at.date() == date(2024, 6, 24)
    # A PDF: its title from the document's information, the lines of each paragraph joined
    # again (a place name broken over two lines reads whole), the paragraphs kept apart.
    pdf = upload_read("note.pdf", SITUATION_PDF)
    assert pdf.title == "Note de situation – Boni" and pdf.content_type == "application/pdf"
    assert pdf.text == (
        "Mopti, 20 juin 2024 – Des hommes armés ont attaqué le marché de Boni près de la "
        "frontière. Au moins douze civils ont été tués, selon un élu local.\n\n"
        "Le JNIM a revendiqué l’attaque le lendemain :\n- deux véhicules incendiés ;\n\n"
        "Le bilan reste provisoire."
    )
    untitled = upload_read("brief.pdf", pdf_bytes([[["Attack in Djibo."]]]))
    assert untitled.title == "Attack in Djibo."
    with pytest.raises(UploadError, match=r"upload a \.txt, \.html, \.eml or \.pdf file"):
        upload_read("report.docx", b"PK\x03\x04")
    with pytest.raises(UploadError, match="not a PDF"):
        upload_read("report.pdf", b"<html>a web page saved as .pdf</html>")
    with pytest.raises(UploadError, match="damaged"):
        upload_read("report.pdf", SITUATION_PDF[: len(SITUATION_PDF) // 3])
    with pytest.raises(UploadError, match="no text layer"):
        upload_read("scan.pdf", pdf_bytes([[]]))
    with pytest.raises(UploadError, match="No text was found"):
        upload_read("empty.html", b"<html><body></body></html>")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_report_is_stored_once_and_drafted_by_the_worker(
    celery_worker, committed_reference_data, client
):
    require_libraries(feeds=False)
    client.force_login(UserFactory(username="editor", role="editor"))
    page = client.get("/admin/incidents/rawreport/")
    assert URL in page.content.decode()  # the list links to the upload page
    form = client.get(URL)  # the page makes the default upload source, chosen unless changed
    source = IngestSource.objects.get(name=UPLOADED_SOURCE_NAME)
    assert f'<option value="{source.pk}" selected>' in form.content.decode()
    content = AMBUSH.encode()

    response = upload(client, source, "ambush.txt", content, published="2024-06-20")

    report = RawReport.objects.get()
    assert response.redirect_chain[-1][0] == f"/admin/incidents/rawreport/{report.pk}/change/"
    assert f"stored as report #{report.pk}" in response.content.decode()
    assert bytes(report.content) == content
    assert report.content_sha256 == hashlib.sha256(content).hexdigest()
    assert report.source == source and report.title.startswith("Gunmen ambushed")
    report = wait_for(
        lambda: RawReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFTED).first(),
        "the uploaded report to be drafted",
    )
    assert report.incident.origin == Origin.INGESTED
    assert report.incident.location_name == "Boni"
    assert report.incident.date_start == date(2024, 6, 18)  # "Tuesday" before the 20th
    # The upload is attributed to the editor in the report's history.
    assert report.events.filter(pgh_label="insert").get().pgh_context.metadata["user"]

    # The same bytes again: refused at the file field, nothing new.
    again = upload(client, source, "copy.txt", content, published="2024-06-21")
    assert f"This file was uploaded already: report #{report.pk}" in again.content.decode()
    # An e-mail is read with its own date.
    upload(client, source, "strike.eml", EMAIL)
    mail = wait_for(
        lambda: RawReport.objects.filter(
            title="Drone strike in Tinzaouaten", status=ReportStatus.DRAFTED
        ).first(),
        "the e-mail to be drafted",
    )
    assert mail.published_at.date() == date(2024, 6, 24)
    assert mail.incident.date_start == date(2024, 6, 23)  # "on Sunday"
    # The ambush again, as a PDF brief whose column broke "near Boni" over two lines: read
    # whole, it is the same event, and the report joins the incident drafted from the text.
    cut = AMBUSH.index(" Boni")
    lines = [AMBUSH[:cut], *textwrap.wrap(AMBUSH[cut + 1 :], 60)]
    brief = pdf_bytes([[lines]], title="Weekly brief")
    upload(client, source, "brief.pdf", brief, published="2024-06-20")
    attached = wait_for(
        lambda: RawReport.objects.filter(title="Weekly brief", status__in=DONE_STATUSES).first(),
        "the PDF to be processed",
    )
    assert (attached.status, attached.incident) == (ReportStatus.ATTACHED, report.incident)
    # A file that cannot be read: refused at the field.
    refused = upload(client, source, "scan.pdf", b"%PDF-1.4 ...")
    assert "The PDF is damaged" in refused.content.decode()
    refused = upload(client, source, "report.docx", b"PK\x03\x04 ...")
    assert "upload a .txt, .html, .eml or .pdf file" in refused.content.decode()
    assert RawReport.objects.count() == 3
    assert Incident.objects.filter(origin=Origin.INGESTED).count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_ucdp_export_is_imported_on_the_imports_queue(
    celery_worker, committed_reference_data, client
):
    client.force_login(UserFactory(username="editor", role="editor"))
    source = IngestSource.objects.create(name="UCDP GED", kind=IngestSourceKind.UCDP_CSV)
    second = {**UCDP_ROW, "id": 512346, "latitude": 15.0, "longitude": -2.2, "low": 3, "best": 3}
    broken = {**UCDP_ROW, "id": 512347, "date_start": "yesterday"}
    unlikely = {**UCDP_ROW, "id": 512348, "best": 3}  # best below low
    content = ucdp_csv([UCDP_ROW, second, broken, unlikely])

    upload(client, source, "ged-25.1.csv", content, dataset_version="25.1")

    report = wait_for(
        lambda: RawReport.objects.filter(status=ReportStatus.IMPORTED).first(),
        "the export to be imported",
    )
    assert report.dataset_version == "25.1" and report.text == ""
    assert report.content_sha256 == hashlib.sha256(content).hexdigest()
    result = report.match["import"]
    assert (result["dataset"], result["rows"], result["imported"]) == ("ucdp", 4, 2)
    assert result["errors"][0].startswith("line 4: date_start")
    assert result["errors"][1] == "line 5: Estimates must satisfy low ≤ best ≤ high."
    assert report.last_error.startswith("line 4: date_start")
    assert set(UcdpEvent.objects.values_list("ged_id", "dataset_version")) == {
        (512345, "25.1"),
        (512346, "25.1"),
    }
    assert Incident.objects.filter(origin=Origin.IMPORT_UCDP).count() == 2

    # A newer release of the same events updates them: no duplicates.
    newer = ucdp_csv([{**UCDP_ROW, "best": 8, "high": 9}])
    upload(client, source, "ged-25.2.csv", newer, dataset_version="25.2")
    wait_for(
        lambda: RawReport.objects.filter(status=ReportStatus.IMPORTED).count() == 2,
        "the newer release to be imported",
    )
    assert Incident.objects.filter(origin=Origin.IMPORT_UCDP).count() == 2
    assert UcdpEvent.objects.get(ged_id=512345).dataset_version == "25.2"

    # Not an export of this dataset: refused at the field, nothing stored.
    wrong = upload(client, source, "acled.csv", b"event_id_cnty,event_date\nMLI1,2024-01-01\n")
    assert "This is not a UCDP export: the columns id, date_start" in wrong.content.decode()
    assert RawReport.objects.count() == 2


@pytest.mark.django_db
def test_only_those_who_may_upload_see_the_upload_page(client, users):
    client.force_login(users["viewer"])
    assert client.get(URL).status_code == 302  # not staff: to the admin login
    for role in ("editor", "reviewer", "admin"):
        client.force_login(users[role])
        assert client.get(URL).status_code == 200
