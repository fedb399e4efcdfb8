/* Writes a session with escrowed input for tests/cli/replay_cli.sh: test
 * keys (host, auditor, escrow, other) and one complete session in which
 * "hunter2\r" and "id\r" were typed blind, escrowed to the escrow key only.
 *
 * usage: mkescrow OUTDIR   (OUTDIR must not exist) */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "breakglass/evidence/escrow.h"
#include "breakglass/evidence/keyfile.h"
#include "breakglass/evidence/keys.h"
#include "breakglass/evidence/manifest.h"
#include "breakglass/evidence/recwriter.h"

#define SESSION "e5c20000000000000000000000000001"

static void check(int rc, const char *what)
{
	if (rc != BG_OK) {
		fprintf(stderr, "mkescrow: %s: %s\n", what, bg_strerror(rc));
		exit(1);
	}
}

static void path(char *p, size_t cap, const char *a, const char *b)
{
	if ((size_t)snprintf(p, cap, "%s/%s", a, b) >= cap)
		check(BG_ETOOBIG, "path");
}

static struct bg_keypair *key(const char *dir, const char *name, enum bg_key_type type)
{
	char secret[4096], public[4096], base[64];
	struct bg_keypair *k;

	(void)!snprintf(base, sizeof(base), "%s.key", name);
	path(secret, sizeof(secret), dir, base);
	(void)!snprintf(base, sizeof(base), "%s.pub", name);
	path(public, sizeof(public), dir, base);
	check(bg_keys_generate(type, &k), "generate key");
	check(bg_keyfile_save(k, secret, public, (gid_t)-1), "save key");
	return k;
}

static void session(const char *dir, const struct bg_keypair *host, const struct bg_pubkey *aud,
		    const struct bg_pubkey *esc)
{
	static const char grant[] = "{\"grant\":{\"session\":\"" SESSION "\",\"user\":\"dave\"}}";
	static char host_name[] = "bastion-test.example", user[] = "dave", ticket[] = "INC-9",
		start[] = "2026-12-07T23:00:00Z", end[] = "2026-12-07T23:01:00Z";
	struct bg_manifest m = { .host = host_name, .user = user, .ticket = ticket,
				 .start = start, .end = end, .complete = true };
	unsigned char sid[16];
	struct bg_recwriter_opts wo = { .session = sid, .host = host, .auditors = aud,
					.n_auditors = 1, .batch_bytes = 4096, .zstd_level = 1 };
	struct bg_recwriter *w;
	struct bg_escrow *e;
	char sdir[4096];

	check(sodium_hex2bin(sid, 16, SESSION, 32, NULL, NULL, NULL) == 0 ? BG_OK : BG_EINVAL,
	      "session id");
	path(sdir, sizeof(sdir), dir, SESSION);
	wo.dir = sdir;
	check(bg_recwriter_open(&wo, &w), "open writer");
	check(bg_escrow_sealer(sid, esc, 1, aud, 1, &e), "escrow");
	check(bg_recwriter_event(w, BG_EV_META, 0, grant, sizeof(grant) - 1), "grant");
	check(bg_recwriter_event(w, BG_EV_OUT, 10, "[sudo] password: ", 17), "out");
	check(bg_escrow_redacted(e, w, 20, "hunter2\r", 8), "redacted");
	check(bg_recwriter_event(w, BG_EV_IN, 30, "ls\r", 3), "in");
	check(bg_recwriter_event(w, BG_EV_OUT, 40, "$ ", 2), "out");
	check(bg_escrow_redacted(e, w, 50, "id\r", 3), "redacted");
	check(bg_recwriter_finish(w), "finish");
	memcpy(m.session, sid, 16);
	memcpy(m.host_key_id, host->pub.id, BG_KEY_ID_LEN);
	memcpy(m.host_public, host->pub.pk, BG_KEY_PUBLIC_LEN);
	m.segments = (struct bg_segment_info *)bg_recwriter_closed(w, &m.n_segments);
	check(bg_manifest_write(sdir, &m, host), "manifest");
	bg_escrow_free(e);
	bg_recwriter_free(w);
}

int main(int argc, char **argv)
{
	struct bg_keypair *host, *aud, *esc, *other;

	if (argc != 2) {
		fputs("usage: mkescrow OUTDIR\n", stderr);
		return 1;
	}
	if (sodium_init() < 0)
		check(BG_ECRYPTO, "libsodium");
	if (mkdir(argv[1], 0755) != 0) {
		fprintf(stderr, "mkescrow: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	host = key(argv[1], "host", BG_KEY_HOST);
	aud = key(argv[1], "auditor", BG_KEY_AUDITOR);
	esc = key(argv[1], "escrow", BG_KEY_AUDITOR);
	other = key(argv[1], "other", BG_KEY_AUDITOR);
	session(argv[1], host, &aud->pub, &esc->pub);
	bg_keys_free(host);
	bg_keys_free(aud);
	bg_keys_free(esc);
	bg_keys_free(other);
	return 0;
}
