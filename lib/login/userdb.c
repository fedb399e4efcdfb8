/* Enrollment records (users_dir/USER.json): a strict reader and an atomic
 * writer of the TOTP key and the recovery code hashes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/buf.h"
#include "breakglass/base/jsonwipe.h"
#include "breakglass/base/log.h"
#include "breakglass/login/recovery.h"
#include "breakglass/base/safefile.h"
#include "breakglass/base/text.h"
#include "breakglass/login/totp.h"
#include "breakglass/login/userdb.h"

/* A record is well under 2 KiB; anything near this limit is not ours. */
#define USERDB_MAX_BYTES (64 * 1024)
#define USERDB_VERSION 1
#define KEY_B32_LEN 32          /* 20 bytes, 160 bits: no padding needed */

static const char b32_upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char no_memory[] = "out of memory";

static bool name_ok(const char *user)
{
	/* One file per person: groups ("%x") have no record. */
	return user != NULL && bg_text_name_problem(user) == NULL && user[0] != '%';
}

int bg_userdb_path(const struct bg_config *cfg, const char *user, char *out,
		   size_t outlen)
{
	if (outlen > 0)
		out[0] = '\0';
	if (cfg == NULL || cfg->paths.users_dir == NULL || !name_ok(user))
		return BG_EINVAL;
	return bg_snprintf(out, outlen, "%s/%s.json", cfg->paths.users_dir, user);
}

void bg_userdb_free(struct bg_user *u)
{
	if (u == NULL)
		return;
	bg_secret_free(u->key);
	bg_recovery_hashes_free(u->recovery);
	sodium_memzero(u, sizeof(*u));
	free(u);
}

static int user_alloc(const char *user, struct bg_user **out)
{
	struct bg_user *u;
	int r;

	*out = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return BG_ENOMEM;
	if ((r = bg_strlcpy(u->name, user, sizeof(u->name))) != BG_OK ||
	    (r = bg_secret_new(BG_TOTP_SECRET_BYTES, &u->key)) != BG_OK) {
		bg_userdb_free(u);
		return r;
	}
	*out = u;
	return BG_OK;
}

static void format_time(time_t t, char out[BG_TEXT_UTC_LEN])
{
	if (bg_text_utc(t, out) != BG_OK)
		memcpy(out, "invalid", 8);
}

static int digits_at(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* "YYYY-MM-DDTHH:MM:SSZ" only; printing it back must give the same text,
 * which refuses the 30th of February and hour 24. */
static bool parse_time(const char *s, time_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm = { 0 };
	char back[32];
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return false;
	tm.tm_year = digits_at(s, 4) - 1900;
	tm.tm_mon = digits_at(s + 5, 2) - 1;
	tm.tm_mday = digits_at(s + 8, 2);
	tm.tm_hour = digits_at(s + 11, 2);
	tm.tm_min = digits_at(s + 14, 2);
	tm.tm_sec = digits_at(s + 17, 2);
	*out = timegm(&tm);
	format_time(*out, back);
	return strcmp(back, s) == 0;
}

/* Exactly KEY_B32_LEN upper-case RFC 4648 letters into key: a record we
 * wrote has no padding, spaces or lower case, so those mean tampering. */
static bool decode_key(const char *s, size_t n, struct bg_secret *key)
{
	unsigned char raw[BG_TOTP_SECRET_BYTES];
	unsigned acc = 0, bits = 0;
	const char *hit;
	size_t i, o = 0;
	bool ok = n == KEY_B32_LEN;

	for (i = 0; ok && i < n; i++) {
		if (s[i] == '\0' || (hit = strchr(b32_upper, s[i])) == NULL) {
			ok = false;
			break;
		}
		acc = (acc << 5) | (unsigned)(hit - b32_upper);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	ok = ok && o == sizeof(raw) && bg_secret_set(key, raw, o) == BG_OK;
	sodium_memzero(raw, sizeof(raw));
	return ok;
}

static const char *parse_codes(json_t *a, struct bg_user *u)
{
	json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != BG_RECOVERY_CODES)
		return "recovery_codes must be an array of 10 entries";
	json_array_foreach(a, i, v) {
		if (json_is_null(v))
			continue;       /* used */
		if (!json_is_string(v) || !bg_recovery_hash_ok(json_string_value(v)))
			return "a recovery_codes entry is not null or an argon2id hash";
		if ((u->recovery[i] = strdup(json_string_value(v))) == NULL)
			return no_memory;
	}
	return NULL;
}

/* NULL if root is a valid record for user (now in u), else what is wrong. */
static const char *parse_record(json_t *root, const char *user, struct bg_user *u)
{
	json_t *v;

	if (!json_is_object(root))
		return "the top level is not an object";
	/* Five members, and each of the five names is looked up below: so
	 * no unknown key can hide among them. */
	if (json_object_size(root) != 5)
		return "not exactly the keys version, user, created, totp_key, recovery_codes";
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != USERDB_VERSION)
		return "version is not 1";
	v = json_object_get(root, "user");
	if (!json_is_string(v) || strcmp(json_string_value(v), user) != 0)
		return "user does not match the file name";
	v = json_object_get(root, "created");
	if (!json_is_string(v) || !parse_time(json_string_value(v), &u->created))
		return "created is not an RFC 3339 UTC time";
	v = json_object_get(root, "totp_key");
	if (!json_is_string(v) ||
	    !decode_key(json_string_value(v), json_string_length(v), u->key))
		return "totp_key is not 32 base32 letters";
	return parse_codes(json_object_get(root, "recovery_codes"), u);
}

static void log_refusal(const char *path, const char *why)
{
	char q[512];

	bg_text_quote(path, 400, q, sizeof(q));
	bg_log_msg(BG_LOG_WARN, "bg_userdb_load", "%s: %s", q, why);
}

int bg_userdb_load(const struct bg_config *cfg, const char *user,
		   uid_t trusted, struct bg_user **out)
{
	struct bg_safefile_why why;
	char path[PATH_MAX], where[64], *text = NULL;
	const char *bad = NULL;
	struct bg_user *u = NULL;
	json_error_t jerr;
	json_t *root;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = bg_userdb_path(cfg, user, path, sizeof(path))) != BG_OK)
		return r;
	r = bg_safefile_read(path, trusted, USERDB_MAX_BYTES, &text, &len, &why);
	if (r != BG_OK) {
		if (r != BG_ENOENT)
			log_refusal(path, why.text);
		return r == BG_ETOOBIG ? BG_EINVAL : r;
	}
	/* Every block jansson frees from here on may hold the key. */
	bg_jsonwipe_begin();
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	sodium_memzero(text, len);
	free(text);
	if (root == NULL) {
		bg_jsonwipe_end();
		/* jerr.text may quote the bad token (perhaps the key): not logged. */
		if (bg_snprintf(where, sizeof(where), "not JSON (line %d, column %d)",
				jerr.line, jerr.column) != BG_OK)
			where[0] = '\0';
		log_refusal(path, where[0] != '\0' ? where : "not JSON");
		sodium_memzero(&jerr, sizeof(jerr));
		return BG_EINVAL;
	}
	sodium_memzero(&jerr, sizeof(jerr));
	if ((r = user_alloc(user, &u)) == BG_OK && (bad = parse_record(root, user, u)) != NULL)
		r = bad == no_memory ? BG_ENOMEM : BG_EINVAL;
	json_decref(root);
	bg_jsonwipe_end();
	if (r != BG_OK) {
		if (bad != NULL)
			log_refusal(path, bad);
		bg_userdb_free(u);
		return r;
	}
	*out = u;
	return BG_OK;
}

/* The record as JSON text in a secret buffer (it holds the key). */
static int record_text(const struct bg_user *u, struct bg_secret **out, size_t *len)
{
	const size_t flags = JSON_INDENT(2);
	json_t *root, *codes, *key = NULL;
	struct bg_buf b32;
	char created[32];
	size_t i, n = 0;
	int r, bad;

	*out = NULL;
	/* jansson's copies of the key are wiped when they are freed. */
	bg_jsonwipe_begin();
	root = json_object();
	codes = json_array();
	bg_buf_init(&b32, 64);
	format_time(u->created, created);
	r = bg_totp_base32(bg_secret_data(u->key), bg_secret_len(u->key), &b32);
	if (r == BG_OK)
		key = json_string(bg_buf_str(&b32));
	bg_buf_free(&b32);
	bad = root == NULL || codes == NULL || key == NULL;
	for (i = 0; i < BG_RECOVERY_CODES; i++)
		bad |= json_array_append_new(codes, u->recovery[i] != NULL ?
					     json_string(u->recovery[i]) : json_null());
	bad |= json_object_set_new(root, "version", json_integer(USERDB_VERSION));
	bad |= json_object_set_new(root, "user", json_string(u->name));
	bad |= json_object_set_new(root, "created", json_string(created));
	bad |= json_object_set_new(root, "totp_key", key);
	bad |= json_object_set_new(root, "recovery_codes", codes);
	if (r == BG_OK && bad)
		r = BG_ENOMEM;
	if (r == BG_OK && ((n = json_dumpb(root, NULL, 0, flags)) == 0 ||
			   (r = bg_secret_new(n + 1, out)) != BG_OK))
		r = r != BG_OK ? r : BG_ENOMEM;
	/* json_dumpb writes straight into our buffer: no heap copy of the key. */
	if (r == BG_OK && json_dumpb(root, (char *)bg_secret_data(*out), n, flags) != n)
		r = BG_ENOMEM;
	if (r == BG_OK) {
		bg_secret_data(*out)[n] = '\n';
		*len = n + 1;
	}
	json_decref(root);
	bg_jsonwipe_end();
	if (r != BG_OK) {
		bg_secret_free(*out);
		*out = NULL;
	}
	return r;
}

/* Make an unlink durable. */
static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = BG_OK;

	if (fd < 0)
		return BG_EIO;
	/* Some file systems cannot sync a directory (EINVAL): nothing lost. */
	if (fsync(fd) != 0 && errno != EINVAL)
		r = BG_EIO;
	close(fd);
	return r;
}

int bg_userdb_save(const struct bg_config *cfg, const struct bg_user *u)
{
	char path[PATH_MAX];
	struct bg_secret *text = NULL;
	size_t len = 0;
	int r;

	if (u == NULL || u->key == NULL || bg_secret_len(u->key) != BG_TOTP_SECRET_BYTES)
		return BG_EINVAL;
	/* users_dir itself is created but not its parents: a missing parent
	 * is a configuration mistake, not something to paper over. */
	if ((r = bg_userdb_path(cfg, u->name, path, sizeof(path))) != BG_OK ||
	    (r = bg_safefile_mkdir(cfg->paths.users_dir, 0700, (gid_t)-1)) != BG_OK ||
	    (r = record_text(u, &text, &len)) != BG_OK)
		return r;
	/* Written straight from the secret buffer: no other copy of the key.
	 * Readers see the old record or the new one, never half of one. */
	r = bg_safefile_write_atomic(path, bg_secret_data(text), len, 0600, (gid_t)-1);
	bg_secret_free(text);
	return r;
}

int bg_userdb_remove(const struct bg_config *cfg, const char *user)
{
	char path[PATH_MAX];
	int r;

	if ((r = bg_userdb_path(cfg, user, path, sizeof(path))) != BG_OK)
		return r;
	if (unlink(path) != 0)
		return errno == ENOENT ? BG_ENOENT : BG_EIO;
	return sync_dir(cfg->paths.users_dir);
}

int bg_userdb_new(const char *user, struct bg_user **out,
		  struct bg_recovery_codes *codes)
{
	unsigned char raw[BG_TOTP_SECRET_BYTES];
	struct bg_user *u;
	int r;

	*out = NULL;
	if (codes != NULL)
		codes->text = NULL;
	if (!name_ok(user) || codes == NULL)
		return BG_EINVAL;
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((r = user_alloc(user, &u)) != BG_OK)
		return r;
	randombytes_buf(raw, sizeof(raw));
	r = bg_secret_set(u->key, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	u->created = time(NULL);
	if (r == BG_OK)
		r = bg_recovery_generate(u->recovery, codes);
	if (r != BG_OK) {
		bg_userdb_free(u);
		return r;
	}
	*out = u;
	return BG_OK;
}
