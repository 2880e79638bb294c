#ifndef SPIDER_CNETLINK_SHIM_H
#define SPIDER_CNETLINK_SHIM_H
// The kernel's netlink headers, and prefixed functions for the macros and _GNU_SOURCE
// declarations that Swift cannot import. Nothing else lives in C: all logic is Swift.
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/fib_rules.h>
#include <linux/veth.h>
// Packet sockets (struct sockaddr_ll, PACKET_*) and the Ethernet protocol numbers, for the
// coordinator's ARP and neighbour discovery probes.
#include <linux/if_packet.h>
#include <linux/if_ether.h>
/// NLMSG_ALIGN(len).
uint32_t spider_nlmsg_align(uint32_t len);
/// RTA_ALIGN(len).
uint32_t spider_rta_align(uint32_t len);
/// setns(fd, CLONE_NEWNET): glibc declares setns only with _GNU_SOURCE.
int spider_setns_net(int fd);
/// NLMSG_HDRLEN.
uint32_t spider_nlmsg_hdrlen(void);

// Process and file system calls glibc declares only with _GNU_SOURCE (or in headers Swift's
// Glibc module leaves out), for the helper runner and namespace identity in SpiderNetlink.
#include <spawn.h>
/// pipe2(fds, O_CLOEXEC).
int spider_pipe_cloexec(int fds[2]);
/// posix_spawn_file_actions_addclosefrom_np(actions, from): the child keeps no descriptor >= from.
int spider_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
/// 1 when statfs(path) reports NSFS_MAGIC (a namespace file), 0 when not, -1 with errno on failure.
int spider_is_nsfs(const char *path);

#endif
