/* Checking the audit log's hash chain, line by line. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "breakglass/audit/auditlog.h"
#include "breakglass/audit/auditverify.h"
#include "breakglass/base/buf.h"

/* Verify accepts longer lines than append writes, up to this. */
#define VERIFY_LINE_MAX (1024 * 1024)

/* The next line, its newline dropped, into buf[cap] (a line may hold NUL
 * bytes, so its length is where the file position went): 1, or 0 at the
 * end, or BG_EINTEGRITY with *why, or BG_EIO. */
static int next_line(FILE *fp, char *buf, size_t cap, size_t *n,
		     const char **why)
{
	off_t at = ftello(fp);

	if (fgets(buf, (int)cap, fp) == NULL)
		return ferror(fp) || at < 0 ? BG_EIO : 0;
	if (ftello(fp) <= at)
		return BG_EIO;
	*n = (size_t)(ftello(fp) - at);
	if (buf[*n - 1] == '\n') {
		(*n)--;
		return 1;
	}
	*why = feof(fp) ? "missing final newline" : "line too long";
	return BG_EINTEGRITY;
}

/* On BG_EINTEGRITY, *lines counts the intact lines before *bad_line. */
int bg_auditverify_run(const char *path, size_t *lines, size_t *bad_line,
		       char *why, size_t whylen)
{
	char hash[BG_AUDITLOG_HEX_LEN + 1], prev[BG_AUDITLOG_HEX_LEN + 1];
	char lprev[BG_AUDITLOG_HEX_LEN + 1];
	const size_t cap = VERIFY_LINE_MAX + 2;   /* line, newline, NUL */
	const char *bad = NULL;
	char msg[64], *buf = NULL;
	size_t n, count = 0;
	FILE *fp = NULL;
	struct stat st;
	int fd, r = BG_EIO;

	*lines = 0;
	*bad_line = 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (sodium_init() < 0)
		return BG_ECRYPTO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return errno == ENOENT ? BG_ENOENT : BG_EIO;
	/* A shared lock: no append is half-way through while we read. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    bg_auditlog_lock(fd, LOCK_SH) != BG_OK || (buf = malloc(cap)) == NULL ||
	    (fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		goto out;
	}
	memcpy(prev, BG_AUDITLOG_ZERO_HASH, sizeof(BG_AUDITLOG_ZERO_HASH));
	while (bad == NULL && (r = next_line(fp, buf, cap, &n, &bad)) == 1) {
		count++;
		if ((bad = bg_auditlog_check(buf, n, hash, lprev)) == NULL &&
		    strcmp(lprev, prev) != 0)
			bad = count == 1 ? "prev of the first line is not zeros" :
			      bg_snprintf(msg, sizeof(msg), "prev does not match line %zu",
					  count - 1) == BG_OK ? msg : "prev does not match";
		if (bad == NULL)
			memcpy(prev, hash, sizeof(hash));
	}
	if (bad != NULL) {
		*bad_line = r == 1 ? count : count + 1;
		*lines = *bad_line - 1;
		/* A reason cut to whylen still says what went wrong. */
		if (why != NULL && whylen > 0 && bg_strlcpy(why, bad, whylen) != BG_OK)
			why[whylen - 1] = '\0';
		r = BG_EINTEGRITY;
	} else if (r == 0) {
		*lines = count;
	}
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return r;
}
