/* Error codes shared by every breakglass component, and their messages. */
#ifndef BREAKGLASS_ERROR_H
#define BREAKGLASS_ERROR_H

#define BG_WUR __attribute__((warn_unused_result))

/* 0 is success; every failure is one of these negative codes. */
enum bg_error {
	BG_OK = 0,
	BG_ENOMEM = -1,     /* out of memory */
	BG_EINVAL = -2,     /* invalid argument or input */
	BG_EIO = -3,        /* read or write failed */
	BG_ENOENT = -4,     /* file does not exist */
	BG_EUNSAFE = -5,    /* owner, mode or file type not trusted */
	BG_ETOOBIG = -6,    /* input larger than its limit */
	BG_ETRUNC = -7,     /* output would not fit */
	BG_ECONFIG = -8,    /* configuration invalid */
	BG_ECRYPTO = -9,    /* cryptographic library failure */
	BG_EAUTH = -10,     /* wrong answer (code, ticket, approver) */
	BG_EREPLAY = -11,   /* a one-time code was already used */
	BG_ELOCKED = -12,   /* too many failures: locked for a while */
	BG_ETIMEOUT = -13,  /* no answer in time */
	BG_EINTEGRITY = -14, /* evidence altered, reordered or cut */
	BG_EPRIV = -15,     /* the setuid recorder could not switch ids */
	BG_EBUSY = -16,     /* the user has another session or process running */
};

/* A static, never NULL, message for a code (unknown codes included). */
const char *bg_strerror(int err);

#endif
