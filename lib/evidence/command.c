/* The command line of a non-interactive session: kept as the bytes given
 * (capped, the cut marked), written as JSON for the transcript and the
 * manifest and read back, and escaped for the log. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "breakglass/base/input.h"
#include "breakglass/base/text.h"
#include "breakglass/evidence/command.h"

/* Integers beyond 2^53 do not survive every JSON reader. */
#define CMD_INT_MAX (((json_int_t)1 << 53) - 1)
/* What a log line shows of one command: two, escaped, fit in one line. */
#define DESCRIBE_MAX 128
_Static_assert(BG_COMMAND_SOURCES * (4 * DESCRIBE_MAX + 8 + 64) <= BG_COMMAND_DESCRIBE_LEN,
	       "a log line has room for every command");

static const char *const source_names[] = {
	[BG_COMMAND_ARG] = "-c", [BG_COMMAND_SSH] = "SSH_ORIGINAL_COMMAND",
};

int bg_command_set(struct bg_command *c, enum bg_command_source source, const char *s)
{
	size_t full = strlen(s), n = full;

	if (n > BG_COMMAND_MAX) {
		n = BG_COMMAND_MAX;
		/* Not inside a character: what is kept stays text if the rest was. */
		while (n > BG_COMMAND_MAX - 3 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	*c = (struct bg_command){ .source = source, .len = n, .length = full };
	if ((c->bytes = malloc(n + 1)) == NULL)
		return BG_ENOMEM;
	memcpy(c->bytes, s, n);
	c->bytes[n] = '\0';
	return BG_OK;
}

void bg_command_free(struct bg_command *c, size_t n)
{
	size_t i;

	for (i = 0; c != NULL && i < n; i++)
		free(c[i].bytes);
	free(c);
}

const char *bg_command_problem(const struct bg_command *c, size_t n)
{
	size_t i;

	if (n == 0 || n > BG_COMMAND_SOURCES || c == NULL)
		return "command is not 1 or 2 commands";
	if (n == 2 && (c[0].source != BG_COMMAND_ARG || c[1].source != BG_COMMAND_SSH))
		return "command: two commands are -c, then SSH_ORIGINAL_COMMAND";
	for (i = 0; i < n; i++) {
		if ((unsigned)c[i].source >= BG_COMMAND_SOURCES || c[i].bytes == NULL)
			return "command: unknown source";
		if (c[i].len > BG_COMMAND_MAX || c[i].len > c[i].length ||
		    c[i].length > (uint64_t)CMD_INT_MAX)
			return "command: more bytes than the cap or its length";
		/* An argument or environment value cannot hold one. */
		if (memchr(c[i].bytes, '\0', c[i].len) != NULL || c[i].bytes[c[i].len] != '\0')
			return "command holds a NUL";
	}
	return NULL;
}

/* UTF-8 as text (JSON escapes its control characters), anything else as
 * hex: either way the exact bytes. */
static json_t *one_json(const struct bg_command *c)
{
	bool text = bg_input_utf8_valid(c->bytes, c->len);
	char *h = NULL;
	json_t *o;

	if (!text && (h = malloc(2 * c->len + 1)) == NULL)
		return NULL;
	if (h != NULL)
		sodium_bin2hex(h, 2 * c->len + 1, (const unsigned char *)c->bytes, c->len);
	o = json_pack("{s:s, s:s%, s:I, s:b}", "source", source_names[c->source],
		      text ? "text" : "hex", text ? c->bytes : h, text ? c->len : 2 * c->len,
		      "length", (json_int_t)c->length, "truncated", c->len < c->length);
	free(h);
	return o;
}

json_t *bg_command_json(const struct bg_command *c, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, one_json(&c[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

static bool source_get(const char *s, enum bg_command_source *out)
{
	if (strcmp(s, source_names[BG_COMMAND_ARG]) == 0)
		*out = BG_COMMAND_ARG;
	else if (strcmp(s, source_names[BG_COMMAND_SSH]) == 0)
		*out = BG_COMMAND_SSH;
	else
		return false;
	return true;
}

/* One object into c; jansson has refused "\u0000" and invalid UTF-8. */
static const char *one_get(const json_t *o, struct bg_command *c)
{
	const char *source, *text = NULL, *h = NULL;
	json_int_t length;
	int cut;
	size_t n;

	if (json_unpack((json_t *)o, "{s:s, s?s, s?s, s:I, s:b !}", "source", &source,
			"text", &text, "hex", &h, "length", &length, "truncated", &cut) != 0 ||
	    (text == NULL) == (h == NULL))
		return "command: not exactly source, text or hex, length and truncated";
	if (!source_get(source, &c->source))
		return "command: source is neither -c nor SSH_ORIGINAL_COMMAND";
	n = text != NULL ? json_string_length(json_object_get(o, "text")) : strlen(h) / 2;
	if (length < 0 || (uint64_t)length < n || (length > (json_int_t)n) != (cut != 0))
		return "command: length and truncated do not match what is kept";
	if (n > BG_COMMAND_MAX)
		return "command: longer than 65536 bytes";
	c->length = (uint64_t)length;
	if ((c->bytes = malloc(n + 1)) == NULL)
		return "out of memory";
	c->len = n;
	c->bytes[n] = '\0';
	if (text != NULL)
		memcpy(c->bytes, text, n);
	else if (strlen(h) != 2 * n || strspn(h, "0123456789abcdef") != 2 * n ||
		 sodium_hex2bin((unsigned char *)c->bytes, n, h, 2 * n, NULL, NULL, NULL) != 0)
		return "command: hex is not lowercase hex";
	/* One way to write given bytes: the writer's. */
	else if (bg_input_utf8_valid(c->bytes, n))
		return "command: hex of UTF-8, which is written as text";
	return NULL;
}

const char *bg_command_from_json(const json_t *a, struct bg_command **out, size_t *n)
{
	struct bg_command *c;
	const char *bad = NULL;
	size_t i, k = json_array_size(a);

	*out = NULL;
	*n = 0;
	if (!json_is_array(a) || k == 0 || k > BG_COMMAND_SOURCES)
		return "command is not an array of 1 or 2 commands";
	if ((c = calloc(k, sizeof(*c))) == NULL)
		return "out of memory";
	for (i = 0; i < k && bad == NULL; i++)
		bad = one_get(json_array_get(a, i), &c[i]);
	if (bad == NULL)
		bad = bg_command_problem(c, k);
	if (bad != NULL) {
		bg_command_free(c, k);
		return bad;
	}
	*out = c;
	*n = k;
	return NULL;
}

int bg_command_meta(const struct bg_command *c, size_t n, char **out)
{
	json_t *o;

	*out = NULL;
	if (bg_command_problem(c, n) != NULL)
		return BG_EINVAL;
	/* "o" takes the array even when packing fails. */
	if ((o = json_pack("{s:o}", "command", bg_command_json(c, n))) == NULL)
		return BG_ENOMEM;
	*out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return *out != NULL ? BG_OK : BG_ENOMEM;
}

void bg_command_describe(const struct bg_command *c, size_t n, char *out, size_t outlen)
{
	char q[4 * DESCRIBE_MAX + 8];
	size_t i, o = 0;
	int k;

	if (outlen == 0)
		return;
	(void)!snprintf(out, outlen, "%s", n == 0 ? "-" : "");
	for (i = 0; i < n && o < outlen; i++) {
		bg_text_quote(c[i].bytes, DESCRIBE_MAX, q, sizeof(q));
		k = snprintf(out + o, outlen - o, "%s%s \"%s\" (%llu bytes%s)", i > 0 ? ", " : "",
			     source_names[c[i].source], q, (unsigned long long)c[i].length,
			     c[i].len < c[i].length ? ", truncated" : "");
		if (k < 0)
			return;
		o += (size_t)k;
	}
}
