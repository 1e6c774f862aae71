#ifndef GATEHOUSE_CSYSTEMD_SHIM_H
#define GATEHOUSE_CSYSTEMD_SHIM_H
// Only sd-daemon: the supervisor's notify, watchdog and socket-activation calls. The variadic
// sd_notifyf/sd_pid_notifyf do not import into Swift; messages are formatted in Swift and sent
// with sd_notify.
#include <systemd/sd-daemon.h>
#endif
