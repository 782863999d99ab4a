"""Sample data: the demo set (incidents coded in full from public reporting, demo_incidents.json)
and the synthetic generator (plausible, clearly-marked fake incidents at any scale), so that a
first run shows a living map and benchmarks have a million incidents to chew on."""
