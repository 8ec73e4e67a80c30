/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The kernel side of the simulated host, preloaded into the launched
 * program: the vfio-pci character devices (container, one group per
 * function, device fds) and the uio and module paths a DPDK program looks
 * at. Everything else goes to libc untouched.
 *
 * Paths are redirected into the private tree of the run (PLX_SIM_ROOT):
 *   /sys/module/vfio*, /sys/module/uio*, /sys/class/uio*,
 *   /sys/kernel/iommu_groups*, /dev/uio<N>, /dev/vfio*
 * so nothing of the real /dev or /sys is touched. /dev/vfio/vfio and
 * /dev/vfio/<group> open emulated files whose ioctls, pread/pwrite and
 * mmap are served here; the BAR0 region maps the model's BAR0 file.
 *
 * The switch itself is made on the first open of a group or of a uio
 * device, so that processes that never touch it (shells inheriting the
 * preload) never start the engine thread.
 */

/*
 * We define both open and open64 (stat and stat64, ...): the headers must
 * not rename one into the other, nor wrap them in fortified inlines. On
 * LP64 the two families take the same types.
 */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "plx_dma_hw.h"
#include "plx_sim_host.h"

#define SIM_FD_MAX		65536
#define SIM_REGION_SHIFT	40
#define SIM_REGION_MASK		((UINT64_C(1) << SIM_REGION_SHIFT) - 1)
#define SIM_CONFIG_LEN		4096
#define SIM_PCI_COMMAND		0x04

/* --- the libc functions we stand in front of --- */

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*pread_chk_fn)(int, void *, size_t, off_t, size_t);
typedef int (*stat_fn)(const char *, void *);
typedef int (*xstat_fn)(int, const char *, void *);
typedef int (*access_fn)(const char *, int);
typedef ssize_t (*readlink_fn)(const char *, char *, size_t);
typedef DIR *(*opendir_fn)(const char *);
typedef FILE *(*fopen_fn)(const char *, const char *);

/* Found on first use: we may be called before our own constructor. */
#define REAL(type, name) ({						\
	static type real_;						\
	if (real_ == NULL)						\
		real_ = (type)(uintptr_t)dlsym(RTLD_NEXT, name);	\
	real_;								\
})
/* The pre-2.33 stat entry points only exist as versioned symbols. */
#define REAL_OLD(type, name) ({						\
	static type real_;						\
	if (real_ == NULL)						\
		real_ = (type)(uintptr_t)dlvsym(RTLD_NEXT, name,	\
			"GLIBC_2.2.5");					\
	real_;								\
})

static int
real_close(int fd)
{
	return REAL(close_fn, "close")(fd);
}

/* --- which paths are ours --- */

enum sim_path {
	SIM_PATH_NONE,		/* not ours: libc as is */
	SIM_PATH_REDIRECT,	/* the same path inside the tree */
	SIM_PATH_UIO_DEV,	/* /dev/uioN inside the tree, needs the switch */
	SIM_PATH_CONTAINER,	/* /dev/vfio/vfio */
	SIM_PATH_GROUP,		/* /dev/vfio/<one of our groups> */
	SIM_PATH_VFIO,		/* somewhere under /dev/vfio, not decided */
};

static bool sim_enabled;

static void __attribute__((constructor))
sim_vfio_init(void)
{
	sim_enabled = getenv(PLX_SIM_ENV_ROOT) != NULL;
}

static bool
sim_prefix(const char *path, const char *prefix)
{
	return strncmp(path, prefix, strlen(prefix)) == 0;
}

static bool
sim_is_ours_sys(const char *path)
{
	return sim_prefix(path, "/sys/module/vfio") ||
		sim_prefix(path, "/sys/module/uio") ||
		sim_prefix(path, "/sys/class/uio") ||
		sim_prefix(path, "/sys/kernel/iommu_groups");
}

/* Number at the end of path after prefix, or -1. */
static int
sim_trailing_num(const char *path, const char *prefix)
{
	const char *s = path + strlen(prefix);
	char *end;
	long v;

	if (!sim_prefix(path, prefix) || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v < INT_MAX ? (int)v : -1;
}

static enum sim_path
sim_vfio_path(const char *path, unsigned int *fn)
{
	const struct plx_sim_host_opts *opts = plx_sim_host_opts();
	int g, f;

	if (opts->kdrv != PLX_SIM_KDRV_VFIO)
		return SIM_PATH_REDIRECT;
	if (strcmp(path, "/dev/vfio/vfio") == 0)
		return SIM_PATH_CONTAINER;
	g = sim_trailing_num(path, "/dev/vfio/");
	f = g < 0 ? -1 : plx_sim_func_of_group(g);
	if (f < 0 || (unsigned int)f >= opts->nb_funcs)
		return SIM_PATH_REDIRECT;
	*fn = f;
	return SIM_PATH_GROUP;
}

/*
 * Cheap for the common case: two byte compares decide for nearly every
 * path a program opens.
 */
static enum sim_path
sim_classify(const char *path, char *buf, size_t len, unsigned int *fn)
{
	enum sim_path kind;
	const char *root;
	int n;

	if (!sim_enabled || path == NULL || path[0] != '/')
		return SIM_PATH_NONE;
	if (path[1] == 's') {
		if (!sim_is_ours_sys(path))
			return SIM_PATH_NONE;
		kind = SIM_PATH_REDIRECT;
	} else if (path[1] == 'd') {
		if (sim_prefix(path, "/dev/vfio/") ||
				strcmp(path, "/dev/vfio") == 0)
			kind = SIM_PATH_VFIO;
		else if (sim_trailing_num(path, "/dev/uio") >= 0)
			kind = SIM_PATH_UIO_DEV;
		else
			return SIM_PATH_NONE;
	} else {
		return SIM_PATH_NONE;
	}
	root = plx_sim_host_root();
	if (root == NULL)
		return SIM_PATH_NONE;
	if (kind == SIM_PATH_VFIO)
		kind = sim_vfio_path(path, fn);
	n = snprintf(buf, len, "%s%s", root, path);
	if (n < 0 || (size_t)n >= len)
		return SIM_PATH_NONE;
	return kind;
}

/* --- emulated vfio files --- */

enum sim_file_kind {
	SIM_FILE_CONTAINER = 1,
	SIM_FILE_GROUP,
	SIM_FILE_DEVICE,
};

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

struct sim_device {
	unsigned int fn;
	struct sim_group *group;
	int cfg_fd;		/* the tree's config file */
	int req_fd;		/* our reference to DPDK's REQ eventfd */
};

struct sim_file {
	enum sim_file_kind kind;
	union {
		struct sim_container *container;
		struct sim_group *group;
		struct sim_device *device;
	};
};

/* Indexed by fd; read without the lock on every close, ioctl, mmap. */
static struct sim_file *sim_files[SIM_FD_MAX];
static pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;
/* The kernel lets one process at a time hold a group open. */
static struct sim_group *sim_groups[PLX_SIM_MAX_FUNCS];

static struct sim_file *
sim_file(int fd)
{
	if ((unsigned int)fd >= SIM_FD_MAX)
		return NULL;
	return __atomic_load_n(&sim_files[fd], __ATOMIC_ACQUIRE);
}

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
	__atomic_store_n(&sim_files[fd], f, __ATOMIC_RELEASE);
	return 0;
}

static int
sim_errno(int ret)
{
	errno = -ret;
	return -1;
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

	for (i = 0; sim != NULL && i < c->nb_maps; i++)
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
sim_device_set_req(struct sim_device *d, int fd)
{
	struct plx_sim *sim = plx_sim_self();
	int old = d->req_fd;

	d->req_fd = fd;
	if (sim != NULL)
		plx_sim_set_req_eventfd(sim, d->fn, fd);
	/* The model has let go of the old one: safe to drop. */
	if (old >= 0)
		real_close(old);
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
	}
	free(f);
}

static void
sim_file_close(int fd)
{
	struct sim_file *f;

	pthread_mutex_lock(&sim_lock);
	f = sim_file(fd);
	if (f != NULL) {
		__atomic_store_n(&sim_files[fd], NULL, __ATOMIC_RELEASE);
		plx_sim_log(2, "close emulated fd %d", fd);
		sim_file_release(f);
	}
	pthread_mutex_unlock(&sim_lock);
}

static int
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

static int
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
	unsigned int i;

	if (!c->iommu_set || plx_sim_self() == NULL)
		return -EINVAL;
	if (m->argsz < sizeof(*m) || m->size == 0 ||
			(m->flags & ~(uint32_t)(VFIO_DMA_MAP_FLAG_READ |
				VFIO_DMA_MAP_FLAG_WRITE)) != 0 ||
			((m->iova | m->vaddr | m->size) & (page - 1)) != 0 ||
			m->iova + m->size < m->iova)
		return -EINVAL;
	for (i = 0; i < c->nb_maps; i++)
		if (sim_overlaps(&c->maps[i], m->iova, m->size))
			return -EEXIST;
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

/* --- device ioctls --- */

static uint32_t
sim_irq_count(unsigned int index)
{
	/* INTx for the function, REQ for the unbind notifier; no MSI(-X)
	 * since the config space lists no capabilities. */
	return index == VFIO_PCI_INTX_IRQ_INDEX ||
		index == VFIO_PCI_REQ_IRQ_INDEX ? 1 : 0;
}

static int
sim_device_info(struct vfio_device_info *info)
{
	size_t minsz = offsetof(struct vfio_device_info, num_irqs) +
		sizeof(info->num_irqs);

	if (info->argsz < minsz)
		return -EINVAL;
	/* No function-level reset: the model has no reset that keeps a
	 * removed function removed and armed faults armed. */
	info->flags = VFIO_DEVICE_FLAGS_PCI;
	info->num_regions = VFIO_PCI_NUM_REGIONS;
	info->num_irqs = VFIO_PCI_NUM_IRQS;
	return 0;
}

static int
sim_region_info(struct vfio_region_info *ri)
{
	size_t minsz = offsetof(struct vfio_region_info, offset) +
		sizeof(ri->offset);

	if (ri->argsz < minsz || ri->index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	ri->offset = (uint64_t)ri->index << SIM_REGION_SHIFT;
	ri->cap_offset = 0;
	ri->flags = 0;
	ri->size = 0;
	if (ri->index == VFIO_PCI_BAR0_REGION_INDEX) {
		ri->size = PLX_BAR0_SIM_LEN;
		ri->flags = VFIO_REGION_INFO_FLAG_READ |
			VFIO_REGION_INFO_FLAG_WRITE |
			VFIO_REGION_INFO_FLAG_MMAP;
	} else if (ri->index == VFIO_PCI_CONFIG_REGION_INDEX) {
		ri->size = SIM_CONFIG_LEN;
		ri->flags = VFIO_REGION_INFO_FLAG_READ |
			VFIO_REGION_INFO_FLAG_WRITE;
	}
	return 0;
}

static int
sim_irq_info(struct vfio_irq_info *irq)
{
	if (irq->argsz < sizeof(*irq) || irq->index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	irq->count = sim_irq_count(irq->index);
	irq->flags = irq->count ? VFIO_IRQ_INFO_EVENTFD : 0;
	if (irq->index == VFIO_PCI_INTX_IRQ_INDEX)
		irq->flags |= VFIO_IRQ_INFO_MASKABLE |
			VFIO_IRQ_INFO_AUTOMASKED;
	return 0;
}

static int
sim_set_irqs_req(struct sim_device *d, const struct vfio_irq_set *s)
{
	uint32_t data = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	int fd;

	if (data == VFIO_IRQ_SET_DATA_NONE && s->count == 0) {
		sim_device_set_req(d, -1);
		plx_sim_log(1, "%s: REQ notifier cleared",
			plx_sim_func_addr(d->fn));
		return 0;
	}
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		memcpy(&fd, s->data, sizeof(fd));
		if (fd < 0) {
			sim_device_set_req(d, -1);
			return 0;
		}
		/* Like the kernel's eventfd reference: it outlives DPDK's
		 * own close of the number. */
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		sim_device_set_req(d, fd);
		plx_sim_log(1, "%s: REQ notifier armed",
			plx_sim_func_addr(d->fn));
		return 0;
	}
	/* DATA_NONE or a true BOOL with count 1: fire it by hand. */
	if (d->req_fd >= 0 && (data == VFIO_IRQ_SET_DATA_NONE ||
			(data == VFIO_IRQ_SET_DATA_BOOL && s->data[0]))) {
		uint64_t one = 1;

		if (write(d->req_fd, &one, sizeof(one)) < 0)
			return -errno;
	}
	return 0;
}

static int
sim_set_irqs(struct sim_device *d, const struct vfio_irq_set *s)
{
	uint32_t data = s->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	uint32_t action = s->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	size_t elem = data == VFIO_IRQ_SET_DATA_EVENTFD ? sizeof(int32_t) :
		data == VFIO_IRQ_SET_DATA_BOOL ? 1 : 0;
	uint32_t max;

	if (s->argsz < sizeof(*s) || s->index >= VFIO_PCI_NUM_IRQS ||
			__builtin_popcount(data) != 1 ||
			__builtin_popcount(action) != 1 ||
			(s->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
				VFIO_IRQ_SET_ACTION_TYPE_MASK)) != 0)
		return -EINVAL;
	max = sim_irq_count(s->index);
	if (s->start + s->count > max ||
			(max == 0 && !(data == VFIO_IRQ_SET_DATA_NONE &&
				s->count == 0)) ||
			s->argsz < sizeof(*s) + elem * s->count)
		return -EINVAL;
	if (s->index == VFIO_PCI_REQ_IRQ_INDEX) {
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -EINVAL;
		return sim_set_irqs_req(d, s);
	}
	/* INTx: accepted and kept silent, the engine raises no interrupt
	 * (a poll-mode driver leaves INTR_CTRL at 0). */
	return 0;
}

static int
sim_device_ioctl(struct sim_device *d, unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_DEVICE_GET_INFO:
		return sim_device_info(arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return sim_region_info(arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return sim_irq_info(arg);
	case VFIO_DEVICE_SET_IRQS:
		return sim_set_irqs(d, arg);
	case VFIO_DEVICE_RESET:
		/* What vfio-pci answers for a device it cannot reset. */
		return -EINVAL;
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
	}
	return -ENOTTY;
}

/* --- device regions --- */

static int
sim_bar0_fd(const struct sim_device *d)
{
	struct plx_sim *sim = plx_sim_self();

	return sim != NULL ? plx_sim_bar0_fd(sim, d->fn) : -1;
}

/*
 * Region access at `off` of the device fd: returns the backing fd and the
 * offset and length within it, or -1 for a hole.
 */
static int
sim_region(const struct sim_device *d, uint64_t off, size_t *len,
		off_t *roff)
{
	uint64_t index = off >> SIM_REGION_SHIFT;
	uint64_t size;
	int fd;

	*roff = off & SIM_REGION_MASK;
	if (index == VFIO_PCI_BAR0_REGION_INDEX) {
		size = PLX_BAR0_SIM_LEN;
		fd = sim_bar0_fd(d);
	} else if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
		size = SIM_CONFIG_LEN;
		fd = d->cfg_fd;
	} else {
		return -1;
	}
	if ((uint64_t)*roff >= size)
		return -1;
	if (*len > size - *roff)
		*len = size - *roff;
	return fd;
}

static ssize_t
sim_pread(struct sim_device *d, void *buf, size_t len, off_t off)
{
	off_t roff;
	int fd = sim_region(d, off, &len, &roff);

	if (fd < 0)
		return sim_errno(-EINVAL);
	return REAL(pread_fn, "pread64")(fd, buf, len, roff);
}

/*
 * Config writes: only the command register is the software's; the rest
 * reads back as the function is, as vfio-pci virtualizes it.
 */
static ssize_t
sim_config_write(int fd, const void *buf, size_t len, off_t roff)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		off_t o = roff + i;

		if (o != SIM_PCI_COMMAND && o != SIM_PCI_COMMAND + 1)
			continue;
		if (REAL(pwrite_fn, "pwrite64")(fd, &b[i], 1, o) != 1)
			return -1;
	}
	return len;
}

static ssize_t
sim_pwrite(struct sim_device *d, const void *buf, size_t len, off_t off)
{
	off_t roff;
	int fd = sim_region(d, off, &len, &roff);

	if (fd < 0)
		return sim_errno(-EINVAL);
	if (fd == d->cfg_fd)
		return sim_config_write(fd, buf, len, roff);
	return REAL(pwrite_fn, "pwrite64")(fd, buf, len, roff);
}

static void *
sim_mmap(struct sim_file *f, void *addr, size_t len, int prot, int flags,
		off_t off)
{
	uint64_t index = (uint64_t)off >> SIM_REGION_SHIFT;
	uint64_t roff = off & SIM_REGION_MASK;
	int fd;

	if (f->kind != SIM_FILE_DEVICE) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	/* Only BAR0 is mappable, shared, within its 4 KiB. */
	if (index != VFIO_PCI_BAR0_REGION_INDEX ||
			(flags & MAP_SHARED) == 0 ||
			roff + len > PLX_BAR0_SIM_LEN) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	fd = sim_bar0_fd(f->device);
	if (fd < 0) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	plx_sim_log(2, "%s: BAR0 mapped", plx_sim_func_addr(f->device->fn));
	return REAL(mmap_fn, "mmap")(addr, len, prot, flags, fd, roff);
}

/* --- the interposers --- */

static int
sim_open(const char *path, int flags, mode_t mode, int (*real)(const char *,
		int, mode_t))
{
	char buf[PATH_MAX];
	unsigned int fn = 0;

	switch (sim_classify(path, buf, sizeof(buf), &fn)) {
	case SIM_PATH_NONE:
		return real(path, flags, mode);
	case SIM_PATH_UIO_DEV:
		/* Opening /dev/uioN is the uio route's first touch. */
		if (plx_sim_host_opts()->kdrv == PLX_SIM_KDRV_UIO &&
				plx_sim_self() == NULL)
			return sim_errno(-ENODEV);
		return real(buf, flags, mode);
	case SIM_PATH_CONTAINER:
		return sim_open_container(buf, flags);
	case SIM_PATH_GROUP:
		return sim_open_group(buf, flags, fn);
	default:
		plx_sim_log(2, "open %s -> %s", path, buf);
		return real(buf, flags, mode);
	}
}

static mode_t
sim_open_mode(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		return va_arg(ap, mode_t);
	return 0;
}

/* The mode argument of a variadic open call whose last named one is flags. */
#define OPEN_MODE(flags) ({						\
	va_list ap_;							\
	mode_t mode_;							\
	va_start(ap_, flags);						\
	mode_ = sim_open_mode(flags, ap_);				\
	va_end(ap_);							\
	mode_;								\
})

static int
real_open_wrap(const char *path, int flags, mode_t mode)
{
	return REAL(open_fn, "open")(path, flags, mode);
}

static int
real_open64_wrap(const char *path, int flags, mode_t mode)
{
	return REAL(open_fn, "open64")(path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
	return sim_open(path, flags, OPEN_MODE(flags), real_open_wrap);
}

int
open64(const char *path, int flags, ...)
{
	return sim_open(path, flags, OPEN_MODE(flags), real_open64_wrap);
}

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);

int
__open_2(const char *path, int flags)
{
	return sim_open(path, flags, 0, real_open_wrap);
}

int
__open64_2(const char *path, int flags)
{
	return sim_open(path, flags, 0, real_open64_wrap);
}

/*
 * real is the caller's own libc function: REAL() keeps one pointer per
 * place it is written, so a shared helper must not look names up itself.
 */
static int
sim_openat(int dirfd, const char *path, int flags, mode_t mode,
		openat_fn real)
{
	if (path != NULL && path[0] == '/' && sim_enabled) {
		char buf[PATH_MAX];
		unsigned int fn;

		if (sim_classify(path, buf, sizeof(buf), &fn) != SIM_PATH_NONE)
			return sim_open(path, flags, mode, real_open_wrap);
	}
	return real(dirfd, path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	return sim_openat(dirfd, path, flags, OPEN_MODE(flags),
		REAL(openat_fn, "openat"));
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	return sim_openat(dirfd, path, flags, OPEN_MODE(flags),
		REAL(openat_fn, "openat64"));
}

int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

int
__openat_2(int dirfd, const char *path, int flags)
{
	return sim_openat(dirfd, path, flags, 0, REAL(openat_fn, "openat"));
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	return sim_openat(dirfd, path, flags, 0,
		REAL(openat_fn, "openat64"));
}

int
close(int fd)
{
	if (sim_file(fd) != NULL)
		sim_file_close(fd);
	return real_close(fd);
}

int
ioctl(int fd, unsigned long req, ...)
{
	struct sim_file *f = sim_file(fd);
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (f == NULL)
		return REAL(ioctl_fn, "ioctl")(fd, req, arg);
	pthread_mutex_lock(&sim_lock);
	/* Re-read under the lock: it may have been closed meanwhile. */
	f = sim_file(fd);
	ret = f != NULL ? sim_ioctl(f, req, arg) : -EBADF;
	pthread_mutex_unlock(&sim_lock);
	plx_sim_log(2, "ioctl fd %d %s (0x%lx) -> %d", fd, sim_ioctl_name(req),
		req, ret);
	return ret < 0 ? sim_errno(ret) : ret;
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct sim_file *f = sim_file(fd);

	if (f == NULL || (flags & MAP_ANONYMOUS))
		return REAL(mmap_fn, "mmap")(addr, len, prot, flags, fd, off);
	return sim_mmap(f, addr, len, prot, flags, off);
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

static struct sim_device *
sim_device_of(int fd)
{
	struct sim_file *f = sim_file(fd);

	return f != NULL && f->kind == SIM_FILE_DEVICE ? f->device : NULL;
}

/*
 * The pread and pwrite families: a device's config space, or else real,
 * the caller's own libc function (see sim_openat()).
 */
static ssize_t
sim_pread_fd(int fd, void *buf, size_t len, off_t off, pread_fn real)
{
	struct sim_device *d = sim_device_of(fd);

	if (d == NULL)
		return real(fd, buf, len, off);
	return sim_pread(d, buf, len, off);
}

/* Fortified: buflen is the size of buf, which len must not pass. */
static ssize_t
sim_pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen,
		pread_chk_fn real)
{
	struct sim_device *d = sim_device_of(fd);

	if (d == NULL)
		return real(fd, buf, len, off, buflen);
	if (len > buflen)
		abort();
	return sim_pread(d, buf, len, off);
}

static ssize_t
sim_pwrite_fd(int fd, const void *buf, size_t len, off_t off,
		pwrite_fn real)
{
	struct sim_device *d = sim_device_of(fd);

	if (d == NULL)
		return real(fd, buf, len, off);
	return sim_pwrite(d, buf, len, off);
}

ssize_t
pread(int fd, void *buf, size_t len, off_t off)
{
	return sim_pread_fd(fd, buf, len, off, REAL(pread_fn, "pread"));
}

ssize_t
pread64(int fd, void *buf, size_t len, off_t off)
{
	return sim_pread_fd(fd, buf, len, off, REAL(pread_fn, "pread64"));
}

ssize_t __pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen);
ssize_t __pread64_chk(int fd, void *buf, size_t len, off_t off,
		size_t buflen);

ssize_t
__pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	return sim_pread_chk(fd, buf, len, off, buflen,
		REAL(pread_chk_fn, "__pread_chk"));
}

ssize_t
__pread64_chk(int fd, void *buf, size_t len, off_t off, size_t buflen)
{
	return sim_pread_chk(fd, buf, len, off, buflen,
		REAL(pread_chk_fn, "__pread64_chk"));
}

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return sim_pwrite_fd(fd, buf, len, off, REAL(pwrite_fn, "pwrite"));
}

ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return sim_pwrite_fd(fd, buf, len, off, REAL(pwrite_fn, "pwrite64"));
}

/* Path-only calls: redirected, never emulated. */
#define SIM_PATH_ARG(path, buf) ({					\
	unsigned int fn_;						\
	sim_classify(path, buf, sizeof(buf), &fn_) == SIM_PATH_NONE ?	\
		(path) : (const char *)(buf);				\
})

/*
 * The stat family, one body each: stat, lstat and their 64-bit twins
 * (st_t: the struct they fill), and the pre-2.33 __xstat ones, which take
 * a version first.
 */
#define SIM_STAT(name, st_t)						\
int									\
name(const char *restrict path, struct st_t *restrict st)		\
{									\
	char buf[PATH_MAX];						\
									\
	return REAL(stat_fn, #name)(SIM_PATH_ARG(path, buf), st);	\
}

#define SIM_XSTAT(name, st_t)						\
int name(int ver, const char *path, struct st_t *st);			\
int									\
name(int ver, const char *path, struct st_t *st)			\
{									\
	char buf[PATH_MAX];						\
									\
	return REAL_OLD(xstat_fn, #name)(ver,				\
		SIM_PATH_ARG(path, buf), st);				\
}

SIM_STAT(stat, stat)
SIM_STAT(stat64, stat64)
SIM_STAT(lstat, stat)
SIM_STAT(lstat64, stat64)
SIM_XSTAT(__xstat, stat)
SIM_XSTAT(__xstat64, stat64)
SIM_XSTAT(__lxstat, stat)
SIM_XSTAT(__lxstat64, stat64)

/* What coreutils and newer libcs use for stat: only absolute paths can
 * be ours. */
typedef int (*fstatat_fn)(int, const char *, void *, int);
typedef int (*statx_fn)(int, const char *, int, unsigned int, void *);

int
fstatat(int dirfd, const char *restrict path, struct stat *restrict st,
		int flags)
{
	char buf[PATH_MAX];

	return REAL(fstatat_fn, "fstatat")(dirfd, SIM_PATH_ARG(path, buf), st,
		flags);
}

int
fstatat64(int dirfd, const char *restrict path, struct stat64 *restrict st,
		int flags)
{
	char buf[PATH_MAX];

	return REAL(fstatat_fn, "fstatat64")(dirfd, SIM_PATH_ARG(path, buf),
		st, flags);
}

int
statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
		struct statx *restrict stx)
{
	char buf[PATH_MAX];

	return REAL(statx_fn, "statx")(dirfd, SIM_PATH_ARG(path, buf), flags,
		mask, stx);
}

int
access(const char *path, int mode)
{
	char buf[PATH_MAX];

	return REAL(access_fn, "access")(SIM_PATH_ARG(path, buf), mode);
}

ssize_t
readlink(const char *restrict path, char *restrict out, size_t len)
{
	char buf[PATH_MAX];

	return REAL(readlink_fn, "readlink")(SIM_PATH_ARG(path, buf), out,
		len);
}

DIR *
opendir(const char *path)
{
	char buf[PATH_MAX];

	return REAL(opendir_fn, "opendir")(SIM_PATH_ARG(path, buf));
}

FILE *
fopen(const char *restrict path, const char *restrict mode)
{
	char buf[PATH_MAX];

	return REAL(fopen_fn, "fopen")(SIM_PATH_ARG(path, buf), mode);
}

FILE *
fopen64(const char *restrict path, const char *restrict mode)
{
	char buf[PATH_MAX];

	return REAL(fopen_fn, "fopen64")(SIM_PATH_ARG(path, buf), mode);
}
