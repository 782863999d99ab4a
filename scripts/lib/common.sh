# Shared by scripts/run and scripts/test: install what is missing, start PostgreSQL and Redis,
# prepare the database. Sourced, not executed. Every step is idempotent and cheap when done.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VAR="$ROOT/var"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
mkdir -p "$VAR"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "this step needs root (or sudo): $*"
  fi
}

# Debian/Ubuntu packages; installs only the missing ones (dpkg-query is fast, apt is not).
ensure_apt_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null 2>&1 || die "missing system packages (${missing[*]}) and no apt-get; install them by hand"
  log "installing system packages: ${missing[*]}"
  if [[ ! -f "$VAR/.apt-updated" ]] || [[ -n $(find "$VAR/.apt-updated" -mmin +1440 2>/dev/null) ]]; then
    as_root apt-get update -qq && touch "$VAR/.apt-updated"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# CI is set (CI=true, as in `CI=true bash .ci/run`; empty, 0 or false count as unset).
in_ci() {
  case ${CI:-} in "" | 0 | false | FALSE | False | no | off) return 1 ;; *) return 0 ;; esac
}

# Packages only some tests need, each named like the program it provides: installed when the
# program is missing and the distribution has them; otherwise those tests skip and say why
# (Ubuntu ships Chromium as a snap, for instance). Under CI a missing one stops the run here
# instead: CI must not pass by skipping tests (tests/conftest.py's require_tool fails them too).
try_apt_packages() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 && continue
    # A subshell, so that a failed install (die) stops only this attempt.
    ( ensure_apt_packages "$p" ) && command -v "$p" >/dev/null 2>&1 && continue
    if in_ci; then
      die "could not install $p, which the tests need; CI does not skip them: install Debian's $p package (apt-get install $p) on the CI machine"
    fi
    log "could not install $p; the tests that need it will skip"
  done
}

# Packages the product needs at run time. PostgreSQL and Redis only when we run them ourselves.
ensure_system() {
  local pkgs=(gdal-bin)
  [[ -z ${DATABASE_URL:-} ]] && pkgs+=(postgresql postgresql-contrib postgresql-postgis)
  [[ -z ${REDIS_URL:-} ]] && pkgs+=(redis-server)
  ensure_apt_packages "${pkgs[@]}"
}

ensure_python() {
  command -v python3 >/dev/null 2>&1 || die "python3 is not installed (Python 3.11 or newer is needed)"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is needed; python3 is $(python3 -V 2>&1)"
}

# The virtualenv with the locked dependencies; reinstalled only when the lock file changes.
ensure_venv() {
  local lock="$ROOT/requirements-dev.lock" stamp="$VENV/.lock.sha256" want
  if [[ ! -x $PY ]]; then
    log "creating virtualenv in .venv"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      local v; v=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
      ensure_apt_packages "python$v-venv"
      python3 -m venv "$VENV" || die "could not create a virtualenv with python3"
    fi
  fi
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    log "installing Python dependencies from requirements-dev.lock"
    # grep drops the noise some machines' pip configs print for absent local mirrors.
    "$PY" -m pip install -q -r "$lock" 2>&1 | { grep -v "^WARNING: Location 'file:" || true; } >&2
    [[ ${PIPESTATUS[0]} -eq 0 ]] || die "pip install -r requirements-dev.lock failed"
    echo "$want" >"$stamp"
  fi
}

# The compiled translations (locale/*/LC_MESSAGES/django.mo, not committed): compiled again only
# when a .po is newer than its .mo or the .mo is missing. GNU gettext provides msgfmt, and the
# xgettext that `manage.py makemessages` and the translation guard's tests run.
ensure_translations() {
  ensure_apt_packages gettext
  local po stale=0
  for po in "$ROOT"/locale/*/LC_MESSAGES/*.po; do
    [[ -f $po ]] || continue
    [[ -f ${po%.po}.mo && ! $po -nt ${po%.po}.mo ]] || stale=1
  done
  ((stale)) || return 0
  log "compiling translations"
  # Only the project's own catalogues: not those of the packages in .venv.
  (cd "$ROOT" && manage compilemessages --verbosity 0 --ignore '.*' --ignore var \
    --ignore staticfiles --ignore tests) || die "manage.py compilemessages failed"
}

# PostgreSQL: the one in DATABASE_URL, else the system cluster on 127.0.0.1:5432 (started if down).
ensure_postgres() {
  if [[ -n ${DATABASE_URL:-} ]]; then
    export DATABASE_URL
  else
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
      if [[ -z $(pg_lsclusters -h 2>/dev/null) ]]; then
        local ver; ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
        log "creating PostgreSQL $ver cluster"
        as_root pg_createcluster "$ver" main >/dev/null
      fi
      log "starting PostgreSQL"
      local ver name
      while read -r ver name _; do
        as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || true
      done < <(pg_lsclusters -h)
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
      pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not start on 127.0.0.1:5432"
    fi
    if [[ -f "$VAR/local.env" ]]; then
      # shellcheck disable=SC1091
      source "$VAR/local.env"
    elif psql -h 127.0.0.1 -U postgres -d postgres -w -tAc 'select 1' >/dev/null 2>&1; then
      DATABASE_URL="postgres://postgres@127.0.0.1:5432/sahel"
    else
      # A fresh Debian cluster trusts only the local postgres account: give the project a role.
      log "creating the PostgreSQL role 'sahel' for local use"
      as_root runuser -u postgres -- psql -q -c "DO \$\$BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sahel') THEN
          CREATE ROLE sahel LOGIN SUPERUSER PASSWORD 'sahel'; END IF; END\$\$;" \
        || die "could not create a PostgreSQL role; set DATABASE_URL"
      DATABASE_URL="postgres://sahel:sahel@127.0.0.1:5432/sahel"
      echo "DATABASE_URL=$DATABASE_URL" >"$VAR/local.env"
    fi
    export DATABASE_URL
  fi
  "$PY" "$ROOT/scripts/lib/ensure_database.py" || die "the database in DATABASE_URL is not usable"
}

# Redis: the one in REDIS_URL, else 127.0.0.1:6379 (started, with an append-only file, if down).
ensure_redis() {
  if [[ -n ${REDIS_URL:-} ]]; then
    export REDIS_URL
    "$PY" - <<'PY' || die "Redis at REDIS_URL does not answer"
import os, redis
redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
PY
    return
  fi
  export REDIS_URL="redis://127.0.0.1:6379/0"
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "starting Redis on 127.0.0.1:6379"
    mkdir -p "$VAR/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$VAR/redis" \
      --appendonly yes --save "" --logfile "$VAR/redis/redis.log" >/dev/null
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || die "Redis did not start on 127.0.0.1:6379"
  fi
}

manage() { "$PY" "$ROOT/manage.py" "$@"; }

# The HTTP status a local URL answers with (redirects not followed, no proxy), or nothing when
# nothing answers. Python rather than curl: a fresh Debian or Ubuntu does not always have curl.
http_status() {
  "$PY" - "$1" <<'PY' 2>/dev/null || true
import sys, urllib.error, urllib.request

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
try:
    print(opener.open(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as exc:
    print(exc.code)
PY
}

# Everything both commands need before they do their own thing.
prepare() {
  ensure_python
  ensure_system
  ensure_venv
  ensure_translations
  ensure_postgres
  ensure_redis
}
