"""Make a unit's certificates in the background. Safe to retry: a pupil's certificate of a
run is issued once (`grades.services.documents.certificate_run_work`)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task


@task()
def certificate_run_task(*, run_id: str) -> int:
    """Issue the run's certificates; return how many of them exist now."""
    from skolsam.grades.services.documents import certificate_run_work

    return certificate_run_work(run_id=UUID(run_id)).done
