/* breakglass-replay's quoting of the paths it prints. */
#include "config.h"

#include "breakglass/base/text.h"
#include "quote.h"

void replay_quote(const char *path, char *out, size_t outlen)
{
	bg_text_quote(path, 1024, out, outlen);
}
