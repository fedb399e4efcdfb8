/* Tests for loading key files (lib/evidence/keyfile.c) that are malformed, hostile,
 * of the wrong type or kind, too large or unsafe. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "breakglass/evidence/keyfile.h"
#include "helpers.h"
#include "test_keyfile.h"

/* Hostile files: templates whose $TOKENs stand for hex of the fixture's
 * key of type src (or of the other one), each loaded one way. */
#define PUBT(t, id, pk) "{\"version\": 1, \"type\": \"" t "\", \"id\": \"" id "\", \"public\": \"" pk "\"}\n"
#define SECT(t, id, sk) "{\"version\": 1, \"type\": \"" t "\", \"id\": \"" id "\", \"secret\": \"" sk "\"}\n"
#define AUD BG_KEY_AUDITOR
#define HST BG_KEY_HOST
enum { PUB, PAIR };

static const struct hostile {
	const char *name;
	int src, how;           /* src: 0 auditor, 1 host material */
	enum bg_key_type as;
	const char *text;
	mode_t mode;            /* 0: 0644 for PUB, 0600 for PAIR */
	int want;
} hostile[] = {
	{ "valid auditor public", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$PK"), 0, BG_OK },
	{ "valid host public", 1, PUB, HST, PUBT("host-public", "$ID", "$PK"), 0, BG_OK },
	{ "valid auditor secret", 0, PAIR, AUD, SECT("auditor-secret", "$ID", "$SK"), 0, BG_OK },
	{ "valid host secret", 1, PAIR, HST, SECT("host-secret", "$ID", "$SK"), 0, BG_OK },
	{ "valid, members reordered, no final newline", 1, PUB, HST,
	  "{\"public\": \"$PK\", \"id\": \"$ID\", \"type\": \"host-public\", \"version\": 1}", 0, BG_OK },
	{ "empty file", 0, PUB, AUD, "", 0, BG_EINVAL },
	{ "truncated before the closing brace", 0, PUB, AUD,
	  "{\"version\": 1, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\"", 0, BG_EINVAL },
	{ "truncated inside a string", 1, PAIR, HST, "{\"version\": 1, \"type\": \"host-sec", 0, BG_EINVAL },
	{ "not JSON", 0, PUB, AUD, "{version = 1, public = $PK}\n", 0, BG_EINVAL },
	{ "top level is an array", 0, PUB, AUD, "[\"$PK\"]\n", 0, BG_EINVAL },
	{ "leading blank", 0, PUB, AUD, " " PUBT("auditor-public", "$ID", "$PK"), 0, BG_EINVAL },
	{ "CRLF line end", 0, PUB, AUD, "{\"version\": 1, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\"}\r\n", 0, BG_EINVAL },
	{ "second object after the first", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$PK") "{}", 0, BG_EINVAL },
	{ "NUL byte inside a string", 0, PUB, AUD, PUBT("auditor-public$NUL", "$ID", "$PK"), 0, BG_EINVAL },
	{ "NUL byte after the object", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$PK") "$NUL", 0, BG_EINVAL },
	{ "escaped NUL in type", 0, PUB, AUD, PUBT("auditor-public\\u0000", "$ID", "$PK"), 0, BG_EINVAL },
	{ "invalid UTF-8 in type", 0, PUB, AUD, PUBT("auditor-public\xff", "$ID", "$PK"), 0, BG_EINVAL },
	{ "overlong UTF-8 in type", 0, PUB, AUD, PUBT("auditor\xc0\xadpublic", "$ID", "$PK"), 0, BG_EINVAL },
	{ "extra member", 0, PUB, AUD, "{\"version\": 1, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\", \"note\": \"x\"}\n", 0, BG_EINVAL },
	{ "missing id", 0, PUB, AUD, "{\"version\": 1, \"type\": \"auditor-public\", \"public\": \"$PK\"}\n", 0, BG_EINVAL },
	{ "public instead of secret", 1, PAIR, HST, PUBT("host-secret", "$ID", "$PK"), 0, BG_EINVAL },
	{ "public and secret", 1, PAIR, HST, "{\"version\": 1, \"type\": \"host-secret\", \"id\": \"$ID\", \"public\": \"$PK\", \"secret\": \"$SK\"}\n", 0, BG_EINVAL },
	{ "duplicate member", 0, PUB, AUD, "{\"version\": 1, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\", \"id\": \"$ID\"}\n", 0, BG_EINVAL },
	{ "version 2", 0, PUB, AUD, "{\"version\": 2, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\"}\n", 0, BG_EINVAL },
	{ "version as a string", 0, PUB, AUD, "{\"version\": \"1\", \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\"}\n", 0, BG_EINVAL },
	{ "version 1.0", 0, PUB, AUD, "{\"version\": 1.0, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\"}\n", 0, BG_EINVAL },
	{ "unknown type", 0, PUB, AUD, PUBT("auditor", "$ID", "$PK"), 0, BG_EINVAL },
	{ "auditor public loaded as host", 0, PUB, HST, PUBT("auditor-public", "$ID", "$PK"), 0, BG_EINVAL },
	{ "auditor secret loaded as host", 0, PAIR, HST, SECT("auditor-secret", "$ID", "$SK"), 0, BG_EINVAL },
	{ "host secret loaded as auditor", 1, PAIR, AUD, SECT("host-secret", "$ID", "$SK"), 0, BG_EINVAL },
	{ "public file (0600) loaded as secret", 0, PAIR, AUD, PUBT("auditor-public", "$ID", "$PK"), 0600, BG_EINVAL },
	{ "public file (0644) loaded as secret", 0, PAIR, AUD, PUBT("auditor-public", "$ID", "$PK"), 0644, BG_EINVAL },
	{ "host public file (0644) loaded as secret", 1, PAIR, HST, PUBT("host-public", "$ID", "$PK"), 0644, BG_EINVAL },
	{ "not JSON, 0644, loaded as secret", 0, PAIR, AUD, "{not json}\n", 0644, BG_EUNSAFE },
	{ "auditor public (0644) loaded as host secret", 0, PAIR, HST, PUBT("auditor-public", "$ID", "$PK"), 0644, BG_EUNSAFE },
	{ "secret file loaded as public", 1, PUB, HST, SECT("host-secret", "$ID", "$SK"), 0600, BG_EINVAL },
	{ "upper-case hex key", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$UPK"), 0, BG_EINVAL },
	{ "upper-case hex id", 1, PUB, HST, PUBT("host-public", "$UID", "$PK"), 0, BG_EINVAL },
	{ "odd-length hex", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$PK0"), 0, BG_EINVAL },
	{ "hex with a space inside", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$SPK"), 0, BG_EINVAL },
	{ "hex with a leading space", 0, PUB, AUD, PUBT("auditor-public", "$ID", " $PK"), 0, BG_EINVAL },
	{ "hex with a non-hex letter", 0, PUB, AUD, PUBT("auditor-public", "$GID", "$PK"), 0, BG_EINVAL },
	{ "key as a number", 0, PUB, AUD, "{\"version\": 1, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": 5}\n", 0, BG_EINVAL },
	{ "public key too short", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$ID"), 0, BG_EINVAL },
	{ "public key too long", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$PK00"), 0, BG_EINVAL },
	{ "host secret of 32 bytes", 1, PAIR, HST, SECT("host-secret", "$ID", "$SEED"), 0, BG_EINVAL },
	{ "auditor secret of 64 bytes", 0, PAIR, AUD, SECT("auditor-secret", "$ID", "$SK$SK"), 0, BG_EINVAL },
	{ "id of another key", 0, PUB, AUD, PUBT("auditor-public", "$XID", "$PK"), 0, BG_EINVAL },
	{ "id of the key as the other type", 0, PUB, AUD, PUBT("auditor-public", "$OID", "$PK"), 0, BG_EINVAL },
	{ "id of another key in a secret file", 0, PAIR, AUD, SECT("auditor-secret", "$XID", "$SK"), 0, BG_EINVAL },
	{ "host secret whose public half is not its seed's", 1, PAIR, HST, SECT("host-secret", "$ID", "$SEED$XPK"), 0, BG_EINVAL },
	{ "small-order auditor key with its id", 0, PUB, AUD, PUBT("auditor-public", "$ZID", "$ZPK"), 0, BG_EINVAL },
	{ "small-order host key with its id", 1, PUB, HST, PUBT("host-public", "$ZID", "$ZPK"), 0, BG_EINVAL },
	{ "huge file", 0, PUB, AUD, "{$BIG\"version\": 1, \"type\": \"auditor-public\", \"id\": \"$ID\", \"public\": \"$PK\"}\n", 0, BG_EINVAL },
	{ "group-writable public file", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$PK"), 0664, BG_EUNSAFE },
	{ "world-writable public file", 1, PUB, HST, PUBT("host-public", "$ID", "$PK"), 0646, BG_EUNSAFE },
	{ "group-writable secret file", 1, PAIR, HST, SECT("host-secret", "$ID", "$SK"), 0620, BG_EUNSAFE },
	{ "group-readable secret file", 1, PAIR, HST, SECT("host-secret", "$ID", "$SK"), 0640, BG_EUNSAFE },
	{ "world-readable secret file", 0, PAIR, AUD, SECT("auditor-secret", "$ID", "$SK"), 0604, BG_EUNSAFE },
	{ "symlink to a public file", 0, PUB, AUD, PUBT("auditor-public", "$ID", "$PK"), 01644, BG_EUNSAFE },
	{ "symlink to a secret file", 1, PAIR, HST, SECT("host-secret", "$ID", "$SK"), 01600, BG_EUNSAFE },
};

/* The value of the token at t into v (its name's length in *used):
 * $ID $PK $SK of the src key, upper-cased ($UID $UPK), with a space ($SPK)
 * or a 'g' ($GID), of the other key ($XID $XPK), the host seed ($SEED),
 * a zero key and its id ($ZPK $ZID), a NUL byte, 5000 blanks ($BIG). */
static size_t token(const struct fixture *f, int src, const char *t, char *v, size_t *used)
{
	const struct material *m = &f->m[src], *x = &f->m[1 - src];
	static const char *const names[] = {
		"$ID", "$PK", "$SK", "$UPK", "$UID", "$SPK", "$GID", "$XID",
		"$XPK", "$SEED", "$ZPK", "$ZID", "$OID", "$NUL", "$BIG",
	};
	unsigned char zero[BG_KEY_PUBLIC_LEN] = { 0 }, id[BG_KEY_ID_LEN];
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(t, names[i], strlen(names[i])) == 0)
			break;
	assert_true(i < sizeof(names) / sizeof(names[0]));
	*used = strlen(names[i]);
	switch (i) {
	case 0: case 4: case 6: memcpy(v, m->id, 33); break;
	case 1: case 3: case 5: memcpy(v, m->pk, 65); break;
	case 2: memcpy(v, m->sk, 129); break;
	case 7: memcpy(v, x->id, 33); break;
	case 8: memcpy(v, x->pk, 65); break;
	case 9: memcpy(v, m->sk, 64); v[64] = '\0'; break;
	case 10: memset(v, '0', 64); v[64] = '\0'; break;
	case 11: case 12:      /* $ZID: own type, zero key; $OID: other type, own key */
		bg_keys_id((src == 0) == (i == 11) ? BG_KEY_AUDITOR : BG_KEY_HOST,
			   i == 11 ? zero : m->k->pub.pk, id);
		bg_keys_id_hex(id, v);
		break;
	case 13: v[0] = '\0'; return 1;
	default: memset(v, ' ', 5000); return 5000;
	}
	n = strlen(v);
	if (i == 3 || i == 4)
		for (size_t j = 0; j < n; j++)
			v[j] = v[j] >= 'a' && v[j] <= 'f' ? (char)(v[j] - 'a' + 'A') : v[j];
	if (i == 5)
		v[10] = ' ';
	if (i == 6)
		v[5] = 'g';
	return n;
}

static size_t expand(const struct fixture *f, int src, const char *t, char *out, size_t cap)
{
	char v[5001];
	size_t n = 0, len, used;

	while (*t != '\0') {
		if (*t == '$') {
			len = token(f, src, t, v, &used);
			t += used;
		} else {
			v[0] = *t++;
			len = 1;
		}
		assert_true(len <= cap - n);
		memcpy(out + n, v, len);
		n += len;
	}
	return n;
}

void test_keyfile_hostile_files(void **state)
{
	struct fixture *f = *state;
	static char text[8192];
	struct bg_keypair *k;
	struct bg_pubkey pub;
	size_t i, n, failed = 0;
	char *path, *target;
	mode_t mode;
	int r;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const struct hostile *h = &hostile[i];

		n = expand(f, h->src, h->text, text, sizeof(text));
		mode = h->mode != 0 ? h->mode & 0777 : h->how == PUB ? 0644 : 0600;
		target = th_write(f->dir, "target", text, n, mode);
		path = path_in(f, "hostile");
		(void)unlink(path);
		/* The sticky bit marks the rows that name the file through a link. */
		if (h->mode & 01000)
			assert_int_equal(symlink(target, path), 0);
		else
			assert_int_equal(rename(target, path), 0);
		k = (void *)1;
		if (h->how == PUB)
			r = bg_keyfile_load_public(path, h->as, geteuid(), &pub);
		else
			r = bg_keyfile_load_pair(path, h->as, geteuid(), &k);
		if (r != h->want) {
			print_error("%s: got %d, want %d\n", h->name, r, h->want);
			failed++;
		} else if (h->how == PAIR && r != BG_OK) {
			assert_null(k);
		} else if (r == BG_OK) {
			const struct bg_pubkey *got = h->how == PUB ? &pub : &k->pub;

			assert_memory_equal(got->pk, f->m[h->src].k->pub.pk, BG_KEY_PUBLIC_LEN);
			assert_memory_equal(got->id, f->m[h->src].k->pub.id, BG_KEY_ID_LEN);
			if (h->how == PAIR)
				bg_keys_free(k);
		}
		free(path);
		free(target);
	}
	assert_true(i >= 25);
	assert_int_equal(failed, 0);
}
