/* Tests for replay/spans.c: which redacted spans breakglass-replay flags
 * (stty -echo used to hide commands), from their meta events. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "spans.h"

/* The text for the spans whose meta events are metas[0..n). */
static void text_of(const char *const *metas, size_t n, char *out, size_t cap)
{
	struct replay_spans s;
	struct bg_event ev;
	size_t i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = BG_EV_META;
		ev.data = (const unsigned char *)metas[i];
		ev.len = strlen(metas[i]);
		replay_spans_note(&s, &ev);
	}
	replay_spans_text(&s, out, cap);
}

static void test_spans_flagged(void **state)
{
	static const struct {
		const char *metas[3];
		size_t n;
		const char *want;
	} cases[] = {
		/* a password: nothing to say */
		{ { "{\"redaction\":{\"bytes\":8,\"lines\":1}}" }, 1, "" },
		/* not a span: other meta events are not counted */
		{ { "{\"grant\":{\"user\":\"a\"}}", "{\"redaction\":{\"bytes\":-1,\"lines\":9}}" },
		  2, "" },
		/* three lines typed blind */
		{ { "{\"redaction\":{\"bytes\":29,\"lines\":3}}" }, 1,
		  "; redacted input spans 3 lines" },
		/* one long line: more than a password takes */
		{ { "{\"redaction\":{\"bytes\":300,\"lines\":1}}" }, 1,
		  "; redacted input holds 300 bytes in 1 spans" },
		/* one line at a time, after fake prompts: too much in all */
		{ { "{\"redaction\":{\"bytes\":200,\"lines\":1}}",
		    "{\"redaction\":{\"bytes\":250,\"lines\":1}}",
		    "{\"redaction\":{\"bytes\":600,\"lines\":1}}" }, 3,
		  "; redacted input holds 1050 bytes in 3 spans" },
		/* both */
		{ { "{\"redaction\":{\"bytes\":400,\"lines\":2}}" }, 1,
		  "; redacted input spans 2 lines; redacted input holds 400 bytes in 1 spans" },
	};
	char out[192];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text_of(cases[i].metas, cases[i].n, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans_flagged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
