"""objects_copy (incidents/interchange/copy.py): rows written by COPY carry the history's context
and go in all together or not at all, whether or not the caller opened a transaction."""

import pghistory
import pytest
from django.db import IntegrityError
from pghistory.models import Events

from incidents.interchange.copy import objects_copy
from incidents.models import Source
from tests.factories import SourceFactory

# Outside any transaction of the test's own: as a script in autocommit mode would call it.
pytestmark = pytest.mark.django_db(transaction=True)


def test_copied_rows_are_in_the_history_with_their_context():
    with pghistory.context(command="import_dataset", dataset="ucdp"):
        sources = objects_copy(Source, [SourceFactory.build(), SourceFactory.build()])
    assert all(s.pk for s in sources)
    events = Events.objects.filter(
        pgh_obj_model="incidents.Source", pgh_obj_id__in=[str(s.pk) for s in sources]
    )
    assert [e.pgh_label for e in events] == ["insert", "insert"]
    assert {e.pgh_context["command"] for e in events} == {"import_dataset"}


def test_a_refused_row_leaves_none_of_its_batch():
    taken = SourceFactory(url="https://news.example.org/taken")
    before = Source.objects.count()
    with pytest.raises(IntegrityError):
        objects_copy(
            Source,
            [SourceFactory.build(), SourceFactory.build(url="https://news.example.org/taken")],
        )
    assert Source.objects.count() == before
    assert Source.objects.filter(url=taken.url).count() == 1
