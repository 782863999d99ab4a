"""The partner REST API under /api/v1/ (Django REST Framework): who may call it and what they see
(`access`: partner keys, signed-in users, anonymous callers when API_ANONYMOUS_READ is on; rate
limits), the records it gives (`records`: each incident as one flat row built in PostgreSQL,
the same in JSON, GeoJSON and CSV, coarsened where the partner's policy says), the formats
(`formats`: negotiation, streamed CSV with HXL and GeoJSON downloads), and the endpoints
(`views`, `urls`). Filters come from the one IncidentFilterSet (incidents/filters.py); the
tombstones of /deleted/ are kept by the database (incidents/models/tombstones.py).

Views parse the query, call a selector, encode. Two more rooms: `write` (trusted systems create
draft incidents through the services, POST /api/v1/incidents/) and `exports` with `tasks`
(downloads above API_EXPORT_BACKGROUND_ROWS written by a Celery task, fetched through a job
URL). docs/api.md documents it all."""
