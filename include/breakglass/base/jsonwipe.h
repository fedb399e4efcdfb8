/* Secrets that pass through jansson (a key file parsed, a user record
 * built) leave copies in blocks jansson frees: its lexer's buffer, string
 * values.  Between begin and end, every block jansson frees is wiped
 * first. */
#ifndef BREAKGLASS_JSONWIPE_H
#define BREAKGLASS_JSONWIPE_H

/* jansson's allocator is global: the functions in place at begin stay
 * in use, with the wipe put in front of the free when the malloc is
 * malloc (jansson's default); end puts them back.
 * Every json_t made in between must be freed before end.  Pairs may
 * nest; not for threads that use jansson at the same time. */
void bg_jsonwipe_begin(void);
void bg_jsonwipe_end(void);

#endif
