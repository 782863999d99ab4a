import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from incidents.roles import ADMIN, EDITOR, REVIEWER, VIEWER

LOCAL_USERS = [("admin", ADMIN), ("reviewer", REVIEWER), ("editor", EDITOR), ("viewer", VIEWER)]


class Command(BaseCommand):
    help = (
        "For a local run: create one account per role (admin, reviewer, editor, viewer) with "
        "random passwords, written to a file readable only by you. When the file exists, existing "
        "accounts are left alone; when it does not (a database that outlived its checkout), the "
        "existing local accounts get new random passwords, written to it. Refused when DEBUG is "
        "off."
    )

    def add_arguments(self, parser):
        parser.add_argument("--credentials-file", required=True)

    def handle(self, *args, credentials_file, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_local_users is for local runs (DEBUG on); "
                "create accounts with manage.py createsuperuser and the admin"
            )
        User = get_user_model()
        path = Path(credentials_file)
        # Without the file, nobody knows the existing accounts' passwords: give them new ones.
        reset_existing = not path.exists()
        created, reset, lines = [], [], []
        with transaction.atomic():  # a file that cannot be written changes no password
            for username, role in LOCAL_USERS:
                password = secrets.token_urlsafe(12)
                user = User.objects.filter(username=username).first()
                if user is None:
                    # Viewers read through the pages; the admin is for those who edit.
                    user = User.objects.create_user(
                        username,
                        password=password,
                        is_staff=(role != VIEWER),
                        is_superuser=(role == ADMIN),
                    )
                    user.groups.add(Group.objects.get(name=role))
                    created.append(username)
                elif reset_existing:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                    reset.append(username)
                else:
                    continue
                lines.append(f"{username}\t{password}\t{role}")
            if lines:
                write_private(path, lines)
        if created:
            self.stdout.write(f"created {len(created)} local accounts; passwords in {path}")
        if reset:
            self.stdout.write(
                f"local accounts {', '.join(reset)} existed without a password file: "
                f"gave them new passwords, in {path}"
            )
        if not lines:
            self.stdout.write(f"local accounts exist; passwords in {path}")


def write_private(path: Path, lines: list[str]) -> None:
    """Appends the lines to a file only its owner can read (never readable by others, not even
    for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)  # a file that existed already
    with os.fdopen(fd, "a") as handle:
        handle.write("\n".join(lines) + "\n")
