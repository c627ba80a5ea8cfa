/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ed25519 signatures of emission statements through OpenSSL's libcrypto;
 * what is signed is described in sign.h. */
#define _GNU_SOURCE	/* asprintf, open_memstream */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "json_pointer.h"

#define ED25519_RAW 32
#define ED25519_SIG 64
#define SHA256_LEN 32

/* The first line of every signed message: a signature made for anything
 * else cannot pass for a statement's, nor one of a later form for this. */
#define MESSAGE_HEAD "slurm-carbon statement v1\n"
/* What the signature block covers, in words, for a reader of the file. */
#define COVERS_TEXT "digest_sha256: SHA-256 of this file up to this signature member, " \
	"closed by a brace; value: Ed25519 signature of key_id, site and digest_sha256 " \
	"(carbon-report(1), Signed statements); check with carbon-report verify FILE --key SITE.pub"
/* The separator before the block, as json.c writes a member. */
#define BLOCK_KEY ", \"signature\": "
/* The verification line of the Markdown: its fixed parts, between the five
 * values site, key id, JSON digest, Markdown digest and signature. */
static const char *const md_parts[6] = {
	"Signed for site `", "` with Ed25519 key `", "`: SHA-256 of the JSON statement `",
	"`, SHA-256 of this Markdown above this line `", "`, signature `",
	"`. Check with `carbon-report verify FILE --key SITE.pub` (carbon-report(1), \"Signed statements\").",
};

struct sign_key {
	EVP_PKEY *pkey;
	bool private_key;
	char id[SIGN_KEY_ID_HEX + 1];
	char fingerprint[SIGN_FINGERPRINT_HEX + 1];
};

static void say(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!n)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

static void hex(const unsigned char *b, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * len] = '\0';
}

/* SHA-256 of a[0..alen-1] then b[0..blen-1], as hex into out (65 bytes). */
static int sha256_hex(const char *a, size_t alen, const char *b, size_t blen, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;

	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, a, alen) == 1 && EVP_DigestUpdate(ctx, b, blen) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == SHA256_LEN) {
		hex(md, SHA256_LEN, out);
		rc = 0;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Fill k's id and fingerprint from its raw public key. */
static int key_ids(struct sign_key *k)
{
	unsigned char raw[ED25519_RAW];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) != 1 || len != ED25519_RAW ||
	    sha256_hex((const char *)raw, len, "", 0, k->fingerprint) < 0)
		return -1;
	memcpy(k->id, k->fingerprint, SIGN_KEY_ID_HEX);
	k->id[SIGN_KEY_ID_HEX] = '\0';
	return 0;
}

static struct sign_key *key_of(EVP_PKEY *pkey, bool private_key, const char *path, char *why,
			       size_t n)
{
	struct sign_key *k;

	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		say(why, n, "%s holds a key that is not Ed25519; make one with 'carbon-report keygen FILE'",
		    path);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		say(why, n, "out of memory");
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k->pkey = pkey;
	k->private_key = private_key;
	if (key_ids(k) < 0) {
		say(why, n, "%s: its public key cannot be read", path);
		sign_key_free(k);
		return NULL;
	}
	return k;
}

void sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *sign_key_id(const struct sign_key *k)
{
	return k->id;
}

const char *sign_key_fingerprint(const struct sign_key *k)
{
	return k->fingerprint;
}

/* ---- files ------------------------------------------------------------------ */

int sign_read_file(const char *path, size_t max, char **buf, size_t *len, char *why, size_t n)
{
	struct stat sb;
	char *b = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, rc = -1;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		say(why, n, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		say(why, n, "%s is not a regular file", path);
		goto out;
	}
	if ((uintmax_t)sb.st_size > max) {
		say(why, n, "%s is %jd bytes, more than the %zu accepted: it is not a file carbon-report wrote",
		    path, (intmax_t)sb.st_size, max);
		goto out;
	}
	b = malloc((size_t)sb.st_size + 1);
	if (!b) {
		say(why, n, "out of memory");
		goto out;
	}
	/* Read what is there now, to max: the file may change under us. */
	while (got < (size_t)sb.st_size) {
		r = read(fd, b + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say(why, n, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	return rc;
}

/* Load the PEM in path: a private key (then the file must be private). */
static struct sign_key *key_load(const char *path, bool private_key, char *why, size_t n)
{
	struct stat sb;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	char *buf = NULL;
	size_t len;

	if (sign_read_file(path, SIGN_KEY_FILE_MAX, &buf, &len, why, n) < 0)
		return NULL;
	if (private_key) {
		if (stat(path, &sb) < 0 || (sb.st_mode & 077)) {
			say(why, n, "%s may be read or written by others (mode %04o): a site's private key must be private; chmod 600 %s, and make a new key if others may have read it",
			    path, (unsigned)(sb.st_mode & 07777), path);
			goto out;
		}
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (!bio) {
		say(why, n, "out of memory");
		goto out;
	}
	if (private_key) {
		/* No password callback: an encrypted key fails, with no prompt. */
		pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
		if (!pkey)
			say(why, n, "%s is not an unencrypted PEM private key (carbon-report keygen writes one; give the private key, not the .pub)",
			    path);
	} else {
		pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, (void *)"");
		if (!pkey)
			say(why, n, "%s is not a PEM public key (the FILE.pub that carbon-report keygen writes)",
			    path);
	}
out:
	BIO_free(bio);
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
	return pkey ? key_of(pkey, private_key, path, why, n) : NULL;
}

struct sign_key *sign_key_load_private(const char *path, char *why, size_t n)
{
	return key_load(path, true, why, n);
}

struct sign_key *sign_key_load_public(const char *path, char *why, size_t n)
{
	return key_load(path, false, why, n);
}

/* Create path for writing, never over an existing file or through a link. */
static FILE *create_excl(const char *path, mode_t mode, char *why, size_t n)
{
	FILE *fp;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0) {
		if (errno == EEXIST)
			say(why, n, "%s exists: keygen never overwrites a key; give another name, or remove it if it is no longer needed",
			    path);
		else
			say(why, n, "cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	/* The mode asked for, whatever the umask left of it. */
	if (fchmod(fd, mode) < 0 || !(fp = fdopen(fd, "w"))) {
		say(why, n, "cannot create %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return NULL;
	}
	return fp;
}

struct sign_key *sign_keygen(const char *path, char *why, size_t n)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	struct sign_key *k = NULL;
	FILE *priv = NULL, *pub = NULL;
	char *pub_path = NULL;
	bool made_priv = false, made_pub = false;
	int ok;

	if (asprintf(&pub_path, "%s.pub", path) < 0) {
		pub_path = NULL;
		say(why, n, "out of memory");
		goto out;
	}
	/* Both names free before either is made; O_EXCL below closes the race. */
	if (access(path, F_OK) == 0 || access(pub_path, F_OK) == 0) {
		say(why, n, "%s exists: keygen never overwrites a key; give another name, or remove it if it is no longer needed",
		    access(path, F_OK) == 0 ? path : pub_path);
		goto out;
	}
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		say(why, n, "OpenSSL could not make an Ed25519 key");
		goto out;
	}
	priv = create_excl(path, 0600, why, n);
	if (!priv)
		goto out;
	made_priv = true;
	pub = create_excl(pub_path, 0644, why, n);
	if (!pub)
		goto out;
	made_pub = true;
	ok = PEM_write_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) == 1;
	ok &= fclose(priv) == 0;
	priv = NULL;
	ok &= PEM_write_PUBKEY(pub, pkey) == 1;
	ok &= fclose(pub) == 0;
	pub = NULL;
	if (!ok) {
		say(why, n, "could not write %s and %s: %s", path, pub_path, strerror(errno));
		goto out;
	}
	k = key_of(pkey, true, path, why, n);
	pkey = NULL;
out:
	if (priv)
		fclose(priv);
	if (pub)
		fclose(pub);
	if (!k && made_priv)
		unlink(path);
	if (!k && made_pub)
		unlink(pub_path);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	free(pub_path);
	return k;
}

/* ---- signing ------------------------------------------------------------------ */

bool sign_site_valid(const char *site)
{
	size_t i, len = strlen(site);

	if (!len || len > SIGN_SITE_MAX || site[0] == ',' || site[len - 1] == ',')
		return false;
	for (i = 0; i < len; i++) {
		char c = site[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr("._:+/-,", c)))
			return false;
	}
	return true;
}

/* The message a signature is made over (sign.h), into buf (n >= 512). */
static size_t message(const struct sign_signature *sig, char *buf, size_t n)
{
	int len;

	if (sig->md_digest[0])
		len = snprintf(buf, n, MESSAGE_HEAD "key_id %s\nsite %s\nsha256 %s\nmarkdown_sha256 %s\n",
			       sig->key_id, sig->site, sig->digest, sig->md_digest);
	else
		len = snprintf(buf, n, MESSAGE_HEAD "key_id %s\nsite %s\nsha256 %s\n", sig->key_id,
			       sig->site, sig->digest);
	return len < 0 || (size_t)len >= n ? 0 : (size_t)len;
}

#define MESSAGE_MAX (sizeof(MESSAGE_HEAD) + 64 + SIGN_SITE_MAX + 2 * SIGN_DIGEST_HEX + 64)

static int sign_message(const struct sign_key *k, struct sign_signature *sig, char *why, size_t n)
{
	unsigned char raw[ED25519_SIG];
	size_t rawlen = sizeof(raw), mlen;
	char msg[MESSAGE_MAX];
	EVP_MD_CTX *ctx = NULL;
	int rc = -1;

	if (!k->private_key) {
		say(why, n, "a public key cannot sign: give the private key that carbon-report keygen wrote");
		return -1;
	}
	mlen = message(sig, msg, sizeof(msg));
	ctx = EVP_MD_CTX_new();
	if (!mlen || !ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, raw, &rawlen, (const unsigned char *)msg, mlen) != 1 ||
	    rawlen != ED25519_SIG) {
		say(why, n, "OpenSSL could not sign");
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)sig->value, raw, ED25519_SIG);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* len without one trailing newline. */
static size_t chomp(const char *s, size_t len)
{
	return len && s[len - 1] == '\n' ? len - 1 : len;
}

int sign_json(const struct sign_key *k, const char *site, const char *json, size_t len,
	      struct sign_signature *sig, char *why, size_t n)
{
	struct json_span top;

	memset(sig, 0, sizeof(*sig));
	len = chomp(json, len);
	if (json_pointer_find(json, len, "", &top) != 1 || top.type != JSON_OBJECT || top.start ||
	    top.end != len || len < 2) {
		say(why, n, "the statement to sign is not one JSON object");
		return -1;
	}
	if (!sign_site_valid(site)) {
		say(why, n, "'%s' is not a site name: at most %d characters of letters, digits and ._:+/- (',' between clusters)",
		    site, SIGN_SITE_MAX);
		return -1;
	}
	snprintf(sig->key_id, sizeof(sig->key_id), "%s", k->id);
	snprintf(sig->site, sizeof(sig->site), "%s", site);
	/* The canonical form is the object itself. */
	if (sha256_hex(json, len, "", 0, sig->digest) < 0) {
		say(why, n, "OpenSSL could not compute SHA-256");
		return -1;
	}
	return sign_message(k, sig, why, n);
}

int sign_markdown(const struct sign_key *k, const char *md, size_t len,
		  struct sign_signature *sig, char *why, size_t n)
{
	if (sha256_hex(md, len, "", 0, sig->md_digest) < 0) {
		say(why, n, "OpenSSL could not compute SHA-256");
		return -1;
	}
	return sign_message(k, sig, why, n);
}

/* The signature block, from its '}'-less object start to the file's end. */
static void write_block(FILE *fp, const struct sign_signature *sig)
{
	fprintf(fp, BLOCK_KEY "{\"algorithm\": \"Ed25519\", \"key_id\": \"%s\", \"site\": \"%s\", "
		"\"digest_sha256\": \"%s\", \"covers\": \"%s\", \"value\": \"%s\"}}\n",
		sig->key_id, sig->site, sig->digest, COVERS_TEXT, sig->value);
}

int sign_write_json(FILE *fp, const char *json, size_t len, const struct sign_signature *sig)
{
	len = chomp(json, len);
	if (len < 2 || json[len - 1] != '}')
		return -1;
	fwrite(json, 1, len - 1, fp);
	write_block(fp, sig);
	return ferror(fp) ? -1 : 0;
}

static void write_md_line(FILE *fp, const struct sign_signature *sig)
{
	const char *v[5] = { sig->site, sig->key_id, sig->digest, sig->md_digest, sig->value };
	size_t i;

	for (i = 0; i < 5; i++)
		fprintf(fp, "%s%s", md_parts[i], v[i]);
	fprintf(fp, "%s\n", md_parts[5]);
}

int sign_write_markdown(FILE *fp, const char *md, size_t len, const struct sign_signature *sig)
{
	fwrite(md, 1, len, fp);
	write_md_line(fp, sig);
	return ferror(fp) ? -1 : 0;
}

/* ---- verifying ----------------------------------------------------------------- */

static bool all_of(const char *s, size_t len, const char *alphabet)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!s[i] || !strchr(alphabet, s[i]))
			return false;
	return true;
}

#define HEX_LOWER "0123456789abcdef"
#define BASE64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* Are sig's strings of the right form (lengths, alphabets)? */
static bool signature_form(const struct sign_signature *sig, bool markdown)
{
	return strlen(sig->key_id) == SIGN_KEY_ID_HEX &&
	       all_of(sig->key_id, SIGN_KEY_ID_HEX, HEX_LOWER) && sign_site_valid(sig->site) &&
	       strlen(sig->digest) == SIGN_DIGEST_HEX &&
	       all_of(sig->digest, SIGN_DIGEST_HEX, HEX_LOWER) &&
	       (markdown ? strlen(sig->md_digest) == SIGN_DIGEST_HEX &&
				   all_of(sig->md_digest, SIGN_DIGEST_HEX, HEX_LOWER)
			 : !sig->md_digest[0]) &&
	       strlen(sig->value) == SIGN_VALUE_B64 &&
	       all_of(sig->value, SIGN_VALUE_B64 - 2, BASE64) &&
	       !strcmp(sig->value + SIGN_VALUE_B64 - 2, "==");
}

/* Does sig->value verify with k over sig's message? */
static bool signature_valid(const struct sign_key *k, const struct sign_signature *sig)
{
	unsigned char raw[ED25519_SIG + 3];	/* 88 base64 digits decode to 66 */
	char again[SIGN_VALUE_B64 + 1], msg[MESSAGE_MAX];
	size_t mlen = message(sig, msg, sizeof(msg));
	EVP_MD_CTX *ctx;
	bool ok = false;

	if (!mlen || EVP_DecodeBlock(raw, (const unsigned char *)sig->value, SIGN_VALUE_B64) !=
			     ED25519_SIG + 2)
		return false;
	/* Only the one encoding of these 64 bytes (the last digit's spare
	 * bits zero), so that the block stays byte for byte what was signed. */
	EVP_EncodeBlock((unsigned char *)again, raw, ED25519_SIG);
	if (strcmp(again, sig->value))
		return false;
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestVerify(ctx, raw, ED25519_SIG, (const unsigned char *)msg, mlen) == 1)
		ok = true;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* A string member of the signature block into buf; false when absent, not
 * a string, or too long. */
static bool block_string(const char *doc, size_t len, const char *pointer, char *buf, size_t n)
{
	return json_pointer_string(doc, len, pointer, buf, n) == 1;
}

/* The JSON form: find and check the block; the digest's bytes end at *cut. */
static enum sign_status parse_json(const char *doc, size_t len, struct sign_check *out,
				   size_t *cut)
{
	struct json_span top, block;
	char *expect = NULL;
	size_t elen = 0, k;
	FILE *fp;
	int r;

	r = json_pointer_find(doc, len, "", &top);
	if (r != 1 || top.type != JSON_OBJECT) {
		say(out->why, sizeof(out->why),
		    "not a statement: the file is not one well-formed JSON object (carbon-report statement --json writes one)");
		return SIGN_MALFORMED;
	}
	r = json_pointer_find(doc, len, "/signature", &block);
	if (r == 0) {
		say(out->why, sizeof(out->why),
		    "not signed: the statement has no signature block; ask the site for one made with 'carbon-report statement --json --sign KEYFILE'");
		return SIGN_UNSIGNED;
	}
	if (block.type != JSON_OBJECT || block.start < sizeof(BLOCK_KEY) - 1 + 1 ||
	    memcmp(doc + block.start - (sizeof(BLOCK_KEY) - 1), BLOCK_KEY, sizeof(BLOCK_KEY) - 1))
		goto malformed;
	*cut = block.start - (sizeof(BLOCK_KEY) - 1);
	if (!block_string(doc, len, "/signature/key_id", out->sig.key_id, sizeof(out->sig.key_id)) ||
	    !block_string(doc, len, "/signature/site", out->sig.site, sizeof(out->sig.site)) ||
	    !block_string(doc, len, "/signature/digest_sha256", out->sig.digest,
			  sizeof(out->sig.digest)) ||
	    !block_string(doc, len, "/signature/value", out->sig.value, sizeof(out->sig.value)) ||
	    !signature_form(&out->sig, false))
		goto malformed;
	/* The block and what follows it must be exactly what sign_write_json
	 * writes for these values: nothing in the file escapes the check. */
	fp = open_memstream(&expect, &elen);
	if (!fp) {
		say(out->why, sizeof(out->why), "out of memory");
		return SIGN_MALFORMED;
	}
	write_block(fp, &out->sig);
	if (fclose(fp) != 0) {
		free(expect);
		say(out->why, sizeof(out->why), "out of memory");
		return SIGN_MALFORMED;
	}
	k = len - *cut;
	r = k == elen && !memcmp(doc + *cut, expect, elen);
	free(expect);
	if (r)
		return SIGN_OK;
malformed:
	say(out->why, sizeof(out->why),
	    "malformed signature: the signature block is not the statement's last member exactly as carbon-report writes it (was the file reformatted, e.g. by jq? only the file as written verifies)");
	return SIGN_MALFORMED;
}

/* The Markdown form: the last line is the verification line; the digest's
 * bytes are those before it, doc[0..*cut-1]. */
static enum sign_status parse_markdown(const char *doc, size_t len, struct sign_check *out,
				       size_t *cut)
{
	char *fields[5] = { out->sig.site, out->sig.key_id, out->sig.digest, out->sig.md_digest,
			    out->sig.value };
	const size_t sizes[5] = { sizeof(out->sig.site), sizeof(out->sig.key_id),
				  sizeof(out->sig.digest), sizeof(out->sig.md_digest),
				  sizeof(out->sig.value) };
	const char *line, *p, *end, *tick;
	size_t i, start;

	out->markdown = true;
	if (memchr(doc, '\0', len)) {
		say(out->why, sizeof(out->why), "not a statement: the file holds NUL bytes");
		return SIGN_MALFORMED;
	}
	if (!len || doc[len - 1] != '\n')
		goto unsigned_md;
	for (start = len - 1; start > 0 && doc[start - 1] != '\n'; start--)
		;
	line = doc + start;
	end = doc + len - 1;
	if ((size_t)(end - line) < strlen(md_parts[0]) ||
	    strncmp(line, md_parts[0], strlen(md_parts[0])))
		goto unsigned_md;
	/* Each value runs from the end of one fixed part to the next '`'. */
	p = line;
	for (i = 0; i < 5; i++) {
		size_t plen = strlen(md_parts[i]);

		if ((size_t)(end - p) < plen || strncmp(p, md_parts[i], plen))
			goto malformed;
		p += plen;
		tick = memchr(p, '`', (size_t)(end - p));
		if (!tick || (size_t)(tick - p) >= sizes[i])
			goto malformed;
		memcpy(fields[i], p, (size_t)(tick - p));
		fields[i][tick - p] = '\0';
		p = tick;
	}
	if ((size_t)(end - p) != strlen(md_parts[5]) || strncmp(p, md_parts[5], strlen(md_parts[5])) ||
	    !signature_form(&out->sig, true))
		goto malformed;
	*cut = start;
	return SIGN_OK;
unsigned_md:
	say(out->why, sizeof(out->why),
	    "not signed: the file is neither a statement's JSON nor a Markdown statement that ends with a verification line; ask the site for one made with 'carbon-report statement --format markdown --sign KEYFILE'");
	return SIGN_UNSIGNED;
malformed:
	say(out->why, sizeof(out->why),
	    "malformed signature: the Markdown's last line is not a verification line exactly as carbon-report writes it");
	return SIGN_MALFORMED;
}

enum sign_status sign_verify(const char *doc, size_t len, const struct sign_key *const *keys,
			     size_t n_keys, struct sign_check *out)
{
	char digest[SIGN_DIGEST_HEX + 1];
	const char *want;
	size_t cut = 0, i, skip = 0;
	enum sign_status s;

	memset(out, 0, sizeof(*out));
	while (skip < len && strchr(" \t\r\n", doc[skip]) && doc[skip])
		skip++;
	if (len > SIGN_FILE_MAX) {
		say(out->why, sizeof(out->why), "not a statement: more than %zu bytes",
		    SIGN_FILE_MAX);
		s = SIGN_MALFORMED;
	} else if (skip < len && doc[skip] == '{') {
		s = parse_json(doc, len, out, &cut);
	} else {
		s = parse_markdown(doc, len, out, &cut);
	}
	if (s != SIGN_OK)
		return out->status = s;

	/* The figures: the JSON's canonical form, or the Markdown above its
	 * line. */
	if (out->markdown ? sha256_hex(doc, cut, "", 0, digest) < 0
			  : sha256_hex(doc, cut, "}", 1, digest) < 0) {
		say(out->why, sizeof(out->why), "OpenSSL could not compute SHA-256");
		return out->status = SIGN_MALFORMED;
	}
	want = out->markdown ? out->sig.md_digest : out->sig.digest;
	if (strcmp(digest, want)) {
		say(out->why, sizeof(out->why),
		    "changed after it was signed: the SHA-256 of its %s is %s, the signature is for %s; the figures in this file are not the ones the site signed",
		    out->markdown ? "text above the verification line" : "figures", digest, want);
		return out->status = SIGN_CHANGED;
	}
	for (i = 0; i < n_keys; i++)
		if (!strcmp(keys[i]->id, out->sig.key_id))
			break;
	if (i == n_keys) {
		if (n_keys == 0)
			say(out->why, sizeof(out->why),
			    "signed by key %s of site %s, but no key was given to check it with: add --key SITE.pub",
			    out->sig.key_id, out->sig.site);
		else if (n_keys == 1)
			say(out->why, sizeof(out->why),
			    "signed by another key: the signature names key %s, the key given is %s; get the public key of site %s (its fingerprint begins with %s)",
			    out->sig.key_id, keys[0]->id, out->sig.site, out->sig.key_id);
		else
			say(out->why, sizeof(out->why),
			    "signed by key %s, which is not among the %zu keys given; get the public key of site %s (its fingerprint begins with %s)",
			    out->sig.key_id, n_keys, out->sig.site, out->sig.key_id);
		return out->status = SIGN_NO_KEY;
	}
	if (!signature_valid(keys[i], &out->sig)) {
		say(out->why, sizeof(out->why),
		    "bad signature: the signature is not key %s's over this digest and site; the signature block was altered, or made with another key under this key's id",
		    out->sig.key_id);
		return out->status = SIGN_BAD_SIGNATURE;
	}
	out->key = keys[i];
	return out->status = SIGN_OK;
}
