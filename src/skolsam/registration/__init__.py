"""Register pupils and staff and move pupils between schools: acts that span the register apps.

Above `people`, `enrolment`, `groups`, `duties` and `organisations`, built from their services;
not a Django app (no models, no templates of its own).
"""
