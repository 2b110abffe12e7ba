#!/usr/bin/env bash
# The figures of issue 19, measured side by side in one run on this
# machine, written into docs/figures.md between its figures markers (never
# typed by hand). Prints the core count and every raw figure it measured.
#
#   scripts/figures.sh                 # 10 s per wrk row, 1,000,000-subscriber start-up file
#   DURATION=5s BIG=100000 scripts/figures.sh
#   WRITE=0 scripts/figures.sh         # print only, leave docs/figures.md alone
#
# wrk must be on PATH (Debian package wrk). Ports: PORT (18111).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
READ_CONNS=${READ_CONNS:-32}
WRITE_CONNS=${WRITE_CONNS:-64}
BIG=${BIG:-1000000}
PORT=${PORT:-18111}
WRITE=${WRITE:-1}
secs=${DURATION%s}

if curl -s "http://127.0.0.1:$PORT/" >/dev/null 2>&1; then
  echo "figures: port $PORT is taken" >&2; exit 1
fi
command -v wrk >/dev/null || { echo "figures: wrk is not on PATH (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/prepay-figures.XXXXXX")
pid=
stop() { if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop; rm -rf "$work"' EXIT
go build -o "$work/prepay" .
go build -o "$work/figures" ./scripts/figures
base="http://127.0.0.1:$PORT"

# start DB: starts the server on DB and sets started to the milliseconds
# until its /healthz answers. (Not in a subshell: stop needs its pid.)
start() {
  local t0 t1
  t0=$(date +%s%N)
  "$work/prepay" -addr "127.0.0.1:$PORT" -db "$1" >>"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 2000); do
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    curl -sf "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.005
  done
  t1=$(date +%s%N)
  started=$(( (t1 - t0) / 1000000 ))
}
used() { "$work/figures" size "$1" | awk '{print $2}'; }

cat >"$work/topup.lua" <<'LUA'
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
request = function()
  counter = counter + 1
  return wrk.format("POST", "/bot-ux/v1/JM/topupBalance", {
    ["client_id"] = "sandbox-admin", ["client_secret"] = "sandbox-admin-secret",
    ["lob"] = "PREPAID", ["Content-Type"] = "application/json",
    ["X-Correlation-ID"] = string.format("fig-%s-%d-%d", os.getenv("RUN"), id, counter),
  }, '{"partyAccount":{"id":"' .. os.getenv("SERVICE") .. '"},"amount":{"amount":1.00,"units":"JMD"}}')
end
LUA
cat >"$work/get.lua" <<'LUA'
wrk.headers["client_id"] = "sandbox-admin"
wrk.headers["client_secret"] = "sandbox-admin-secret"
wrk.headers["lob"] = os.getenv("LOB") or "POSTPAID"
LUA

# measure NAME CONNS SCRIPT URL: one wrk run; prints
# name|conns|requests/s|p50|p99|non-2xx|requests.
measure() {
  local name=$1 conns=$2 script=$3 url=$4 out
  out=$(wrk -t "$(( conns < 2 ? conns : 2 ))" -c "$conns" -d "$DURATION" --latency ${script:+-s "$script"} "$url")
  local rps p50 p99 non2xx total
  rps=$(awk '/^Requests\/sec/ {print int($2)}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  echo "$name|$conns|$rps|$p50|$p99|${non2xx:-0}|$total"
}
field() { cut -d'|' -f"$2" <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# serially A B: the rate of doing one A and then one B, each at its own
# measured rate (per second), over and over.
serially() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 1 / (1 / a + 1 / b) }'; }

db=$work/prepay.db
start "$db"
# Warm up first: this machine's first seconds under load run faster than
# the rest (/healthz 54,880/s in its first 8 s, 48,471/s in its fourth),
# which would favour whichever row came first.
wrk -t 2 -c "$READ_CONNS" -d "$DURATION" "$base/healthz" >/dev/null
rh=$(measure /healthz "$READ_CONNS" "" "$base/healthz")
r0=$(LOB=POSTPAID measure "realTimeBalances, seed 000" "$READ_CONNS" "$work/get.lua" "$base/bot-ux/v1/KY/services/13459170552/realTimeBalances?accountNo=190071170000")
r31=$(LOB=PREPAID measure "realTimeBalances, 31 buckets" "$READ_CONNS" "$work/get.lua" "$base/bot-ux/v2/JM/services/18765544355/realTimeBalances")
# /healthz again after the reads: the reads are set against the mean of
# the runs before and after them, so that a neighbour's load that comes or
# goes during the reads weighs on both sides.
rh2=$(measure "/healthz, again after the reads" "$READ_CONNS" "" "$base/healthz")
rh1=$(measure /healthz 1 "" "$base/healthz")
t1=$(RUN=a SERVICE=18763187057 measure "top-up, seed 001" 1 "$work/topup.lua" "$base/bot-ux/v1/JM/topupBalance")
t64=$(RUN=b SERVICE=18763187057 measure "top-up, seed 001" "$WRITE_CONNS" "$work/topup.lua" "$base/bot-ux/v1/JM/topupBalance")
stop
size1=$(used "$db")
start "$db"
u1=$(RUN=c SERVICE=18765544355 measure "top-up, 31 buckets" 1 "$work/topup.lua" "$base/bot-ux/v1/JM/topupBalance")
u64=$(RUN=d SERVICE=18765544355 measure "top-up, 31 buckets" "$WRITE_CONNS" "$work/topup.lua" "$base/bot-ux/v1/JM/topupBalance")
stop
size2=$(used "$db")
read -r _ serial _ batch _ layout _ journal < <("$work/figures" raw -dir "$work" -d "${secs}s" -callers "$WRITE_CONNS")
n31=$(( $(field "$u1" 7) - $(field "$u1" 6) + $(field "$u64" 7) - $(field "$u64" 6) ))
growth=$(awk -v a="$size1" -v b="$size2" -v n="$n31" 'BEGIN { printf "%.0f", (b - a) / n * 100000 / 1e6 }')

"$work/figures" big -db "$work/big.db" -n "$BIG" >/dev/null
bigsize=$(stat -c %s "$work/big.db")
start "$work/big.db"; startup=$started
stop
start "$work/big.db"; startup2=$started
stop
checkms=$("$work/figures" check "$work/big.db" | awk '{print $2}')

hz=$(( ($(field "$rh" 3) + $(field "$rh2" 3)) / 2 ))
# The most one connection's requests can reach when each is a /healthz
# round trip and then a commit: of one raw put (any request that writes),
# of a journal layout's two kinds (the fewest a top-up could write).
ceiling=$(serially "$(field "$rh1" 3)" "$serial")
ceilingJournal=$(serially "$(field "$rh1" 3)" "$journal")
row() { echo "| $(field "$1" 1) | $(field "$1" 2) | $(field "$1" 3) | $2 | $(field "$1" 4) | $(field "$1" 5) | $(field "$1" 6) |"; }
table=$(cat <<MD
$(nproc) cores, $(go version | cut -d' ' -f3), wrk 2 threads, $DURATION a row; raw bbolt on the same disk in the same run.

| measurement | connections | requests/s | ratio | p50 | p99 | non-2xx |
|---|---|---|---|---|---|---|
$(row "$rh" "$(ratio "$(field "$rh" 3)" "$hz") × the two runs' mean")
$(row "$rh2" "$(ratio "$(field "$rh2" 3)" "$hz") × the two runs' mean")
$(row "$rh1" "")
$(row "$r0" "$(ratio "$(field "$r0" 3)" "$hz") × /healthz")
$(row "$r31" "$(ratio "$(field "$r31" 3)" "$hz") × /healthz")
$(row "$t1" "$(ratio "$(field "$t1" 3)" "$serial") × raw serial ($(ratio "$(field "$t1" 3)" "$layout") × layout)")
$(row "$u1" "$(ratio "$(field "$u1" 3)" "$serial") × raw serial ($(ratio "$(field "$u1" 3)" "$layout") × layout)")
$(row "$t64" "$(ratio "$(field "$t64" 3)" "$batch") × raw Batch")
$(row "$u64" "$(ratio "$(field "$u64" 3)" "$batch") × raw Batch")
| raw bbolt, serial \`db.Update\` | 1 | ${serial} | | | | |
| raw bbolt, \`db.Batch\` | $WRITE_CONNS | ${batch} | | | | |
| raw bbolt, serial, one put in each of a top-up's 8 kinds (layout) | 1 | ${layout} | $(ratio "$layout" "$serial") × raw serial | | | |
| raw bbolt, serial, one put in each of 2 kinds (a journal layout: the service and one record) | 1 | ${journal} | $(ratio "$journal" "$serial") × raw serial | | | |
| one connection's ceiling: a /healthz round trip, then a raw serial commit | 1 | ${ceiling} | $(ratio "$ceiling" "$serial") × raw serial | | | |
| one connection's ceiling with a journal layout: a /healthz round trip, then its commit | 1 | ${ceilingJournal} | $(ratio "$ceilingJournal" "$serial") × raw serial | | | |

| figure | value |
|---|---|
| file growth per 100,000 top-ups, 31 buckets ($n31 measured) | $growth MB |
| start-up on $BIG subscribers ($(( bigsize / 1000000 )) MB), whole-file check included | $startup ms (again: $startup2 ms) |
| of which the whole-file check alone (bbolt \`Tx.Check\`, read-only open) | $checkms ms |
MD
)
echo "$table"
if [[ $WRITE == 1 ]]; then
  TABLE="$table" awk '
    /<!-- figures:begin -->/ { print; print ""; print ENVIRON["TABLE"]; print ""; skip = 1; next }
    /<!-- figures:end -->/ { skip = 0 }
    !skip { print }
  ' docs/figures.md >"$work/figures.md"
  cp "$work/figures.md" docs/figures.md
fi
