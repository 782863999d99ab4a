"""The editors' review queue (/review/): the drafts the ingestion workers made from reports, the
grey-zone matches (a draft that may be an incident recorded already, shown beside its
candidate) and the incidents waiting in review, each with the report's text and the extracted
values highlighted in it.

- `services.py`: the decisions (accept, publish, send back, merge, discard, and bulk), written
  through the workflow services of incidents/services.py; each decision on an ingested draft
  records what the extractor proposed and what the editor kept (`ExtractionFeedback`);
- `selectors.py`: the queue's tabs, its items, and the summary of the feedback;
- `highlight.py`: the report's text with the extracted values marked, built safely;
- `views.py`, `urls.py`: the pages.
"""
