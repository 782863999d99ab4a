"""Signing in and out: throttling against password guessing (django-axes), sessions that end,
changing one's own password."""

import pytest
from django.conf import settings

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_a_right_password_signs_in_and_a_wrong_one_says_so(client, users):
    wrong = sign_in(client, "viewer", "guess")
    assert wrong.status_code == 200
    assert "didn" in wrong.content.decode()  # "Your username and password didn't match"
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "viewer", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(users["viewer"].pk)


def test_repeated_failures_lock_that_account_from_that_address(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "editor", "guess")
    refused = sign_in(client, "editor", PASSWORD)  # even the right password, now
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # The lock is for that account from that address, not for everyone.
    assert sign_in(client, "editor", PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    assert sign_in(client, "viewer", PASSWORD).status_code == 302


def test_a_success_before_the_limit_forgets_the_failures(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "reviewer", "guess")
    assert sign_in(client, "reviewer", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "reviewer", "guess")
    assert sign_in(client, "reviewer", PASSWORD).status_code == 302


def test_a_session_ends_after_a_working_day(client, users):
    response = sign_in(client, "viewer", PASSWORD)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 3600
    assert client.session.get_expiry_age() == 8 * 3600


def test_a_user_changes_their_password_and_the_old_one_stops_working(client, users):
    client.force_login(users["viewer"])
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200 and "Change your password" in page.content.decode()
    mismatch = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "x-new-pass-1", "new_password2": "other"},
    )
    assert mismatch.status_code == 200  # refused, said at the field
    changed = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "sahel-new-passphrase-2026",
            "new_password2": "sahel-new-passphrase-2026",
        },
    )
    assert changed.status_code == 302 and changed["Location"].endswith("/password_change/done/")
    client.logout()
    assert sign_in(client, "viewer", PASSWORD, address="10.0.0.9").status_code == 200
    assert sign_in(client, "viewer", "sahel-new-passphrase-2026", "10.0.0.9").status_code == 302
