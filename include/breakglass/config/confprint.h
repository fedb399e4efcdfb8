/* The effective configuration printed back as JSON (breakglassctl
 * check-config), what may be secret in URLs redacted. */
#ifndef BREAKGLASS_CONFPRINT_H
#define BREAKGLASS_CONFPRINT_H

#include <stdio.h>

#include <jansson.h>

#include "breakglass/base/error.h"
#include "breakglass/config/conf.h"
#include "breakglass/config/confschema.h"

/* The value of f in cfg as JSON (URLs redacted); NULL on ENOMEM. */
json_t *bg_confprint_value(const struct bg_conffield *f, const struct bg_config *cfg);
/* Every key of cfg as one JSON object, indented, onto fp. */
BG_WUR int bg_confprint_config(const struct bg_config *cfg, FILE *fp);

#endif
