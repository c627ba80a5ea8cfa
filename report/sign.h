/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signed emission statements: a site's Ed25519 key pair, the signature of a
 * statement's JSON and of its Markdown, and their verification. The
 * cryptography is OpenSSL's libcrypto; this file only decides what bytes
 * are signed and checks untrusted files strictly.
 *
 * What is signed. A statement's JSON, as carbon-report writes it, is one
 * object on one line; its canonical form is that object without its
 * "signature" member: the exact bytes `carbon-report statement --json`
 * writes (no newline). A signed JSON file is the canonical form with its
 * closing '}' replaced by
 *     , "signature": {"algorithm": "Ed25519", "key_id": K, "site": S,
 *     "digest_sha256": D, "covers": "...", "value": V}}
 * and a newline, where D is the SHA-256 of the canonical form (hex), K the
 * key id (sign_key_id), S the site the figures come from, and V the
 * Ed25519 signature (base64) of the message
 *     "slurm-carbon statement v1\nkey_id K\nsite S\nsha256 D\n"
 * The Markdown of the same statement ends with one verification line that
 * carries K, S, D, M (the SHA-256 of every byte of the file before that
 * line) and the signature of
 *     "slurm-carbon statement v1\nkey_id K\nsite S\nsha256 D\nmarkdown_sha256 M\n"
 * A verifier recomputes D (or M) from the file, so any changed byte fails;
 * the signature block and the line must be exactly as written (nothing is
 * reformatted before checking). */
#ifndef CARBON_SIGN_H
#define CARBON_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Hex digits of a key id: a prefix of the SHA-256 of the raw public key. */
#define SIGN_KEY_ID_HEX 16
#define SIGN_FINGERPRINT_HEX 64
#define SIGN_DIGEST_HEX 64
#define SIGN_VALUE_B64 88	/* base64 of the 64-byte Ed25519 signature */
/* A site: at most this many characters of [A-Za-z0-9._:+/-], and ','
 * between the names of several clusters. */
#define SIGN_SITE_MAX 200
/* The largest statement or key file read; a larger one is refused. */
#define SIGN_FILE_MAX ((size_t)4 << 20)
#define SIGN_KEY_FILE_MAX ((size_t)16 << 10)

struct sign_key;	/* an Ed25519 key: private (can sign) or public only */

/* The signature of one statement. Strings are terminated. */
struct sign_signature {
	char key_id[SIGN_KEY_ID_HEX + 1];
	char site[SIGN_SITE_MAX + 1];
	char digest[SIGN_DIGEST_HEX + 1];		/* of the JSON's canonical form */
	char md_digest[SIGN_DIGEST_HEX + 1];	/* of the Markdown; "" for JSON */
	char value[SIGN_VALUE_B64 + 1];
};

/* Make a key pair: the private key (PKCS#8 PEM) into path, created with mode
 * 0600, and the public key (SubjectPublicKeyInfo PEM) into path.pub, 0644.
 * Refuses when either exists (nothing is overwritten) or path is a link.
 * Returns the key (free with sign_key_free), or NULL with why[] set. */
struct sign_key *sign_keygen(const char *path, char *why, size_t n);

/* Read a private key (for signing) or a public key (for verifying) from a
 * PEM file. A private key file must be a regular file that neither group
 * nor others may read or write; an encrypted one is refused (no prompt).
 * Either must hold an Ed25519 key and be at most SIGN_KEY_FILE_MAX bytes.
 * Returns the key, or NULL with why[] set. */
struct sign_key *sign_key_load_private(const char *path, char *why, size_t n);
struct sign_key *sign_key_load_public(const char *path, char *why, size_t n);
void sign_key_free(struct sign_key *k);

/* The key id (SIGN_KEY_ID_HEX hex digits) and the fingerprint (the whole
 * SHA-256 of the raw 32-byte public key, hex); they live as long as k. */
const char *sign_key_id(const struct sign_key *k);
const char *sign_key_fingerprint(const struct sign_key *k);

/* Is site a site name as above (non-empty, at most SIGN_SITE_MAX)? */
bool sign_site_valid(const char *site);

/* Sign the canonical form json[0..len-1] (a trailing newline is ignored)
 * for site with the private key k into *sig. Returns 0, or -1 with why[]
 * set (not one JSON object, not a private key, a site that is not valid). */
int sign_json(const struct sign_key *k, const char *site, const char *json, size_t len,
	      struct sign_signature *sig, char *why, size_t n);

/* Write the signed JSON file: json (the canonical form signed, a trailing
 * newline ignored) with sig's block as its last member, and a newline.
 * Returns 0, or -1 when fp reports an error. */
int sign_write_json(FILE *fp, const char *json, size_t len, const struct sign_signature *sig);

/* Sign the Markdown md[0..len-1] of the statement whose JSON sig signs:
 * sets sig->md_digest and replaces sig->value with the Markdown's
 * signature. Returns 0, or -1 with why[] set. */
int sign_markdown(const struct sign_key *k, const char *md, size_t len,
		  struct sign_signature *sig, char *why, size_t n);

/* Write md and the verification line after it: the signed Markdown file. */
int sign_write_markdown(FILE *fp, const char *md, size_t len, const struct sign_signature *sig);

/* What a check found. */
enum sign_status {
	SIGN_OK,		/* the key's, and unchanged since it was signed */
	SIGN_NO_KEY,		/* well-formed and unchanged, but no key given
				 * has its key id: who signed it is unknown */
	SIGN_UNSIGNED,		/* a statement without a signature */
	SIGN_MALFORMED,		/* not a statement carbon-report wrote */
	SIGN_CHANGED,		/* changed after it was signed */
	SIGN_BAD_SIGNATURE,	/* the key's id, but not its signature */
};

/* The outcome of sign_verify. */
struct sign_check {
	enum sign_status status;
	bool markdown;			/* the document was Markdown */
	struct sign_signature sig;	/* as read (when one was found) */
	const struct sign_key *key;	/* the key that matched, or NULL */
	char why[512];			/* on failure: what is wrong, what to do */
};

/* Check doc[0..len-1], an untrusted file's contents: a statement's JSON
 * (its first byte other than a blank is '{') or its Markdown.
 * keys[0..n_keys-1] are the public keys it may be signed with (the one
 * whose id the signature names is used; n_keys 0: only the form and the
 * digest are checked, and the result is at best SIGN_NO_KEY). Reads only
 * doc[0..len-1] (no terminating NUL needed) and keeps nothing: out holds
 * copies. Returns out->status. */
enum sign_status sign_verify(const char *doc, size_t len, const struct sign_key *const *keys,
			     size_t n_keys, struct sign_check *out);

/* Read the file at path (a regular file of at most max bytes) into a
 * malloc'd buffer with a terminating NUL not counted in *len. Returns 0, or
 * -1 with why[] set. */
int sign_read_file(const char *path, size_t max, char **buf, size_t *len, char *why, size_t n);

#endif
