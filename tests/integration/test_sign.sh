#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Signed statements: carbon-report keygen, statement --sign and verify. The
# harness's PostgreSQL holds a tag's records (written as the plugin writes
# them) only while the statements are made; then the harness stops and every
# check runs on the files, as an organiser's would: an untouched statement
# passes, one changed by one byte fails, one signed by another key fails,
# an unsigned or reformatted one fails, each with its reason. The key id,
# digest and signature are checked with sha256sum and the openssl command
# too, from what carbon-report(1) says is signed. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

if ! command -v openssl > /dev/null; then
	echo "1..0 # SKIP openssl not installed (tests/install-deps.sh installs it)"
	exit 0
fi

. "$top/tests/harness/harness.sh"

make_confdir sign
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT
write_carbon_conf 1
d=$confdir
printf '[site]\ncluster = signtest\npue = 1.25\nintensity = 300\n[report]\nconninfo = %s\n' \
	"$admin_db" > "$d/report.conf"
stmt() { "$report" --config "$d/report.conf" statement "$@"; }
verify() { "$report" verify "$@"; }

echo "1..29"
check_db_init "$admin_db"
psql -X -q -v ON_ERROR_STOP=1 "$admin_db" -c "DELETE FROM carbon.intensity_annual" > /dev/null
put_record signtest 301 batch n1 alice pa run9 2026-03-02T10:00:00Z 2026-03-02T11:00:00Z \
	3600000 360000 0 rapl false 0 3600 "Test CPU A" 8 - 0 0
put_record signtest 302 batch n2 alice pa run9 2026-03-02T11:00:00Z 2026-03-02T12:00:00Z \
	1800000 180000 7200000 rapl+nvml false 0 1800 "Test CPU A" 8 "NVIDIA H100 80GB HBM3" 1 0

# The site's key, and another site's.
out=$("$report" keygen "$d/site.key" 2>&1)
echo "$out" | sed 's/^/# /'
check "keygen writes the private key with mode 0600 and the public key beside it" \
	eval '[ "$(stat -c %a "$d/site.key")" = 600 ] && [ -s "$d/site.key.pub" ]'
# The key id: the SHA-256 of the raw 32-byte public key (the last 32 bytes
# of its DER SubjectPublicKeyInfo), its first 16 hex digits.
fpr=$(openssl pkey -pubin -in "$d/site.key.pub" -outform DER | tail -c 32 | sha256sum | cut -c1-64)
key_id=${fpr:0:16}
check "keygen prints the key id and fingerprint openssl computes ($key_id)" \
	eval 'grep -q "key id: *$key_id$" <<<"$out" && grep -q "SHA256:$fpr$" <<<"$out"'
sum=$(sha256sum "$d/site.key" "$d/site.key.pub")
"$report" keygen "$d/site.key" > "$d/keygen2.out" 2>&1
rc=$?
sed 's/^/# /' "$d/keygen2.out"
check "keygen refuses to overwrite a key (exit $rc), and leaves it as it was" \
	eval '[ $rc -ne 0 ] && grep -q "exists" "$d/keygen2.out" && [ "$(sha256sum "$d/site.key" "$d/site.key.pub")" = "$sum" ]'
"$report" keygen "$d/other.key" > /dev/null 2>&1

# The statements, signed and not; then the database is no longer needed.
stmt -t run9 --json > "$d/unsigned.json"
stmt -t run9 --json --sign "$d/site.key" > "$d/signed.json"
stmt -t run9 --format markdown --sign "$d/site.key" > "$d/signed.md"
stmt -t run9 --format markdown > "$d/unsigned.md"
stmt -t run9 --json --sign "$d/other.key" > "$d/other.json"
stmt -t run9 --sign "$d/site.key" > "$d/table.out" 2>&1
rc_table=$?
chmod 0644 "$d/other.key"
stmt -t run9 --json --sign "$d/other.key" > "$d/open.out" 2>&1
rc_open=$?
harness_stop
trap 'rm -rf "$confdir"' EXIT

check "the signed statement is JSON with a signature block" \
	quiet jq -e --arg k "$key_id" '.signature.algorithm == "Ed25519" and .signature.key_id == $k
		and .signature.site == "signtest" and .jobs == 2' "$d/signed.json"
# What is signed: the statement exactly as --json prints it, its last '}'
# replaced by the block.
# ulen: the unsigned statement's bytes without its newline; its last is '}'.
ulen=$(($(wc -c < "$d/unsigned.json") - 1))
check "the signed file is the unsigned statement, byte for byte, then the block" \
	eval 'cmp -s -n $((ulen - 1)) "$d/unsigned.json" "$d/signed.json" &&
	      [ "$(head -c $((ulen - 1 + 15)) "$d/signed.json" | tail -c 15)" = ", \"signature\": " ]'
digest=$(head -c "$ulen" "$d/unsigned.json" | sha256sum | cut -c1-64)
check "digest_sha256 is sha256sum of the unsigned statement without its newline" \
	test "$(jq -r .signature.digest_sha256 "$d/signed.json")" = "$digest"
# The signature, checked by openssl over the message carbon-report(1) gives.
printf 'slurm-carbon statement v1\nkey_id %s\nsite %s\nsha256 %s\n' "$key_id" signtest "$digest" \
	> "$d/message"
jq -r .signature.value "$d/signed.json" | base64 -d > "$d/sig.bin"
check "openssl pkeyutl verifies the Ed25519 signature of that message" \
	quiet openssl pkeyutl -verify -pubin -inkey "$d/site.key.pub" -rawin \
	-in "$d/message" -sigfile "$d/sig.bin"

# The untouched statement passes, and says what it covers.
out=$(verify "$d/signed.json" --key "$d/site.key.pub" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "verify passes the untouched statement (exit $rc)" test $rc -eq 0
check "verify says what it covers: tag, period, jobs, kWh, kg, site, key id" \
	eval 'grep -q "statement: *tag run9" <<<"$out" &&
	      grep -q "period: *2026-03-02T10:00:00Z to 2026-03-02T12:00:00Z" <<<"$out" &&
	      grep -q "jobs: *2 " <<<"$out" &&
	      grep -q "energy: *$(jq .energy_kwh.it "$d/unsigned.json") kWh IT" <<<"$out" &&
	      grep -q "emissions: *$(jq .co2e_kg "$d/unsigned.json") kg CO2e" <<<"$out" &&
	      grep -q "signed for site signtest with key $key_id" <<<"$out"'

# One byte changed: a digit of the CO2e.
kg=$(jq .co2e_kg "$d/unsigned.json")
sed "s/\"co2e_kg\": $kg,/\"co2e_kg\": ${kg/1/2},/" "$d/signed.json" > "$d/changed.json"
check "the changed copy differs from the signed file by one byte" \
	test "$(cmp -l "$d/signed.json" "$d/changed.json" | wc -l)" -eq 1
out=$(verify "$d/changed.json" --key "$d/site.key.pub" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "a statement changed by one byte fails verify (exit $rc) as changed" \
	eval '[ $rc -eq 1 ] && grep -q "FAILED: changed after it was signed" <<<"$out"'
# The same change, its digest recomputed in the block: the signature fails.
new=$(head -c -1 "$d/changed.json" | sed 's/, "signature": .*/}/' | tr -d '\n' | sha256sum | cut -c1-64)
sed "s/$digest/$new/" "$d/changed.json" > "$d/redigested.json"
out=$(verify "$d/redigested.json" --key "$d/site.key.pub" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "changed with its digest recomputed, the signature fails (exit $rc)" \
	eval '[ $rc -eq 1 ] && grep -q "FAILED: bad signature" <<<"$out"'

out=$(verify "$d/other.json" --key "$d/site.key.pub" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "a statement signed by another key fails verify (exit $rc) as another key's" \
	eval '[ $rc -eq 1 ] && grep -q "FAILED: signed by another key" <<<"$out"'
check "... and passes with that key among several given" \
	quiet verify "$d/other.json" --key "$d/site.key.pub" --key "$d/other.key.pub"

out=$(verify "$d/unsigned.json" --key "$d/site.key.pub" 2>&1)
rc=$?
check "an unsigned statement fails verify (exit $rc): not signed" \
	eval '[ $rc -eq 1 ] && grep -q "FAILED: not signed" <<<"$out"'
jq . "$d/signed.json" > "$d/pretty.json"
out=$(verify "$d/pretty.json" --key "$d/site.key.pub" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "a statement reformatted by jq fails verify (exit $rc), saying so" \
	eval '[ $rc -eq 1 ] && grep -q "reformatted" <<<"$out"'
printf '{"jobs": 1, "signature": {"key_id": "\\u001b[2J"}}\n' > "$d/hostile.json"
out=$(verify "$d/hostile.json" --key "$d/site.key.pub" 2>&1)
rc=$?
check "a hostile signature block is malformed (exit $rc), nothing of it echoed raw" \
	eval '[ $rc -eq 1 ] && grep -q "malformed signature" <<<"$out" && ! grep -q $'"'"'\033'"'"' <<<"$out"'
head -c $((5 << 20)) /dev/zero | tr '\0' ' ' > "$d/big.json"
out=$(verify "$d/big.json" --key "$d/site.key.pub" 2>&1)
rc=$?
check "a file over 4 MiB is refused before it is parsed (exit $rc)" \
	eval '[ $rc -eq 1 ] && grep -q "more than" <<<"$out"'

# Markdown.
tail -n 1 "$d/signed.md" | sed 's/^/# /'
check "the Markdown is the unsigned one, a blank line, then one verification line" \
	eval '[ "$(head -n -1 "$d/signed.md")" = "$(cat "$d/unsigned.md"; echo)" ] &&
	      tail -n 1 "$d/signed.md" | grep -q "^Signed for site \`signtest\` with Ed25519 key \`$key_id\`: SHA-256 of the JSON statement \`$digest\`"'
out=$(verify "$d/signed.md" --key "$d/site.key.pub" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
check "verify passes the untouched Markdown (exit $rc), its heading and headline shown" \
	eval '[ $rc -eq 0 ] && grep -q "statement: *Emission statement: tag run9" <<<"$out" &&
	      grep -q "figures: *2 jobs" <<<"$out"'
sed '3s/2 jobs/3 jobs/' "$d/signed.md" > "$d/changed.md"
out=$(verify "$d/changed.md" --key "$d/site.key.pub" 2>&1)
rc=$?
check "a Markdown statement with one byte changed fails verify (exit $rc)" \
	eval '[ $rc -eq 1 ] && grep -q "changed after it was signed" <<<"$out" &&
	      [ "$(cmp -l "$d/signed.md" "$d/changed.md" | wc -l)" -eq 1 ]'
out=$(verify "$d/signed.md" --key "$d/other.key.pub" 2>&1)
rc=$?
check "the Markdown checked with another site's key fails (exit $rc)" \
	eval '[ $rc -eq 1 ] && grep -q "signed by another key" <<<"$out"'
out=$(verify "$d/unsigned.md" --key "$d/site.key.pub" 2>&1)
check "an unsigned Markdown statement fails: not signed" \
	eval 'grep -q "FAILED: not signed" <<<"$out"'

# Usage.
sed 's/^/# /' "$d/table.out"
check "--sign without --json or --format markdown is a usage error (exit $rc_table)" \
	eval '[ $rc_table -eq 2 ] && grep -q "add --json or --format markdown" "$d/table.out"'
sed 's/^/# /' "$d/open.out"
check "a private key that others may read is refused for signing (exit $rc_open)" \
	eval '[ $rc_open -ne 0 ] && grep -q "chmod 600" "$d/open.out" && ! [ -s "$d/open.json" ]'
out=$(verify "$d/signed.json" --key "$d/site.key" 2>&1)
rc=$?
check "verify with the private key file as --key says to give the .pub (exit $rc)" \
	eval '[ $rc -eq 2 ] && grep -q "not a PEM public key" <<<"$out"'
out=$(verify "$d/signed.json" 2>&1)
rc=$?
check "verify without --key is a usage error (exit $rc)" test $rc -eq 2
check "verify of several files: exit 1 when one fails" \
	eval '! verify "$d/signed.json" "$d/changed.json" --key "$d/site.key.pub" > /dev/null 2>&1'
