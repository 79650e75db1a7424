#!/usr/bin/env bash
# End-to-end smoke test of the README's run command
# (`java -XX:SharedArchiveFile=target/windowgate.jsa -jar target/windowgate.jar`) in SANDBOX mode.
#
# Run from anywhere after `mvn package` (it finds the project root from its own location):
#   bash .ci/smoke-sandbox.sh
#
# It starts the jar in a fresh temporary working directory (so data/ never lands in the repository), on free ports,
# then drives it only through its outside contract: the sandbox provider, the CSV drop folder, the status API and
# the webhook. One PASS/FAIL line per check; exit status 0 only when every check passed. On failure the tail of
# the app's log is printed and the temporary directory is kept for inspection.
#
# Needs: java 17, curl, grep, sed. Optional environment:
#   WINDOWGATE_JAR       jar to run (default <root>/target/windowgate.jar)
#   SMOKE_HTTP_PORT      business HTTP port (default: a free one)
#   SMOKE_MGMT_PORT      management port (default: a free one)
#   SMOKE_STARTUP_TIMEOUT  seconds until /observe/health must answer UP (default 60)
#   SMOKE_KEEP_TMP=1     keep the temporary directory even when everything passed
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=${WINDOWGATE_JAR:-$ROOT/target/windowgate.jar}
# the class data sharing archive mvn package makes beside the jar (the JVM ignores one that does not match)
CDS_ARCHIVE=$(dirname "$JAR")/windowgate.jsa
SAMPLE=$ROOT/src/test/resources/samples/orders.csv

STARTUP_TIMEOUT=${SMOKE_STARTUP_TIMEOUT:-60}   # seconds until /observe/health must answer UP
STEP_TIMEOUT=30      # seconds for each asynchronous outcome
POLL=0.25            # seconds between two polls

# ------------------------------------------------------------------------------------------------- helpers
FAILURES=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
die()  { echo "FAIL: $*"; FAILURES=$((FAILURES + 1)); exit 1; }

for tool in java curl grep sed; do
    command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: '$tool' is not installed"; exit 1; }
done
[[ -f $JAR ]] || { echo "FAIL: $JAR not found: run 'mvn -B package' first"; exit 1; }
[[ -f $SAMPLE ]] || { echo "FAIL: sample CSV $SAMPLE not found"; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # free_port [EXCLUDED]: a port nothing listens on, from a random start so parallel runs differ
    local p=$((20000 + RANDOM % 20000)) i
    for ((i = 0; i < 200; i++, p++)); do
        [[ $p == "${1:-}" ]] && continue
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    echo "no free TCP port found" >&2; return 1
}
HTTP_PORT=${SMOKE_HTTP_PORT:-$(free_port)}
MGMT_PORT=${SMOKE_MGMT_PORT:-$(free_port "$HTTP_PORT")}
BASE=http://127.0.0.1:$HTTP_PORT
MGMT=http://127.0.0.1:$MGMT_PORT

TMP=$(mktemp -d "${TMPDIR:-/tmp}/windowgate-smoke.XXXXXX")
LOG=$TMP/app.log
INBOX=$TMP/data/inbox
DONE=$INBOX/.done
APP_PID=""

cleanup() {
    local rc=$?
    if [[ -n $APP_PID ]] && kill -0 "$APP_PID" 2>/dev/null; then
        kill -TERM "$APP_PID" 2>/dev/null || true
        # camel.main.shutdown-timeout is 15 s; give it a little more, then force
        for ((i = 0; i < 40; i++)); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$APP_PID" 2>/dev/null || true
        wait "$APP_PID" 2>/dev/null || true
    fi
    if ((rc != 0 || FAILURES > 0)); then
        echo "---------------------------------------------------------------- app log (last 80 lines): $LOG"
        tail -n 80 "$LOG" 2>/dev/null || true
        echo "----------------------------------------------------------------"
        echo "temporary directory kept: $TMP"
    elif [[ ${SMOKE_KEEP_TMP:-0} == 1 ]]; then
        echo "temporary directory kept: $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# http METHOD URL [curl args...]: sets CODE and BODY (CODE=000 when nothing answered); never fails
http() {
    local method=$1 url=$2 out
    shift 2
    out=$(curl -s --noproxy '*' -m 5 -X "$method" -w '\n%{http_code}' "$@" "$url" 2>/dev/null) || true
    CODE=${out##*$'\n'}
    BODY=${out%$'\n'*}
    [[ $out == *$'\n'* ]] || BODY=""
    [[ $CODE =~ ^[0-9]{3}$ ]] || CODE=000
}

# eventually SECONDS PREDICATE [ARGS...]: polls PREDICATE until it succeeds or SECONDS pass
eventually() {
    local timeout=$1 deadline
    shift
    deadline=$((SECONDS + timeout))
    while :; do
        "$@" && return 0
        ((SECONDS < deadline)) || return 1
        kill -0 "$APP_PID" 2>/dev/null || { echo "       (the app has exited)"; return 1; }
        sleep "$POLL"
    done
}

json_field() { # json_field NAME: the string value of "NAME" in BODY (first occurrence), "null" for null
    local v
    v=$(printf '%s' "$BODY" | grep -o "\"$1\" *: *\(\"[^\"]*\"\|null\)" | head -n 1 | sed 's/^[^:]*: *//; s/^"//; s/"$//') || true
    printf '%s' "$v"
}

# every /api/* call needs a token; sandbox mode accepts the demo token "sandbox" for every scope
AUTH=(-H 'Authorization: Bearer sandbox')

# notification_is ID STATUS_REGEX [ROUTE]: the status API shows ID with a matching status (and route)
notification_is() {
    http GET "$BASE/api/notifications/$1" "${AUTH[@]}"
    STATUS=""; ROUTE=""
    [[ $CODE == 200 ]] || return 1
    STATUS=$(json_field status); ROUTE=$(json_field route)
    [[ $STATUS =~ ^($2)$ ]] || return 1
    [[ -z ${3:-} || $ROUTE == "$3" ]]
}
describe() { # what the status API said last time
    if [[ $CODE == 200 ]]; then echo "status=$STATUS route=$ROUTE"; else echo "HTTP $CODE"; fi
}

health_up() {
    http GET "$MGMT/observe/health"
    [[ $CODE == 200 ]] && printf '%s' "$BODY" | grep -q '^{ *"status" *: *"UP"'
}

sandbox_send_count() { # number of sends the sandbox provider accepted (GET /sandbox/messages is a JSON array)
    http GET "$BASE/sandbox/messages"
    [[ $CODE == 200 ]] || { echo "?"; return 0; }
    { printf '%s' "$BODY" | grep -o '"acceptedAt"' || true; } | wc -l | tr -d ' '
}

file_has() { [[ -f $1 ]] && grep -q -- "$2" "$1"; }

drop_csv() { # drop_csv SOURCE NAME: written under a .tmp name, then renamed, as a complete file
    mkdir -p "$INBOX"
    cp "$1" "$INBOX/$2.tmp"
    mv "$INBOX/$2.tmp" "$INBOX/$2"
}

SENT_RE='SENT|DELIVERED|READ'

# ------------------------------------------------------------------------------------------------- start
echo "== Windowgate sandbox smoke test"
echo "   jar:      $JAR"
echo "   work dir: $TMP"
echo "   ports:    http $HTTP_PORT, management $MGMT_PORT"
echo "   command:  cd $TMP && java -XX:SharedArchiveFile=$CDS_ARCHIVE -Dcamel.server.port=$HTTP_PORT -Dcamel.management.port=$MGMT_PORT -jar $JAR"
# sandbox mode: make sure no provider credentials leak in from the environment
(cd "$TMP" && exec env -u WHATSAPP_ACCESS_TOKEN -u WHATSAPP_APP_SECRET -u WHATSAPP_PHONE_NUMBER_ID \
    java -XX:SharedArchiveFile="$CDS_ARCHIVE" -Dcamel.server.port="$HTTP_PORT" -Dcamel.management.port="$MGMT_PORT" \
    -Dwhatsapp.access-token= -jar "$JAR") >"$LOG" 2>&1 </dev/null &
APP_PID=$!

t0=$SECONDS
if eventually "$STARTUP_TIMEOUT" health_up; then
    pass "started: $MGMT/observe/health answers UP after ~$((SECONDS - t0)) s"
else
    die "startup: $MGMT/observe/health did not answer UP within ${STARTUP_TIMEOUT} s (last: HTTP $CODE)"
fi
# the management port can be UP while the business port failed to bind (Camel only logs that): probe it
if grep -q 'Failed to start Vert.x HttpServer' "$LOG"; then
    die "startup: an HTTP server did not start: $(grep -m 1 'Failed to start Vert.x HttpServer' "$LOG" | sed 's/.* - //')"
fi
http GET "$BASE/api/notifications/smoke-probe-unknown-id" "${AUTH[@]}"
if [[ $CODE == 404 ]]; then
    pass "started: the business port $HTTP_PORT answers (status API: HTTP 404 for an unknown id)"
else
    die "startup: $BASE/api/notifications/<unknown id> answered HTTP $CODE, expected 404"
fi
grep -q 'SANDBOX MODE' "$LOG" && pass "sandbox mode announced in the log" || fail "the log does not announce SANDBOX MODE"

# ------------------------------------------------------------------------------------------------- (a) window
http POST "$BASE/sandbox/customers/+14155550100/messages" -H 'Content-Type: text/plain' --data-binary 'Hi, any news on my order?'
if [[ $CODE == 202 ]]; then
    pass "(a) customer +14155550100 writes in (sandbox answered 202): window open"
else
    fail "(a) POST /sandbox/customers/+14155550100/messages answered HTTP $CODE, expected 202: $BODY"
fi

# ------------------------------------------------------------------------------------------------- (b)+(c) CSV
drop_csv "$SAMPLE" orders.csv
pass "(b) dropped the sample CSV as data/inbox/orders.csv (written as orders.csv.tmp, then renamed)"

if eventually "$STEP_TIMEOUT" notification_is demo-001 "$SENT_RE" session; then
    pass "(c) demo-001 (window open, text) -> $(describe)"
else fail "(c) demo-001 expected SENT/DELIVERED route=session, got $(describe)"; fi

if eventually "$STEP_TIMEOUT" notification_is demo-002 "$SENT_RE" template; then
    pass "(c) demo-002 (window closed, template) -> $(describe)"
else fail "(c) demo-002 expected SENT/DELIVERED route=template, got $(describe)"; fi

if eventually "$STEP_TIMEOUT" notification_is demo-003 HELD; then
    pass "(c) demo-003 (window closed, text only) -> $(describe)"
else fail "(c) demo-003 expected HELD, got $(describe)"; fi

if eventually "$STEP_TIMEOUT" notification_is demo-004 HELD; then
    pass "(c) demo-004 (national number, window closed, text only) -> $(describe)"
else fail "(c) demo-004 expected HELD, got $(describe)"; fi

REJECTED=$DONE/orders.csv.rejected.csv
if eventually "$STEP_TIMEOUT" file_has "$REJECTED" demo-005; then
    pass "(c) demo-005 (invalid phone) is listed in data/inbox/.done/orders.csv.rejected.csv"
else fail "(c) data/inbox/.done/orders.csv.rejected.csv does not exist or does not mention demo-005"; fi

if eventually "$STEP_TIMEOUT" test -f "$DONE/orders.csv"; then
    pass "(c) orders.csv moved to data/inbox/.done/"
else fail "(c) orders.csv was not moved to data/inbox/.done/"; fi

http GET "$BASE/api/notifications/demo-005" "${AUTH[@]}"
if [[ $CODE == 404 ]]; then
    pass "(c) demo-005 is unknown to the status API (HTTP 404)"
else fail "(c) GET /api/notifications/demo-005 answered HTTP $CODE, expected 404: $BODY"; fi

# ------------------------------------------------------------------------------------------------- (d) release
http POST "$BASE/sandbox/customers/+14155550102/messages" -H 'Content-Type: text/plain' --data-binary 'Is my table ready?'
if [[ $CODE == 202 ]]; then
    pass "(d) customer +14155550102 writes in (sandbox answered 202)"
else fail "(d) POST /sandbox/customers/+14155550102/messages answered HTTP $CODE, expected 202: $BODY"; fi

if eventually "$STEP_TIMEOUT" notification_is demo-003 "$SENT_RE" session; then
    pass "(d) held demo-003 released as a session message -> $(describe)"
else fail "(d) demo-003 expected SENT/DELIVERED route=session after the customer wrote in, got $(describe)"; fi

if notification_is demo-004 HELD; then
    pass "(d) demo-004 (another customer) is still HELD"
else fail "(d) demo-004 expected to stay HELD, got $(describe)"; fi

# ------------------------------------------------------------------------------------------------- (e) webhook
http GET "$BASE/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=x"
if [[ $CODE == 403 ]]; then
    pass "(e) webhook handshake with a wrong hub.verify_token -> HTTP 403"
else fail "(e) webhook handshake with a wrong hub.verify_token answered HTTP $CODE, expected 403"; fi

FORGED='{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","contacts":[{"wa_id":"14155550103"}],"messages":[{"from":"14155550103","id":"wamid.forged","timestamp":"1700000000","type":"text","text":{"body":"forged"}}]}}]}]}'
http POST "$BASE/webhooks/whatsapp" -H 'Content-Type: application/json' \
    -H 'X-Hub-Signature-256: sha256=0000000000000000000000000000000000000000000000000000000000000000' \
    --data-binary "$FORGED"
if [[ $CODE == 401 ]]; then
    pass "(e) webhook POST with a wrong X-Hub-Signature-256 -> HTTP 401"
else fail "(e) webhook POST with a wrong X-Hub-Signature-256 answered HTTP $CODE, expected 401"; fi

# ------------------------------------------------------------------------------------------------- (f) re-drop
BEFORE=$(sandbox_send_count)
if [[ $BEFORE == 3 ]]; then
    pass "(f) the sandbox accepted exactly 3 sends so far (demo-001, demo-002, demo-003)"
else fail "(f) the sandbox accepted $BEFORE sends so far, expected 3 (demo-001, demo-002, demo-003)"; fi

drop_csv "$SAMPLE" orders-again.csv
if eventually "$STEP_TIMEOUT" test -f "$DONE/orders-again.csv"; then
    AFTER=$(sandbox_send_count)
    if [[ $AFTER == "$BEFORE" ]]; then
        pass "(f) the same rows dropped again as orders-again.csv were not sent again ($BEFORE sends before, $AFTER after)"
    else fail "(f) re-dropping the same rows grew the sandbox's sends from $BEFORE to $AFTER"; fi
else
    fail "(f) orders-again.csv was not moved to data/inbox/.done/ within ${STEP_TIMEOUT} s"
fi
# the forged webhook must not have opened +14155550103's window: demo-004 is still held
if notification_is demo-004 HELD; then
    pass "(f) demo-004 still HELD (the forged webhook opened no window)"
else fail "(f) demo-004 expected to stay HELD, got $(describe)"; fi

# ------------------------------------------------------------------------------------------------- (g) CRM push
http POST "$BASE/api/notifications" -H 'Authorization: Bearer sandbox' -H 'Content-Type: application/json' \
    --data-binary '[{"id":"crm-smoke-1","to":"+14155550100","text":"Your order shipped"},{"id":"crm-smoke-2","to":"12","text":"x"}]'
if [[ $CODE == 202 ]] && printf '%s' "$BODY" | grep -q '"accepted":\["crm-smoke-1"\]' \
        && printf '%s' "$BODY" | grep -q '"id":"crm-smoke-2"'; then
    pass "(g) CRM push with the sandbox token -> HTTP 202, crm-smoke-1 accepted, crm-smoke-2 rejected"
else fail "(g) CRM push answered HTTP $CODE: $BODY"; fi
if eventually "$STEP_TIMEOUT" notification_is crm-smoke-1 "$SENT_RE" session; then
    pass "(g) crm-smoke-1 (window open) -> $(describe)"
else fail "(g) crm-smoke-1 expected SENT/DELIVERED route=session, got $(describe)"; fi
http POST "$BASE/api/notifications" -H 'Authorization: Bearer wrong' -H 'Content-Type: application/json' \
    --data-binary '{"id":"crm-smoke-3","to":"+14155550100","text":"x"}'
if [[ $CODE == 401 ]]; then
    pass "(g) CRM push with a wrong token -> HTTP 401"
else fail "(g) CRM push with a wrong token answered HTTP $CODE, expected 401"; fi

# ------------------------------------------------------------------------------------------------- (h) files
http GET "$BASE/api/files/orders.csv" "${AUTH[@]}"
if [[ $CODE == 200 && $(json_field status) == DONE ]] && printf '%s' "$BODY" | grep -q '"rejected" *: *1'; then
    pass "(h) GET /api/files/orders.csv -> DONE with 1 rejected row"
else fail "(h) GET /api/files/orders.csv answered HTTP $CODE: $BODY"; fi
http GET "$BASE/api/files/orders.csv"
if [[ $CODE == 401 ]]; then
    pass "(h) the files API without a token -> HTTP 401"
else fail "(h) GET /api/files/orders.csv without a token answered HTTP $CODE, expected 401"; fi

# ------------------------------------------------------------------------------------------ (i) operations API
http GET "$BASE/api/sending" -H 'Authorization: Bearer sandbox'
if [[ $CODE == 200 && $(json_field state) == SENDING ]]; then
    pass "(i) GET /api/sending with the sandbox admin token -> SENDING"
else fail "(i) GET /api/sending answered HTTP $CODE: $BODY"; fi
http GET "$BASE/api/notifications?status=HELD" -H 'Authorization: Bearer sandbox'
if [[ $CODE == 200 ]] && printf '%s' "$BODY" | grep -q '"id" *: *"demo-004"'; then
    pass "(i) GET /api/notifications?status=HELD lists demo-004"
else fail "(i) GET /api/notifications?status=HELD answered HTTP $CODE: $BODY"; fi
http GET "$BASE/api/notifications?status=FAILED"
if [[ $CODE == 401 ]]; then
    pass "(i) the operations API without a token -> HTTP 401"
else fail "(i) the operations API without a token answered HTTP $CODE, expected 401"; fi

# ------------------------------------------------------------------------------------- (j) template registry
http POST "$BASE/api/templates" -H 'Authorization: Bearer sandbox' -H 'Content-Type: application/json' \
    --data-binary '[{"name": "smoke_offer", "language": "en_US", "status": "PAUSED", "category": "MARKETING",
                     "components": [{"type": "BODY", "text": "Hi {{1}}"}]}]'
if [[ $CODE == 200 ]] && printf '%s' "$BODY" | grep -q '"loaded" *: *1'; then
    pass "(j) POST /api/templates loaded a template"
else fail "(j) POST /api/templates answered HTTP $CODE: $BODY"; fi
http POST "$BASE/api/notifications" -H 'Authorization: Bearer sandbox' -H 'Content-Type: application/json' \
    --data-binary '{"id": "smoke-paused", "to": "+442079460123", "template": {"name": "smoke_offer", "language": "en_US", "params": ["Ana"]}}'
if eventually 15 notification_is smoke-paused HELD; then
    pass "(j) a notification for the paused template -> HELD"
else fail "(j) smoke-paused: $(describe)"; fi

# ------------------------------------------------------------------------------------- (k) customer identity
# the README's step 8: WhatsApp knows +5511987654321 as wa_id 551187654321; the window opened under the wa_id
http POST "$BASE/sandbox/customers/+5511987654321/messages?waId=551187654321" -H 'Content-Type: text/plain' --data-binary 'Oi'
if [[ $CODE == 202 ]]; then pass "(k) a customer with another wa_id writes in -> HTTP 202"
else fail "(k) POST /sandbox/customers/+5511987654321/messages?waId=551187654321 answered HTTP $CODE: $BODY"; fi
http POST "$BASE/api/notifications" -H 'Authorization: Bearer sandbox' -H 'Content-Type: application/json' \
    --data-binary '[{"id":"br-1","to":"+5511987654321","template":{"name":"order_shipped","language":"en_US","params":["1003","Friday"]}},{"id":"br-2","to":"+5511987654321","text":"Your order shipped"}]'
if eventually "$STEP_TIMEOUT" notification_is br-1 "$SENT_RE" template; then
    pass "(k) br-1 (no window under the number yet) -> $(describe)"
else fail "(k) br-1 expected SENT/DELIVERED route=template, got $(describe)"; fi
if eventually "$STEP_TIMEOUT" notification_is br-2 "$SENT_RE" session; then
    pass "(k) br-2 -> $(describe): the send answer linked the number to its wa_id and its window"
else fail "(k) br-2 expected SENT/DELIVERED route=session, got $(describe)"; fi
# the README's step 9: a business-scoped user id, then a message with the number withheld
http POST "$BASE/sandbox/customers/+14155550104/messages?userId=US.13491208655302741918" -H 'Content-Type: text/plain' --data-binary 'Hi'
http POST "$BASE/sandbox/customers/+14155550104/messages?withholdPhone=true" -H 'Content-Type: text/plain' --data-binary 'Hi again'
if [[ $CODE == 202 ]]; then pass "(k) a message with the number withheld -> HTTP 202"
else fail "(k) POST ...?withholdPhone=true answered HTTP $CODE: $BODY"; fi
http GET "$BASE/api/windows/+14155550104" -H 'Authorization: Bearer sandbox'
if [[ $CODE == 200 ]] && printf '%s' "$BODY" | grep -q '"state" *: *"OPEN"' \
        && printf '%s' "$BODY" | grep -q 'US.13491208655302741918'; then
    pass "(k) GET /api/windows/+14155550104 -> OPEN, with the customer's user id"
else fail "(k) GET /api/windows/+14155550104 answered HTTP $CODE: $BODY"; fi

# the README's step 10: the signed events the sandbox's own receiver got
if eventually "$STEP_TIMEOUT" sh -c "curl -s '$BASE/sandbox/callbacks' | grep -q '\"notificationId\" *: *\"br-2\"'"; then
    http GET "$BASE/sandbox/callbacks"
    if printf '%s' "$BODY" | grep -q '"signatureValid" *: *true' && ! printf '%s' "$BODY" | grep -q '"signatureValid" *: *false'; then
        pass "(l) GET /sandbox/callbacks lists the status events, every signature valid"
    else fail "(l) GET /sandbox/callbacks: a signature did not check out: $(printf '%s' "$BODY" | head -c 400)"; fi
else fail "(l) GET /sandbox/callbacks never listed an event of br-2"; fi

# ------------------------------------------------------------------------------------------------- result
echo
if ((FAILURES == 0)); then
    echo "SMOKE RESULT: PASS (all checks passed)"
else
    echo "SMOKE RESULT: FAIL ($FAILURES check(s) failed)"
    exit 1
fi
