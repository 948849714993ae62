#!/usr/bin/env bash
# --try-default-logins, client side, against scripted peers on 127.0.93.8
# (tests/peers/plainhttp/hostile_http.py scripted_grafana on 3000, scripted_emqx on 18083,
# which replay the products' documented responses and accept the factory logins):
#  - without the option: no Authorization header, no POST, no login API touched
#  - with it: exactly one attempt per identified product — HTTP basic auth GET for Grafana,
#    one JSON POST to EMQX's own login API — spaced at least ~1 s from the request before;
#    a critical default_login finding (CWE-1392) with a reproduce line; the attempt recorded
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
A=127.0.93.8
LOG="$T/requests.jsonl"

python3 "$MSW_SOURCE_DIR/tests/peers/plainhttp/hostile_http.py" $A "$LOG" \
	scripted_grafana=3000 scripted_emqx=18083 >"$T/peer.out" 2>&1 &
track_pid $!
wait_port $A 3000 10 && wait_port $A 18083 10 || { fail "scripted peers"; finish; }

"$MSW_BIN" audit $A --probe-all --format json --metadata-file "$T/plain.meta" >"$T/plain.json" 2>"$T/plain.err"
assert_eq 0 $? "exit code (no opt-in)"
no_asan_report "$T/plain.err"
assert_json "$T/plain.json" '.probe == "http" and .port == 3000 and .http.product == "Grafana" and .http.version == "10.2.3"' "Grafana identified with its version"
assert_json "$T/plain.json" '.probe == "http" and .port == 18083 and .http.product == "EMQX dashboard" and .http.auth == "login_required"' "EMQX dashboard identified, login required"
assert_json_all "$LOG" '(.method // "GET") == "GET" and ((.headers // {}) | has("authorization") | not)' "without the opt-in: no login attempt"
assert_json_all "$T/plain.json" '[.findings[]? | select(.cwe == 1392)] | length == 0' "without the opt-in: no default-login finding"

: >"$LOG"
"$MSW_BIN" audit $A --probe-all --try-default-logins --format json --metadata-file "$T/logins.meta" >"$T/logins.json" 2>"$T/logins.err"
assert_eq 0 $? "exit code (--try-default-logins)"
no_asan_report "$T/logins.err"
validate_schema "$T/logins.json"
assert_eq 1 "$(jq -s 'map(select(.path == "/api/user")) | length' "$LOG")" "Grafana: exactly one login attempt"
assert_json "$LOG" '.path == "/api/user" and .method == "GET" and .headers.authorization == "Basic YWRtaW46YWRtaW4="' "Grafana: basic-auth GET admin/admin"
assert_eq 1 "$(jq -s 'map(select(.path == "/api/v5/login")) | length' "$LOG")" "EMQX: exactly one login attempt"
assert_json "$LOG" '.path == "/api/v5/login" and .method == "POST"' "EMQX: POST to its own login API"
assert_json "$LOG" '.port == 18083 and (.body // "" | fromjson? | .username == "admin" and .password == "public") and (.content_type | startswith("application/json"))' "EMQX: JSON body admin/public"
assert_eq 0 "$(jq -s 'map(select(.method == "POST" and .path != "/api/v5/login")) | length' "$LOG")" "no other POST"
for p in 3000 18083; do
	gap=$(jq -s --argjson p $p 'map(select(.port == $p and .t != null)) | sort_by(.t) | . as $a |
		[range(1; length) | select($a[.].path == "/api/user" or $a[.].path == "/api/v5/login") | $a[.].t - $a[. - 1].t] | min // 0' "$LOG")
	awk -v g="$gap" 'BEGIN { exit !(g >= 0.9) }' && pass "port $p: login spaced ${gap}s after the previous request" ||
		fail "port $p: login only ${gap}s after the previous request"
done
assert_json "$T/logins.json" '.port == 3000 and ([.findings[] | select(.id == "default_login" and .severity == "critical" and .cwe == 1392 and (.title | contains("admin/admin")) and (.reproduce | contains("-u '"'"'admin:admin'"'"'")))] | length == 1)' "Grafana: critical default-login finding with a reproduce line"
assert_json "$T/logins.json" '.port == 18083 and ([.findings[] | select(.id == "default_login" and .cwe == 1392 and (.title | contains("admin/public")))] | length == 1)' "EMQX: critical default-login finding"
assert_json "$T/logins.json" '.port == 3000 and (.http.default_logins | length == 1 and .[0].accepted == true and .[0].username == "admin")' "the attempt is recorded"
# issue 5: the attempts are recorded in the scan metadata too (one per product, as sent)
n_rec=$(jq -s '[.[] | .http.default_logins[]?] | length' "$T/logins.json")
n_ok=$(jq -s '[.[] | .http.default_logins[]? | select(.accepted)] | length' "$T/logins.json")
n_log=$(jq -s 'map(select(.path == "/api/user" or .path == "/api/v5/login")) | length' "$LOG")
assert_eq "$n_log" "$n_rec" "every login the peers saw is in the records"
assert_json "$T/logins.meta" ".opt_in.try_default_logins == true and .opt_in_actions.default_login_attempts == $n_rec and .opt_in_actions.default_logins_accepted == $n_ok and $n_rec >= 2" \
	"metadata: $n_rec default-login attempts, $n_ok accepted"
assert_json "$T/plain.meta" '.opt_in.try_default_logins == false and .opt_in_actions.default_login_attempts == 0' "metadata without the opt-in: no attempt"
for m in plain.meta logins.meta; do
	if "$(msw_python)" "$MSW_SOURCE_DIR/tests/tools/validate_schema.py" "$MSW_SOURCE_DIR/docs/scan.schema.json" "$T/$m" >/dev/null; then
		pass "metadata schema-valid ($m)"
	else
		fail "metadata schema ($m)"
	fi
done
finish
