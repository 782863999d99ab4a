"""scripts/run's local accounts: one per role, random passwords kept in a private file, viewers
outside the admin, refused in production."""

import stat

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def sign_in():
    """A sign-in request: the throttling backend (django-axes) needs the request it judges."""
    return RequestFactory().post("/accounts/login/")


def test_one_account_per_role_with_private_random_passwords(tmp_path, settings):
    settings.DEBUG = True
    credentials = tmp_path / "local-users.txt"
    call_command("create_local_users", credentials_file=str(credentials))
    rows = [line.split("\t") for line in credentials.read_text().splitlines()]
    assert {role for _, _, role in rows} == {"admin", "reviewer", "editor", "viewer"}
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    for username, password, role in rows:
        user = authenticate(sign_in(), username=username, password=password)
        assert user is not None and user.groups.filter(name=role).exists()
        assert user.is_staff == (role != "viewer")
        assert user.is_superuser == (role == "admin")
    assert len({password for _, password, _ in rows}) == 4
    call_command("create_local_users", credentials_file=str(credentials))
    assert get_user_model().objects.count() == 4  # a second run creates nothing


def test_refused_when_debug_is_off(tmp_path, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local runs"):
        call_command("create_local_users", credentials_file=str(tmp_path / "x.txt"))
    assert not get_user_model().objects.exists()


def test_accounts_without_their_password_file_get_new_passwords(tmp_path, settings):
    """A database that outlived its checkout: the accounts exist, nobody has their passwords."""
    settings.DEBUG = True
    call_command("create_local_users", credentials_file=str(tmp_path / "lost.txt"))
    old = dict(line.split("\t")[:2] for line in (tmp_path / "lost.txt").read_text().splitlines())
    credentials = tmp_path / "var" / "local-users.txt"

    call_command("create_local_users", credentials_file=str(credentials))

    rows = [line.split("\t") for line in credentials.read_text().splitlines()]
    assert sorted(username for username, _, _ in rows) == ["admin", "editor", "reviewer", "viewer"]
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    for username, password, role in rows:
        user = authenticate(sign_in(), username=username, password=password)
        assert user is not None and user.groups.filter(name=role).exists()
        assert authenticate(sign_in(), username=username, password=old[username]) is None
    assert get_user_model().objects.count() == 4


def test_accounts_with_their_password_file_are_left_alone(tmp_path, settings):
    settings.DEBUG = True
    credentials = tmp_path / "local-users.txt"
    call_command("create_local_users", credentials_file=str(credentials))
    before = credentials.read_text()
    hashes = dict(get_user_model().objects.values_list("username", "password"))

    call_command("create_local_users", credentials_file=str(credentials))

    assert credentials.read_text() == before
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
