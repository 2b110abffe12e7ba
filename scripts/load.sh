#!/usr/bin/env bash
# Load figures for prepay: builds the binary, starts it on a temp database
# on loopback, and measures with wrk each endpoint beside /healthz, the
# floor of the HTTP stack, in the same run. Prints a markdown table of
# requests/s, latency percentiles and the ratio to /healthz.
#
#   scripts/load.sh            # 10 s per measurement
#   DURATION=30s scripts/load.sh
#
# Installs wrk (Debian package) if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
PORT=${PORT:-18080}

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >/dev/null
fi

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/prepay" .
"$work/prepay" -addr "127.0.0.1:$PORT" -db "$work/prepay.db" >"$work/server.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# Each wrk thread numbers its requests, so every top-up carries its own
# X-Correlation-ID (the idempotency key) and credits once.
cat >"$work/topup.lua" <<'LUA'
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  thread_id = id
end
request = function()
  counter = counter + 1
  return wrk.format("POST", "/bot-ux/v1/JM/topupBalance", {
    ["client_id"] = "sandbox-admin", ["client_secret"] = "sandbox-admin-secret",
    ["lob"] = "PREPAID", ["Content-Type"] = "application/json",
    ["X-Correlation-ID"] = string.format("load-%d-%d-%d", os.time(), thread_id, counter),
  }, '{"partyAccount":{"id":"18763187057"},"amount":{"amount":1.00,"units":"JMD"}}')
end
LUA
cat >"$work/get.lua" <<'LUA'
wrk.headers["client_id"] = "sandbox-admin"
wrk.headers["client_secret"] = "sandbox-admin-secret"
wrk.headers["lob"] = os.getenv("LOB") or "POSTPAID"
LUA

# measure NAME CONNS SCRIPT URL: one wrk run, one table row.
measure() {
  local name=$1 conns=$2 script=$3 url=$4 out
  out=$(wrk -t "$(( conns < THREADS ? conns : THREADS ))" -c "$conns" -d "$DURATION" --latency ${script:+-s "$script"} "$url")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print int($2)}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "$name|$conns|$rps|$p50|$p99|${non2xx:-0}"
}

rows=()
rows+=("$(measure /healthz "$CONNS" "" "$base/healthz")")
rows+=("$(measure realTimeBalances "$CONNS" "$work/get.lua" "$base/bot-ux/v1/KY/services/13459170552/realTimeBalances?accountNo=190071170000")")
rows+=("$(measure balanceActionHistory "$CONNS" "$work/get.lua" "$base/tmf-api/prepayBalanceManagement/v4/JM/balanceActionHistory?product.id=32970253&dateTime.gte=2022-11-01&dateTime.lte=2022-11-30&@type=TopupBalance")")
rows+=("$(measure "topupBalance (durable)" 1 "$work/topup.lua" "$base/bot-ux/v1/JM/topupBalance")")
rows+=("$(measure "topupBalance (durable)" "$CONNS" "$work/topup.lua" "$base/bot-ux/v1/JM/topupBalance")")

floor=$(cut -d'|' -f3 <<<"${rows[0]}")
echo "cores: $(nproc); wrk $THREADS threads, $DURATION per row; $(go version | cut -d' ' -f3)"
echo
echo "| endpoint | connections | requests/s | × /healthz | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|---|"
for r in "${rows[@]}"; do
  IFS='|' read -r name conns rps p50 p99 bad <<<"$r"
  ratio=$(awk -v a="$rps" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
  echo "| $name | $conns | $rps | $ratio | $p50 | $p99 | $bad |"
done
t1=$(cut -d'|' -f3 <<<"${rows[3]}"); t64=$(cut -d'|' -f3 <<<"${rows[4]}")
echo
echo "top-ups, $CONNS connections ÷ 1 connection: $(awk -v a="$t64" -v b="$t1" 'BEGIN { printf "%.1f", a / b }')×"
