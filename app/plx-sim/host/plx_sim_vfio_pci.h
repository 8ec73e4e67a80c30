/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_VFIO_PCI_H
#define PLX_SIM_VFIO_PCI_H

/*
 * The emulated vfio-pci device fd of a function (plx_sim_vfio_pci.c), as
 * the group that opens it (plx_sim_vfio.c) and the stand-ins reach it.
 */

#include <stddef.h>
#include <sys/types.h>

#include "plx_sim_host_priv.h"

struct sim_group;

struct sim_device {
	unsigned int fn;
	struct sim_group *group;
	int cfg_fd;		/* the tree's config file */
	int req_fd;		/* our reference to DPDK's REQ eventfd */
};

/* A device ioctl: its result or a negative errno. */
PLX_SIM_INTERNAL int sim_device_ioctl(struct sim_device *d,
		unsigned long req, void *arg);
/* The REQ eventfd of a device (-1: none); an older one is closed. */
PLX_SIM_INTERNAL void sim_device_set_req(struct sim_device *d, int fd);
/* -1 and errno on error, as pread and pwrite. */
PLX_SIM_INTERNAL ssize_t sim_pread(struct sim_device *d, void *buf,
		size_t len, off_t off);
PLX_SIM_INTERNAL ssize_t sim_pwrite(struct sim_device *d, const void *buf,
		size_t len, off_t off);
/* MAP_FAILED and errno on error, as mmap. */
PLX_SIM_INTERNAL void *sim_mmap(struct sim_device *d, void *addr,
		size_t len, int prot, int flags, off_t off);

#endif /* PLX_SIM_VFIO_PCI_H */
