"""The editors' actor form: the actor, its dated aliases and its dated relations (this actor is
<type> another), each with its sources, as inline rows. The rules are the model's and the
database's, checked by actors/services.py; the form parses what is typed (countries, sources)."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.models import Actor, ActorAlias, ActorRelation
from incidents.forms import ActorField, RowFormSet

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def references_text(references: list) -> str:
    """Sources as the form shows them: one a line, "publisher | title | URL"."""
    lines = []
    for ref in references or []:
        if isinstance(ref, dict):
            parts = [ref.get("publisher", ""), ref.get("title", ""), ref.get("url", "")]
            lines.append(" | ".join(parts).rstrip(" |"))
        else:
            lines.append(str(ref))
    return "\n".join(lines)


def parse_references(text: str) -> list[dict]:
    """One source a line, "publisher | title | URL" (title and URL optional); a URL must be
    one."""
    found = []
    check = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        publisher, title, url = [*parts, "", "", ""][:3]
        if not publisher:
            raise ValidationError(
                _("Line %(n)s: start with the publisher (publisher | title | URL).") % {"n": number}
            )
        if url:
            try:
                check(url)
            except ValidationError:
                raise ValidationError(
                    _("Line %(n)s: %(url)s is not a web address (http:// or https://).")
                    % {"n": number, "url": url}
                ) from None
        found.append({"publisher": publisher, "title": title, "url": url})
    return found


def parse_countries(text: str) -> list[str]:
    codes = [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]
    bad = [c for c in codes if len(c) != 2 or not c.isalpha()]
    if bad:
        raise ValidationError(
            _("Give ISO 3166 two-letter codes separated by commas (ML, BF, NE): %(bad)s.")
            % {"bad": ", ".join(bad)}
        )
    return codes


class SourcesMixin(forms.ModelForm):
    references_text = forms.CharField(
        label=gettext_lazy("sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One a line: publisher | title | URL."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["references_text"] = references_text(self.instance.references)

    def clean_references_text(self) -> list[dict]:
        return parse_references(self.cleaned_data["references_text"])

    def _post_clean(self):
        # The services validate the whole row (full_clean) and the database has the last word;
        # actors/views.py puts their messages at these fields.
        pass


class ActorForm(SourcesMixin):
    countries_text = forms.CharField(
        label=gettext_lazy("countries"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("ISO 3166 two-letter codes, main one first: ML, BF, NE."),
    )
    create_anyway = forms.BooleanField(
        label=gettext_lazy("create anyway: it is none of the actors listed"), required=False
    )

    class Meta:
        model = Actor
        fields = [
            "name",
            "name_fr",
            "acronym",
            "kind",
            "acled_inter",
            "active_from",
            "active_from_precision",
            "active_until",
            "active_until_precision",
            "fighting_party",
            "description",
        ]
        widgets = {
            "active_from": DATE,
            "active_until": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["countries_text"] = ", ".join(self.instance.countries)

    def clean_countries_text(self) -> list[str]:
        return parse_countries(self.cleaned_data["countries_text"])

    def actor_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields}
        fields["countries"] = data["countries_text"]
        fields["references"] = data["references_text"]
        return fields


class AliasForm(SourcesMixin):
    class Meta:
        model = ActorAlias
        fields = [
            "name",
            "language",
            "kind",
            "valid_from",
            "valid_from_precision",
            "valid_until",
            "valid_until_precision",
        ]
        widgets = {"valid_from": DATE, "valid_until": DATE}

    def alias_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["references"] = self.cleaned_data["references_text"]
        return fields


class RelationForm(SourcesMixin):
    target = ActorField(label=gettext_lazy("other actor"))
    countries_text = forms.CharField(
        label=gettext_lazy("countries"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Where the relation holds; empty: wherever both actors are."),
    )

    class Meta:
        model = ActorRelation
        fields = [
            "type",
            "target",
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
            "note",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "note": forms.TextInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["countries_text"] = ", ".join(self.instance.countries)
            self.initial["target"] = self.instance.target

    def clean_countries_text(self) -> list[str]:
        return parse_countries(self.cleaned_data["countries_text"])

    def relation_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields}
        fields["countries"] = data["countries_text"]
        fields["references"] = data["references_text"]
        return fields


AliasFormSet = forms.modelformset_factory(
    ActorAlias, form=AliasForm, formset=RowFormSet, extra=2, can_delete=True
)
RelationFormSet = forms.modelformset_factory(
    ActorRelation, form=RelationForm, formset=RowFormSet, extra=1, can_delete=True
)
