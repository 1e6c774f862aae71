#ifndef GATEHOUSE_CSYSTEMSHIMS_H
#define GATEHOUSE_CSYSTEMSHIMS_H
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/prctl.h>

// glibc declares posix_spawn_file_actions_addclosefrom_np only under _GNU_SOURCE, which
// Swift's Glibc module does not define; this forwards to it.
int gh_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);

// prctl is variadic, which Swift cannot call: PR_SET_PDEATHSIG with one signal.
int gh_set_parent_death_signal(int signal);

#endif
