"""The upload form of the admin (a file to ingest): the checks live in uploads.upload_store, which
the form calls, so its errors show at the file field and nothing is stored."""

from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.ingest.models import IngestSource
from incidents.ingest.uploads import UPLOAD_KINDS, UploadError, upload_store


class UploadForm(forms.Form):
    source = forms.ModelChoiceField(
        label=_("source"),
        queryset=IngestSource.objects.filter(kind__in=UPLOAD_KINDS).order_by("name"),
        help_text=_(
            "An uploaded-file source for a report (.txt, .html, .eml, .pdf); a UCDP GED or ACLED "
            "export source for a .csv export."
        ),
    )
    file = forms.FileField(label=_("file"))
    published = forms.DateField(
        label=_("published on"),
        required=False,
        help_text=_(
            "The report's publication date (an e-mail's own date is used); today if empty."
        ),
    )
    dataset_version = forms.CharField(
        label=_("dataset version"),
        max_length=50,
        required=False,
        help_text=_("For an ACLED or UCDP export: the release it is (e.g. 25.1)."),
    )

    def save(self):
        """Stores the file once; returns (report, created), or None with the error on the form."""
        upload = self.cleaned_data["file"]
        try:
            return upload_store(
                source_id=self.cleaned_data["source"].pk,
                name=upload.name,
                content=upload.read(),
                published=self.cleaned_data["published"],
                dataset_version=self.cleaned_data["dataset_version"],
            )
        except UploadError as exc:
            self.add_error("file", str(exc))
            return None
