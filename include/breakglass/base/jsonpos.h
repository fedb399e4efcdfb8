/* Finding where a member or element of a JSON document sits (line and
 * column), so that errors found after parsing can point into the file. */
#ifndef BREAKGLASS_JSONPOS_H
#define BREAKGLASS_JSONPOS_H

#include <stddef.h>

#include "breakglass/base/error.h"

/* One step of a path: an object member by key, or (key NULL) an element
 * of an array by index. */
struct bg_jsonpos_step {
	const char *key;
	size_t index;
};

/* In the well-formed JSON text[len], the 1-based line and column (counted
 * in UTF-8 characters) where the member's key, or the element, begins.
 * BG_ENOENT if the path is not there, BG_EINVAL if the text is not JSON. */
BG_WUR int bg_jsonpos_find(const char *text, size_t len,
			   const struct bg_jsonpos_step *path, size_t depth,
			   unsigned *line, unsigned *col);

#endif
