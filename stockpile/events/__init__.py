"""Disaster events (灾情): events, village reports and follow-ups, township requests (请领) and the dispatch scenario
an event becomes. `service.py` is `svc.events`; docs/events.md."""
