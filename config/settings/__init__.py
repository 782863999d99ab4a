"""Settings by environment: `base` reads everything from environment variables; `test` adjusts it
for the test suite."""
