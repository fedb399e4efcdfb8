/* breakglass-replay's quoting of the paths it prints (quote.c). */
#ifndef BREAKGLASS_REPLAY_QUOTE_H
#define BREAKGLASS_REPLAY_QUOTE_H

#include <stddef.h>

/* A session path made safe to print: control bytes escaped, cut short. */
void replay_quote(const char *path, char *out, size_t outlen);

#endif
