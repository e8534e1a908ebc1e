"""A task backend for development only: `make run` serves everything with no worker process.

The immediate backend would process an upload inside the request that sends it, so the
progress bar would never be seen moving; the database backend needs `manage.py db_worker`
beside the web server. This one runs each task in a thread of the web process, right away.
Not for production: a restart of the process abandons the running tasks (an upload then stays
"en cours"; the database backend and its worker are the production setting).
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id


class ThreadBackend(ImmediateBackend):
    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> TaskResult[Any]:
        self.validate_task(task)
        result: TaskResult[Any] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        threading.Thread(target=self._run, args=(result,), name=f"task-{result.id}", daemon=True).start()
        return result

    def _run(self, result: TaskResult[Any]) -> None:
        try:
            self._execute_task(result)
        finally:
            connections.close_all()  # this thread's own connections, opened by the task
