/* Tests for printing the effective configuration (lib/config/confprint.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "breakglass/config/confprint.h"
#include "helpers.h"

/* The configuration printed: JSON, every key there (the defaults too),
 * no password, token or secret path of a URL. */
static void test_confprint_config_is_json_without_secrets(void **state)
{
	char *dir = th_mkdtemp(), *path, *out = NULL, *key, *tok, *save;
	struct bg_config *c;
	size_t outlen = 0, i;
	json_t *j, *o;
	FILE *fp;

	(void)state;
	path = th_config(dir, "\"auth\": {\"ticket_check\": {\"url\": "
			 "\"https://bob:hunter2@itsm.example/t/{ticket}?key=s3cr3t\"}},"
			 " \"notify\": {\"webhook_url\": \"https://chat.example/hooks/T0K3N\"}");
	c = th_config_load(path);
	assert_non_null(fp = open_memstream(&out, &outlen));
	assert_int_equal(bg_confprint_config(c, fp), BG_OK);
	assert_int_equal(fclose(fp), 0);
	assert_null(strstr(out, "hunter2"));
	assert_null(strstr(out, "s3cr3t"));
	assert_null(strstr(out, "T0K3N"));
	assert_int_equal(out[outlen - 1], '\n');
	assert_non_null(j = json_loads(out, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
			 json_object_get(j, "auth"), "lockout"), "max_failures")), 5);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
			    j, "paths"), "host_key")), c->paths.host_key);
	/* every key of the table, at its place */
	for (i = 0; i < bg_confschema_len; i++) {
		assert_non_null(key = strdup(bg_confschema[i].path));
		o = j;
		for (tok = strtok_r(key, ".", &save); tok != NULL && o != NULL;
		     tok = strtok_r(NULL, ".", &save))
			o = json_object_get(o, tok);
		if (o == NULL)
			fail_msg("%s is not printed", bg_confschema[i].path);
		free(key);
	}
	json_decref(j);
	free(out);
	bg_config_free(c);
	th_rmtree(dir);
	free(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confprint_config_is_json_without_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
