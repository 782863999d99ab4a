"""Attribution of writes that do not come from a web request (pghistory's middleware attributes
those to the user): management commands and Celery tasks record their own name in the history
context of everything they write."""

import pghistory
from celery import Task
from django.core.management.base import BaseCommand


class AttributedCommand(BaseCommand):
    """A management command whose writes are attributed to it in the history tables."""

    def execute(self, *args, **options):
        with pghistory.context(command=self.__module__.rsplit(".", 1)[-1]):
            return super().execute(*args, **options)


class AttributedTask(Task):
    """A Celery task whose writes are attributed to it (and its id) in the history tables."""

    def __call__(self, *args, **kwargs):
        with pghistory.context(task=self.name, task_id=self.request.id):
            return super().__call__(*args, **kwargs)
