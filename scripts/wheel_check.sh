#!/usr/bin/env bash
# The wheel works on its own (issue 15): build it, install it into a fresh venv, and in an empty folder run
# `relief db upgrade`, `relief demo`, `relief login` + `relief stock` and `relief app` (until the page answers).
# Usage: scripts/wheel_check.sh [PYTHON]   (.ci/run and `make wheel-check` call it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-python3}
tmp=$(mktemp -d)
app_pid=""
cleanup() { [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== build the wheel"
"$py" -m pip wheel -q --no-deps -w "$tmp/dist" "$root"
ls "$tmp"/dist/*.whl
echo "== install it into a fresh venv"
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q "$tmp"/dist/*.whl
relief="$tmp/venv/bin/relief"
mkdir "$tmp/work" && cd "$tmp/work"   # nothing of the repository here
# a fresh installation's defaults: no database or settings inherited from the caller (make exports DATABASE_URL)
unset DATABASE_URL RELIEF_DATABASE_URL RELIEF_SESSION_TOKEN
export RELIEF_SESSION_FILE="$tmp/session.json"

echo "== relief db upgrade (migrations shipped in the package)"
DATABASE_URL="sqlite:///$tmp/work/data/county.db" "$relief" db upgrade

echo "== relief demo (the demo county's workbook shipped in the package; the database under ./data)"
"$relief" demo
test -f "$tmp/work/data/demo.db"

echo "== relief login + relief stock"
RELIEF_PASSWORD=keeper-demo-2026 "$relief" login keeper_xz01
"$relief" stock --site XZ01 | tee "$tmp/stock.txt" | tail -3
grep -q "XZ01" "$tmp/stock.txt"

echo "== relief app (the pages shipped in the package)"
port=$(( 20000 + RANDOM % 20000 ))
"$relief" app --port "$port" >"$tmp/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 1 120); do
  if "$tmp/venv/bin/python" - "$port" <<'PY' 2>/dev/null; then break; fi
import sys, urllib.request
port = sys.argv[1]
assert urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok"
assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200
PY
  sleep 1
done
"$tmp/venv/bin/python" - "$port" <<'PY'
import sys, urllib.request
port = sys.argv[1]
assert urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).read() == b"ok"
print("app answers on port", port)
PY
if [ -x /usr/bin/chromium ] && "$root/.venv/bin/python" -c "import playwright" 2>/dev/null; then
  # the page itself, in a real browser: the packaged pages render the login (no exception box)
  "$root/.venv/bin/python" - "$port" <<'PY'
import sys
from playwright.sync_api import sync_playwright
args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
    page = b.new_page()
    page.goto(f"http://127.0.0.1:{sys.argv[1]}/")
    page.get_by_text("演示账号").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    print("the packaged login page renders in Chromium")
    b.close()
PY
fi
if grep -q "Traceback" "$tmp/app.log"; then cat "$tmp/app.log"; exit 1; fi
echo "wheel check: passed"
