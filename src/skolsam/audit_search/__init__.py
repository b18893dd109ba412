"""Let auditors search the audit log by person, actor, action and dates, with names.

The log itself (`audit.models`, `audit.services`, `audit.selectors.audit_entry_list`) is
below every domain; this page names the persons, accounts, schools, groups and lessons
the entries are about, so it sits on top, beside the CSV export (`exports`).
"""
