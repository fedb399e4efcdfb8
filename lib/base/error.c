/* Messages for the shared error codes. */
#include "config.h"

#include "breakglass/base/error.h"

const char *bg_strerror(int err)
{
	switch (err) {
	case BG_OK: return "success";
	case BG_ENOMEM: return "out of memory";
	case BG_EINVAL: return "invalid argument";
	case BG_EIO: return "input/output error";
	case BG_ENOENT: return "no such file";
	case BG_EUNSAFE: return "unsafe ownership, permissions or file type";
	case BG_ETOOBIG: return "input too large";
	case BG_ETRUNC: return "output truncated";
	case BG_ECONFIG: return "invalid configuration";
	case BG_ECRYPTO: return "cryptographic operation failed";
	case BG_EAUTH: return "authentication failed";
	case BG_EREPLAY: return "one-time code already used";
	case BG_ELOCKED: return "locked after too many failures";
	case BG_ETIMEOUT: return "timed out";
	case BG_EINTEGRITY: return "integrity check failed";
	case BG_EPRIV: return "cannot switch to the breakglass account's ids";
	case BG_EBUSY: return "another session or process of the user is running";
	}
	return "unknown error";
}
