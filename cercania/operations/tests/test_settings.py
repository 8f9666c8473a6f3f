"""Settings read from the environment, checked in a fresh interpreter each time."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
STRONG_KEY = "k3Y-" + "x9Qz7Lm2" * 8
FIELD_KEYS = {
    "CERCANIA_FIELD_KEYS": "k1:" + "A" * 43,
    "CERCANIA_FIELD_HASH_KEY": "B" * 43,
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("CERCANIA_") and k != "DATABASE_URL"
    }
    clean |= {"DJANGO_SETTINGS_MODULE": "cercania.settings", **env}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_debug_off_without_a_secret_refuses_to_start_with_a_clear_message(tmp_path):
    result = run(
        ["-c", "import django; django.setup()"],
        CERCANIA_DEBUG="false",
        CERCANIA_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "CERCANIA_SECRET_KEY is not set" in result.stderr


def test_debug_off_without_field_keys_refuses_to_start(tmp_path):
    result = run(
        ["-c", "import django; django.setup()"],
        CERCANIA_DEBUG="false",
        CERCANIA_SECRET_KEY=STRONG_KEY,
        CERCANIA_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "CERCANIA_FIELD_KEYS and CERCANIA_FIELD_HASH_KEY are required" in result.stderr


def test_generate_keys_prints_a_usable_environment(tmp_path):
    printed = run(["-m", "cercania.cli", "generate_keys"], CERCANIA_VAR_DIR=str(tmp_path))
    env = dict(line.split("=", 1) for line in printed.stdout.splitlines())
    assert set(env) == {
        "CERCANIA_SECRET_KEY",
        "CERCANIA_FIELD_KEYS",
        "CERCANIA_FIELD_HASH_KEY",
        "CERCANIA_BACKUP_KEY",
    }
    # The backup key is its own: sharing a value with the field ring would defeat it.
    assert env["CERCANIA_BACKUP_KEY"].split(":")[1] != env["CERCANIA_FIELD_KEYS"].split(":")[1]
    started = run(
        ["-c", "import django; django.setup()"],
        CERCANIA_DEBUG="false",
        CERCANIA_VAR_DIR=str(tmp_path),
        **env,
    )
    assert started.returncode == 0, started.stderr


def test_debug_off_with_a_weak_secret_refuses_to_start(tmp_path):
    result = run(
        ["-c", "import django; django.setup()"],
        CERCANIA_DEBUG="false",
        CERCANIA_SECRET_KEY="django-insecure-short",
        CERCANIA_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "CERCANIA_SECRET_KEY is too weak" in result.stderr


def test_debug_on_generates_a_local_secret_once(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run(["-c", code], CERCANIA_VAR_DIR=str(tmp_path))
    second = run(["-c", code], CERCANIA_VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_malformed_boolean_is_an_error_not_a_guess(tmp_path):
    result = run(
        ["-c", "import django; django.setup()"],
        CERCANIA_DEBUG="maybe",
        CERCANIA_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "CERCANIA_DEBUG must be true or false" in result.stderr


def test_the_deploy_check_only_warns_about_hsts_preload(tmp_path):
    result = run(
        ["-m", "cercania.cli", "check", "--deploy"],
        CERCANIA_DEBUG="false",
        CERCANIA_SECRET_KEY=STRONG_KEY,
        CERCANIA_ALLOWED_HOSTS="citas.example.org",
        CERCANIA_VAR_DIR=str(tmp_path),
        **FIELD_KEYS,
    )
    output = result.stdout + result.stderr
    warnings = [line for line in output.splitlines() if line.startswith("?: (")]
    assert result.returncode == 0, output
    assert [w.split(")")[0] for w in warnings] == ["?: (security.W021"], output


def test_passwords_are_hashed_with_argon2(tmp_path):
    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    result = run(["-c", code], CERCANIA_VAR_DIR=str(tmp_path))
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


# The settings that decide HSTS and the cookies, as a production start-up computes them.
COOKIE_AND_HSTS_SETTINGS = (
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_NAME",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_SAMESITE",
)


def production_settings(tmp_path) -> dict:  # type: ignore[no-untyped-def]
    import json

    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {COOKIE_AND_HSTS_SETTINGS!r}}}))"
    )
    result = run(
        ["-c", code],
        CERCANIA_DEBUG="false",
        CERCANIA_SECRET_KEY=STRONG_KEY,
        CERCANIA_ALLOWED_HOSTS="citas.example.org",
        CERCANIA_VAR_DIR=str(tmp_path),
        **FIELD_KEYS,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_production_sends_hsts_and_only_host_bound_secure_cookies(tmp_path, db, settings):
    from cercania.accounts.roles import Role
    from cercania.accounts.services import staff_user_create

    for name, value in production_settings(tmp_path).items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["citas.example.org"]
    password = "una contraseña larga de prueba"
    staff_user_create(
        email="ana@example.org", display_name="Ana", roles=[Role.JURIDICO], password=password
    )
    from django.test import Client

    client = Client(HTTP_HOST="citas.example.org", HTTP_X_FORWARDED_PROTO="https")
    page = client.get("/personal/entrar/")
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    signed = client.post("/personal/entrar/", {"username": "ana@example.org", "password": password})
    assert signed.status_code == 302  # the password step: a session now exists
    # Plain HTTP is sent to HTTPS before anything else happens.
    plain = Client(HTTP_HOST="citas.example.org").get("/personal/entrar/")
    assert (plain.status_code, plain["Location"]) == (
        301,
        "https://citas.example.org/personal/entrar/",
    )
    assert {"__Host-csrftoken", "__Host-sessionid"} <= set(client.cookies)
    assert all(name.startswith("__Host-") for name in client.cookies)
    for name, morsel in client.cookies.items():
        # __Host-: Secure, path /, no Domain (bound to this exact host); never readable
        # by script; not sent on cross-site posts.
        assert morsel["secure"] and morsel["httponly"], name
        assert morsel["samesite"] == "Lax", name
        assert morsel["path"] == "/" and not morsel["domain"], name
