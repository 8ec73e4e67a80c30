/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The emulated vfio character devices: the container (/dev/vfio/vfio),
 * whose type 1 IOMMU is the model's, and one group per function
 * (/dev/vfio/<group>), which hands out the function's device fd
 * (plx_sim_vfio_pci.c). The stand-ins (plx_sim_libc.c) find them in a
 * table indexed by fd.
 *
 * The switch itself is made on the first open of a group or of a uio
 * device, so that processes that never touch it (shells inheriting the
 * preload) never start the engine thread.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "plx_sim_real.h"
#include "plx_sim_vfio.h"

struct sim_dma_map {
	uint64_t iova;
	uint64_t len;
	uint64_t vaddr;
};

struct sim_container {
	unsigned int refs;	/* its fd and each group set to it */
	unsigned int nb_groups;
	bool iommu_set;
	bool v2;		/* type1v2 unmap rules */
	unsigned int nb_maps;
	unsigned int max_maps;
	struct sim_dma_map *maps;
};

struct sim_group {
	unsigned int fn;
	unsigned int refs;	/* its fd and each device fd */
	unsigned int nb_devices;
	struct sim_container *container;
};

struct sim_file *_Atomic sim_files[SIM_FD_MAX];
static pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;
/* The kernel lets one process at a time hold a group open. */
static struct sim_group *sim_groups[PLX_SIM_MAX_FUNCS];

static int
sim_file_add(int fd, enum sim_file_kind kind, void *obj)
{
	struct sim_file *f;

	if ((unsigned int)fd >= SIM_FD_MAX)
		return -EMFILE;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->kind = kind;
	f->container = obj;
	plx_sim_store(&sim_files[fd], f, memory_order_release);
	return 0;
}

int
sim_config_file_add(int fd, unsigned int fn)
{
	int ret;

	pthread_mutex_lock(&sim_lock);
	ret = sim_file_add(fd, SIM_FILE_CONFIG, NULL);
	if (ret == 0)
		sim_file(fd)->fn = fn;
	pthread_mutex_unlock(&sim_lock);
	return ret;
}

static void
sim_container_put(struct sim_container *c)
{
	if (--c->refs > 0)
		return;
	free(c->maps);
	free(c);
}

/* The model is the IOMMU: every mapping of every container lands there. */
static void
sim_container_unmap_all(struct sim_container *c)
{
	struct plx_sim *sim = plx_sim_self();
	unsigned int i;

	/*
	 * Newest first: mappings made in address order (DPDK's, page by page)
	 * then each come off the end of the model's table.
	 */
	for (i = c->nb_maps; sim != NULL && i-- > 0; )
		plx_sim_iommu_unmap(sim, c->maps[i].iova, c->maps[i].len);
	c->nb_maps = 0;
}

static void
sim_group_detach(struct sim_group *g)
{
	struct sim_container *c = g->container;

	if (c == NULL)
		return;
	g->container = NULL;
	/* As in the kernel: the last group out tears the IOMMU down. */
	if (--c->nb_groups == 0 && c->iommu_set) {
		plx_sim_log(1, "container: last group gone, %u DMA mapping(s) "
			"dropped", c->nb_maps);
		sim_container_unmap_all(c);
		c->iommu_set = false;
	}
	sim_container_put(c);
}

/* A group outlives its fd while device fds hold it, as in the kernel. */
static void
sim_group_put(struct sim_group *g)
{
	if (--g->refs > 0)
		return;
	sim_group_detach(g);
	free(g);
}

static void
sim_file_release(struct sim_file *f)
{
	switch (f->kind) {
	case SIM_FILE_CONTAINER:
		sim_container_put(f->container);
		break;
	case SIM_FILE_GROUP:
		if (sim_groups[f->group->fn] == f->group)
			sim_groups[f->group->fn] = NULL;
		sim_group_put(f->group);
		break;
	case SIM_FILE_DEVICE:
		/* Closing the device disables its interrupts, REQ included. */
		sim_device_set_req(f->device, -1);
		if (f->device->cfg_fd >= 0)
			real_close(f->device->cfg_fd);
		f->device->group->nb_devices--;
		sim_group_put(f->device->group);
		free(f->device);
		break;
	case SIM_FILE_CONFIG:
		break;
	}
	free(f);
}

void
sim_file_close(int fd)
{
	struct sim_file *f;

	pthread_mutex_lock(&sim_lock);
	f = sim_file(fd);
	if (f != NULL) {
		plx_sim_store(&sim_files[fd], NULL, memory_order_release);
		plx_sim_log(2, "close emulated fd %d", fd);
		sim_file_release(f);
	}
	pthread_mutex_unlock(&sim_lock);
}

int
sim_open_container(const char *tree_path, int flags)
{
	struct sim_container *c;
	int fd, ret;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return sim_errno(-ENOMEM);
	c->refs = 1;
	fd = REAL(open_fn, "open")(tree_path, O_RDWR | (flags & O_CLOEXEC));
	if (fd < 0) {
		free(c);
		return -1;
	}
	pthread_mutex_lock(&sim_lock);
	ret = sim_file_add(fd, SIM_FILE_CONTAINER, c);
	pthread_mutex_unlock(&sim_lock);
	if (ret < 0) {
		real_close(fd);
		free(c);
		return sim_errno(ret);
	}
	plx_sim_log(1, "container opened (fd %d)", fd);
	return fd;
}

int
sim_open_group(const char *tree_path, int flags, unsigned int fn)
{
	struct sim_group *g;
	int fd, ret;

	/* From here on the program uses the device: bring the switch up. */
	if (plx_sim_self() == NULL)
		return sim_errno(-ENODEV);
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return sim_errno(-ENOMEM);
	g->fn = fn;
	g->refs = 1;
	fd = REAL(open_fn, "open")(tree_path, O_RDWR | (flags & O_CLOEXEC));
	if (fd < 0) {
		free(g);
		return -1;
	}
	pthread_mutex_lock(&sim_lock);
	if (sim_groups[fn] != NULL)
		ret = -EBUSY;
	else
		ret = sim_file_add(fd, SIM_FILE_GROUP, g);
	if (ret == 0)
		sim_groups[fn] = g;
	pthread_mutex_unlock(&sim_lock);
	if (ret < 0) {
		real_close(fd);
		free(g);
		return sim_errno(ret);
	}
	plx_sim_log(1, "group %u of %s opened (fd %d)", plx_sim_func_group(fn),
		plx_sim_func_addr(fn), fd);
	return fd;
}

/* --- container ioctls --- */

static bool
sim_type1(unsigned long type)
{
	return type == VFIO_TYPE1_IOMMU || type == VFIO_TYPE1v2_IOMMU;
}

static int
sim_set_iommu(struct sim_container *c, unsigned long type)
{
	if (c->nb_groups == 0)
		return -EINVAL;
	if (c->iommu_set)
		return -EBUSY;
	if (!sim_type1(type))
		return -ENODEV;
	c->iommu_set = true;
	c->v2 = type == VFIO_TYPE1v2_IOMMU;
	return 0;
}

static int
sim_iommu_info(struct sim_container *c, struct vfio_iommu_type1_info *info)
{
	size_t minsz = offsetof(struct vfio_iommu_type1_info, iova_pgsizes) +
		sizeof(info->iova_pgsizes);

	if (!c->iommu_set)
		return -EINVAL;
	if (info->argsz < minsz)
		return -EINVAL;
	info->flags = VFIO_IOMMU_INFO_PGSIZES;
	info->iova_pgsizes = 4096 | (2 << 20) | (1 << 30);
	if (info->argsz >= sizeof(*info))
		info->cap_offset = 0;
	return 0;
}

static bool
sim_overlaps(const struct sim_dma_map *m, uint64_t iova, uint64_t len)
{
	return iova < m->iova + m->len && m->iova < iova + len;
}

static int
sim_map_record(struct sim_container *c, uint64_t iova, uint64_t len,
		uint64_t vaddr)
{
	struct sim_dma_map *maps;
	unsigned int n;
	int ret;

	if (c->nb_maps == c->max_maps) {
		n = c->max_maps ? c->max_maps * 2 : 64;
		maps = realloc(c->maps, n * sizeof(*maps));
		if (maps == NULL)
			return -ENOMEM;
		c->maps = maps;
		c->max_maps = n;
	}
	ret = plx_sim_iommu_map(plx_sim_self(), iova, (void *)(uintptr_t)vaddr,
		len);
	if (ret < 0)
		return ret;
	c->maps[c->nb_maps++] = (struct sim_dma_map){ iova, len, vaddr };
	return 0;
}

static int
sim_map_dma(struct sim_container *c, const struct vfio_iommu_type1_dma_map *m)
{
	const uint64_t page = 4096;

	if (!c->iommu_set || plx_sim_self() == NULL)
		return -EINVAL;
	if (m->argsz < sizeof(*m) || m->size == 0 ||
			(m->flags & ~(uint32_t)(VFIO_DMA_MAP_FLAG_READ |
				VFIO_DMA_MAP_FLAG_WRITE)) != 0 ||
			((m->iova | m->vaddr | m->size) & (page - 1)) != 0 ||
			m->iova + m->size < m->iova)
		return -EINVAL;
	/*
	 * An overlap is refused (-EEXIST) by the model's sorted table, found
	 * by bisection: DPDK 24.11 maps --no-huge memory page by page, and a
	 * scan of every earlier mapping per map made EAL start-up with 512 MB
	 * take minutes.
	 */
	plx_sim_log(2, "map dma iova 0x%llx len 0x%llx va 0x%llx",
		(unsigned long long)m->iova, (unsigned long long)m->size,
		(unsigned long long)m->vaddr);
	return sim_map_record(c, m->iova, m->size, m->vaddr);
}

static void
sim_map_remove(struct sim_container *c, unsigned int i)
{
	plx_sim_iommu_unmap(plx_sim_self(), c->maps[i].iova, c->maps[i].len);
	c->maps[i] = c->maps[--c->nb_maps];
}

/*
 * As type1 does it, mappings are never split. v2 refuses to cut one
 * (EINVAL); v1, which DPDK asks for, removes whole every mapping that
 * starts inside the range and leaves alone one that starts before it,
 * reporting in size what really went away.
 */
static int
sim_unmap_dma(struct sim_container *c, struct vfio_iommu_type1_dma_unmap *u)
{
	uint64_t done = 0, end = u->iova + u->size;
	unsigned int i;

	if (!c->iommu_set || plx_sim_self() == NULL)
		return -EINVAL;
	if (u->argsz < sizeof(*u) || u->flags != 0 || end < u->iova ||
			((u->iova | u->size) & 4095) != 0)
		return -EINVAL;
	for (i = 0; c->v2 && i < c->nb_maps; i++) {
		const struct sim_dma_map *m = &c->maps[i];

		if (sim_overlaps(m, u->iova, u->size) &&
				(m->iova < u->iova || m->iova + m->len > end))
			return -EINVAL;
	}
	for (i = 0; i < c->nb_maps; ) {
		const struct sim_dma_map *m = &c->maps[i];

		if (!sim_overlaps(m, u->iova, u->size) || m->iova < u->iova) {
			i++;
			continue;
		}
		done += m->len;
		sim_map_remove(c, i);
	}
	plx_sim_log(2, "unmap dma iova 0x%llx len 0x%llx: 0x%llx unmapped",
		(unsigned long long)u->iova, (unsigned long long)u->size,
		(unsigned long long)done);
	u->size = done;
	return 0;
}

static int
sim_container_ioctl(struct sim_container *c, unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return sim_type1((uintptr_t)arg) ? 1 : 0;
	case VFIO_SET_IOMMU:
		return sim_set_iommu(c, (uintptr_t)arg);
	case VFIO_IOMMU_GET_INFO:
		return sim_iommu_info(c, arg);
	case VFIO_IOMMU_MAP_DMA:
		return sim_map_dma(c, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return sim_unmap_dma(c, arg);
	default:
		return -ENOTTY;
	}
}

/* --- group ioctls --- */

static int
sim_group_status(struct sim_group *g, struct vfio_group_status *st)
{
	if (st->argsz < sizeof(*st))
		return -EINVAL;
	/* One function per group, bound to vfio-pci: always viable. */
	st->flags = VFIO_GROUP_FLAGS_VIABLE;
	if (g->container != NULL)
		st->flags |= VFIO_GROUP_FLAGS_CONTAINER_SET;
	return 0;
}

static int
sim_group_set_container(struct sim_group *g, const int *fdp)
{
	struct sim_file *cf = sim_file(*fdp);

	if (g->container != NULL)
		return -EINVAL;
	if (cf == NULL || cf->kind != SIM_FILE_CONTAINER)
		return -EINVAL;
	g->container = cf->container;
	g->container->refs++;
	g->container->nb_groups++;
	return 0;
}

static int
sim_group_device_fd(struct sim_group *g, const char *name)
{
	const char *addr = plx_sim_func_addr(g->fn);
	size_t n = strlen(addr);
	struct sim_device *d;
	char path[PATH_MAX];
	int fd, ret;

	if (g->container == NULL || !g->container->iommu_set)
		return -EINVAL;
	/* DPDK may append " vf_token=<uuid>"; there is no VF here. */
	if (strncmp(name, addr, n) != 0 ||
			(name[n] != '\0' && name[n] != ' '))
		return -ENODEV;
	if (plx_sim_host_dev_path(g->fn, "config", path, sizeof(path)) < 0)
		return -ENODEV;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->fn = g->fn;
	d->group = g;
	d->req_fd = -1;
	d->cfg_fd = REAL(open_fn, "open")(path, O_RDWR | O_CLOEXEC);
	fd = memfd_create("plx-sim-vfio-device", MFD_CLOEXEC);
	ret = fd < 0 || d->cfg_fd < 0 ? -errno :
		sim_file_add(fd, SIM_FILE_DEVICE, d);
	if (ret < 0) {
		if (fd >= 0)
			real_close(fd);
		if (d->cfg_fd >= 0)
			real_close(d->cfg_fd);
		free(d);
		return ret;
	}
	g->refs++;
	g->nb_devices++;
	plx_sim_log(1, "device %s opened (fd %d)", addr, fd);
	return fd;
}

static int
sim_group_ioctl(struct sim_group *g, unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_GROUP_GET_STATUS:
		return sim_group_status(g, arg);
	case VFIO_GROUP_SET_CONTAINER:
		return sim_group_set_container(g, arg);
	case VFIO_GROUP_UNSET_CONTAINER:
		if (g->container == NULL)
			return -EINVAL;
		if (g->nb_devices > 0)
			return -EBUSY;
		sim_group_detach(g);
		return 0;
	case VFIO_GROUP_GET_DEVICE_FD:
		return sim_group_device_fd(g, arg);
	default:
		return -ENOTTY;
	}
}

static const char *
sim_ioctl_name(unsigned long req)
{
	switch (req) {
	case VFIO_GET_API_VERSION: return "GET_API_VERSION";
	case VFIO_CHECK_EXTENSION: return "CHECK_EXTENSION";
	case VFIO_SET_IOMMU: return "SET_IOMMU";
	case VFIO_IOMMU_GET_INFO: return "IOMMU_GET_INFO";
	case VFIO_IOMMU_MAP_DMA: return "IOMMU_MAP_DMA";
	case VFIO_IOMMU_UNMAP_DMA: return "IOMMU_UNMAP_DMA";
	case VFIO_GROUP_GET_STATUS: return "GROUP_GET_STATUS";
	case VFIO_GROUP_SET_CONTAINER: return "GROUP_SET_CONTAINER";
	case VFIO_GROUP_UNSET_CONTAINER: return "GROUP_UNSET_CONTAINER";
	case VFIO_GROUP_GET_DEVICE_FD: return "GROUP_GET_DEVICE_FD";
	case VFIO_DEVICE_GET_INFO: return "DEVICE_GET_INFO";
	case VFIO_DEVICE_GET_REGION_INFO: return "DEVICE_GET_REGION_INFO";
	case VFIO_DEVICE_GET_IRQ_INFO: return "DEVICE_GET_IRQ_INFO";
	case VFIO_DEVICE_SET_IRQS: return "DEVICE_SET_IRQS";
	case VFIO_DEVICE_RESET: return "DEVICE_RESET";
	default: return "?";
	}
}

static int
sim_ioctl(struct sim_file *f, unsigned long req, void *arg)
{
	switch (f->kind) {
	case SIM_FILE_CONTAINER:
		return sim_container_ioctl(f->container, req, arg);
	case SIM_FILE_GROUP:
		return sim_group_ioctl(f->group, req, arg);
	case SIM_FILE_DEVICE:
		return sim_device_ioctl(f->device, req, arg);
	case SIM_FILE_CONFIG:
		break;
	}
	return -ENOTTY;
}

int
sim_file_ioctl(int fd, unsigned long req, void *arg)
{
	struct sim_file *f;
	int ret;

	pthread_mutex_lock(&sim_lock);
	/* Re-read under the lock: it may have been closed meanwhile. */
	f = sim_file(fd);
	ret = f != NULL ? sim_ioctl(f, req, arg) : -EBADF;
	pthread_mutex_unlock(&sim_lock);
	plx_sim_log(2, "ioctl fd %d %s (0x%lx) -> %d", fd, sim_ioctl_name(req),
		req, ret);
	return ret;
}
