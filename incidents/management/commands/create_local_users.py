import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from incidents.roles import ADMIN, EDITOR, REVIEWER, VIEWER

LOCAL_USERS = [("admin", ADMIN), ("reviewer", REVIEWER), ("editor", EDITOR), ("viewer", VIEWER)]


class Command(BaseCommand):
    help = (
        "For a local run: create one account per role (admin, reviewer, editor, viewer) with "
        "random passwords, written to a file readable only by you. Existing accounts are left "
        "alone. Refused when DEBUG is off."
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
        created = []
        for username, role in LOCAL_USERS:
            if User.objects.filter(username=username).exists():
                continue
            password = secrets.token_urlsafe(12)
            # Viewers read through the pages; the admin is for those who edit.
            user = User.objects.create_user(
                username,
                password=password,
                is_staff=(role != VIEWER),
                is_superuser=(role == ADMIN),
            )
            user.groups.add(Group.objects.get(name=role))
            created.append(f"{username}\t{password}\t{role}")
        if created:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a") as handle:
                handle.write("\n".join(created) + "\n")
            path.chmod(0o600)
            self.stdout.write(f"created {len(created)} local accounts; passwords in {path}")
        elif path.exists():
            self.stdout.write(f"local accounts exist; passwords in {path}")
        else:
            self.stdout.write("local accounts exist (created elsewhere; no password file)")
