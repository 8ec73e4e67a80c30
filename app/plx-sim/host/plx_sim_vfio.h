/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_VFIO_H
#define PLX_SIM_VFIO_H

/*
 * The emulated vfio files, as the stand-ins (plx_sim_libc.c) reach them:
 * the table of emulated fds, and the container and groups of
 * plx_sim_vfio.c. The device fds are plx_sim_vfio_pci.c's.
 */

#include "plx_sim_host_priv.h"
#include "plx_sim_vfio_pci.h"

#define SIM_FD_MAX		65536

enum sim_file_kind {
	SIM_FILE_CONTAINER = 1,
	SIM_FILE_GROUP,
	SIM_FILE_DEVICE,
	SIM_FILE_CONFIG,	/* a function's config file in the tree (uio) */
};

struct sim_container;
struct sim_group;

struct sim_file {
	enum sim_file_kind kind;
	union {
		struct sim_container *container;
		struct sim_group *group;
		struct sim_device *device;
		unsigned int fn;	/* SIM_FILE_CONFIG */
	};
};

/* Indexed by fd; read without the lock on every close, ioctl, mmap. */
PLX_SIM_INTERNAL extern struct sim_file *_Atomic sim_files[SIM_FD_MAX];

static inline struct sim_file *
sim_file(int fd)
{
	if ((unsigned int)fd >= SIM_FD_MAX)
		return NULL;
	return plx_sim_load(&sim_files[fd], memory_order_acquire);
}

static inline struct sim_device *
sim_device_of(int fd)
{
	struct sim_file *f = sim_file(fd);

	return f != NULL && f->kind == SIM_FILE_DEVICE ? f->device : NULL;
}

/* The function whose sysfs config file fd is, or -1. */
static inline int
sim_config_fn(int fd)
{
	struct sim_file *f = sim_file(fd);

	return f != NULL && f->kind == SIM_FILE_CONFIG ? (int)f->fn : -1;
}

/* plx_sim_vfio.c: /dev/vfio/vfio and /dev/vfio/<group>; fd or -1, errno */
PLX_SIM_INTERNAL int sim_open_container(const char *tree_path, int flags);
PLX_SIM_INTERNAL int sim_open_group(const char *tree_path, int flags,
		unsigned int fn);
/* fd, just opened, is function fn's config file: 0 or a negative errno. */
PLX_SIM_INTERNAL int sim_config_file_add(int fd, unsigned int fn);
/* Before libc closes fd: forget the emulated file. */
PLX_SIM_INTERNAL void sim_file_close(int fd);
/* An ioctl on an emulated file: its result or a negative errno. */
PLX_SIM_INTERNAL int sim_file_ioctl(int fd, unsigned long req, void *arg);

#endif /* PLX_SIM_VFIO_H */
