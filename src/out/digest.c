/*
 * digest.c - MD5, SHA-1 and SHA-256 through libcrypto's EVP interface.
 *
 * The algorithms are fetched once when the object is made (OpenSSL 3
 * otherwise looks each one up on every init), and each file only resets
 * the contexts.  A failure of libcrypto is remembered and reported when
 * the file is finished, so the copy loop stays one call per buffer.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>

#include "dredge.h"
#include "out/digest.h"

static const struct {
	const char *name;       /* ours, and the DFXML type */
	const char *evp;        /* libcrypto's */
	unsigned hexlen;
} algo[DIGEST_N] = {
	{ "md5", "MD5", 32 },
	{ "sha1", "SHA1", 40 },
	{ "sha256", "SHA256", 64 },
};

struct digest {
	EVP_MD *md[DIGEST_N];          /* NULL: not computed */
	EVP_MD_CTX *ctx[DIGEST_N];
	int failed;
};

const char *digest_name(unsigned i)
{
	return i < DIGEST_N ? algo[i].name : NULL;
}

unsigned digest_hexlen(unsigned i)
{
	return i < DIGEST_N ? algo[i].hexlen : 0;
}

void digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; i < DIGEST_N; i++) {
		EVP_MD_CTX_free(d->ctx[i]);
		EVP_MD_free(d->md[i]);
	}
	free(d);
}

int digest_create(struct digest **out, unsigned mask)
{
	struct digest *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < DIGEST_N; i++) {
		if (!(mask & (1u << i)))
			continue;
		d->md[i] = EVP_MD_fetch(NULL, algo[i].evp, NULL);
		d->ctx[i] = EVP_MD_CTX_new();
		if (d->md[i] == NULL || d->ctx[i] == NULL) {
			digest_free(d);
			return -ENOSYS;
		}
	}
	digest_reset(d);
	*out = d;
	return 0;
}

void digest_reset(struct digest *d)
{
	d->failed = 0;
	for (unsigned i = 0; i < DIGEST_N; i++)
		if (d->md[i] != NULL &&
		    EVP_DigestInit_ex2(d->ctx[i], d->md[i], NULL) != 1)
			d->failed = 1;
}

void digest_update(struct digest *d, const void *p, size_t n)
{
	for (unsigned i = 0; i < DIGEST_N; i++)
		if (d->md[i] != NULL && EVP_DigestUpdate(d->ctx[i], p, n) != 1)
			d->failed = 1;
}

int digest_final(struct digest *d, struct digest_hex *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < DIGEST_N; i++) {
		if (d->md[i] == NULL)
			continue;
		if (EVP_DigestFinal_ex(d->ctx[i], md, &len) != 1 ||
		    len * 2 != algo[i].hexlen) {
			d->failed = 1;
			continue;
		}
		for (unsigned k = 0; k < len; k++)
			snprintf(out->hex[i] + 2 * k, 3, "%02x", md[k]);
	}
	return d->failed ? -EIO : 0;
}

int dredge_hash_parse(const char *list, unsigned *mask, char *bad,
                      size_t badlen)
{
	unsigned m = 0, named = 0, none = 0;
	const char *s = list;

	for (;;) {
		size_t n = strcspn(s, ",");
		if (n > 0) {
			unsigned i = 0;
			if (n == 4 && strncmp(s, "none", 4) == 0) {
				none = 1;
			} else {
				while (i < DIGEST_N && (strlen(algo[i].name) != n ||
				       strncasecmp(s, algo[i].name, n) != 0))
					i++;
				if (i == DIGEST_N) {
					snprintf(bad, badlen, "%.*s", (int)n, s);
					return -EINVAL;
				}
				m |= 1u << i;
			}
			named++;
		}
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	if (named == 0 || (none && m != 0)) {
		snprintf(bad, badlen, "%s", list);
		return -EINVAL;
	}
	*mask = m;
	return 0;
}

const char *dredge_hash_names(unsigned mask, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < DIGEST_N; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
			                      "%s%s", n ? "," : "", algo[i].name);
	if (n == 0)
		snprintf(buf, len, "none");
	return buf;
}
