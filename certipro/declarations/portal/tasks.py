"""Background work of the portal: thin tasks that take ids and call an entry point."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from certipro.declarations.portal.services import process_upload


@task()
def process_upload_task(upload_id: int) -> None:
    # The date is the day the file is processed: "future_date" is judged against it.
    process_upload(upload_id=upload_id, today=timezone.localdate())
