#ifndef GATEHOUSE_CHIREDIS_SHIM_H
#define GATEHOUSE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>

// Accessors for what Swift cannot reach (or reach portably) in hiredis' structs and macros.
// They keep Common independent of the differences between hiredis 0.14 (Debian 12) and 1.x.

/// The context's error message; `errstr` is a fixed C array that Swift imports as a tuple.
static inline const char *gh_redis_errstr(const redisContext *c) {
    return c->errstr;
}

/// The context's socket, for poll(2) and for shutdown(2) from another thread.
static inline int gh_redis_fd(const redisContext *c) {
    return (int)c->fd;
}

/// hiredis >= 1.1 reports a read timeout as REDIS_ERR_TIMEOUT; older versions as REDIS_ERR_IO
/// with errno EAGAIN. -1 when this hiredis has no such code.
static inline int gh_redis_err_timeout(void) {
#ifdef REDIS_ERR_TIMEOUT
    return REDIS_ERR_TIMEOUT;
#else
    return -1;
#endif
}
#endif
