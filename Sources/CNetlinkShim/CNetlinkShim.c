#define _GNU_SOURCE
#include <sched.h>
#include <fcntl.h>
#include <unistd.h>
#include <spawn.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "CNetlinkShim.h"
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

uint32_t spider_nlmsg_align(uint32_t len) { return NLMSG_ALIGN(len); }
uint32_t spider_rta_align(uint32_t len) { return RTA_ALIGN(len); }
uint32_t spider_nlmsg_hdrlen(void) { return NLMSG_HDRLEN; }
int spider_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }
int spider_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
int spider_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
int spider_is_nsfs(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    return info.f_type == NSFS_MAGIC ? 1 : 0;
}
