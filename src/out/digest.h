/*
 * digest.h - the forensic digests (MD5, SHA-1, SHA-256) computed beside
 * XXH3-128 while a file's bytes stream through the writer or extract.
 *
 * XXH3-128 finds duplicates fast; these are the digests an examiner
 * checks against other tools (md5sum, sha256sum, hash sets).  They come
 * from OpenSSL's libcrypto through its EVP interface; each digest object
 * holds one context per chosen algorithm and is reused file after file.
 */
#ifndef DREDGE_OUT_DIGEST_H
#define DREDGE_OUT_DIGEST_H

#include <stddef.h>

#define DIGEST_N 3              /* md5, sha1, sha256: dredge.h's bits */
#define DIGEST_HEX_MAX 65       /* the longest, SHA-256, and its NUL */

/* Hex digests of one file; an algorithm not computed is "". */
struct digest_hex {
	char hex[DIGEST_N][DIGEST_HEX_MAX];
};

struct digest;

/* "md5", "sha1", "sha256": the DFXML hashdigest type and the JSONL key. */
const char *digest_name(unsigned i);

/* Hex digits of algorithm i's digest (32, 40, 64). */
unsigned digest_hexlen(unsigned i);

/* A digest object for the algorithms in mask (DREDGE_HASH_* bits; 0 is
 * allowed and computes nothing); 0 or -errno.  Free with digest_free. */
int digest_create(struct digest **d, unsigned mask);

void digest_free(struct digest *d);

/* Starts a new file. */
void digest_reset(struct digest *d);

void digest_update(struct digest *d, const void *p, size_t n);

/* Finishes the file into out; 0, or -EIO when libcrypto failed. */
int digest_final(struct digest *d, struct digest_hex *out);

#endif
