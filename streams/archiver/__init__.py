"""The SIEM archiver: `guard.screened` → hourly JSONL objects per organization, exactly once.

layout.py (windows, slots, names) · lines.py (event → line) · chunks.py (windows → objects →
commit offset) are pure; service.py is the Kafka consumer, writes.py the object writes with
retries, alerts.py the failing-target alerts and their emails, target.py the object stores.
See docs/siem-export.md.
"""
