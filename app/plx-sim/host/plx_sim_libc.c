/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The libc stand-ins of the simulated host, preloaded into the launched
 * program: open, close, ioctl, mmap, pread/pwrite, the stat family,
 * access, readlink, opendir and fopen. The kernel paths a DPDK program
 * looks at are redirected into the private tree of the run (PLX_SIM_ROOT):
 *   /sys/module/vfio*, /sys/module/uio*, /sys/class/uio*,
 *   /sys/kernel/iommu_groups*, /dev/uio<N>, /dev/vfio*
 * so nothing of the real /dev or /sys is touched; /dev/vfio/vfio,
 * /dev/vfio/<group> and the device fds are the emulated files of
 * plx_sim_vfio.c. Every other path and fd goes to libc untouched: the rest
 * of the process relies on it, the model included (its BAR0 files and
 * memfds pass through here).
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

#include "plx_sim_host_priv.h"
#include "plx_sim_real.h"
#include "plx_sim_vfio.h"

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
sim_libc_init(void)
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

/* --- the interposers --- */

/*
 * A redirected path opened; /sys/class/uio/uioN/device/config, the
 * config space DPDK reads on the uio route, is kept track of, so that it
 * reads all ones once the function is gone, as sysfs answers for a
 * device that no longer responds.
 */
static int
sim_open_redirect(const char *path, const char *buf, int flags, mode_t mode,
		int (*real)(const char *, int, mode_t))
{
	static const char prefix[] = "/sys/class/uio/uio";
	static const char suffix[] = "/device/config";
	size_t n = strlen(path);
	int fd = real(buf, flags, mode);
	unsigned int u;
	int fn, len = 0;

	if (fd < 0 || n <= sizeof(prefix) + sizeof(suffix) - 2 ||
			strcmp(path + n - (sizeof(suffix) - 1), suffix) != 0 ||
			sscanf(path, "/sys/class/uio/uio%u%n", &u, &len) != 1 ||
			(size_t)len != n - (sizeof(suffix) - 1))
		return fd;
	fn = plx_sim_func_of_uio(u);
	if (fn >= 0 && (unsigned int)fn < plx_sim_host_opts()->nb_funcs &&
			sim_config_file_add(fd, fn) < 0) {
		real_close(fd);
		return -1;
	}
	return fd;
}

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
		return sim_open_redirect(path, buf, flags, mode, real);
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
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (sim_file(fd) == NULL || sim_config_fn(fd) >= 0)
		return REAL(ioctl_fn, "ioctl")(fd, req, arg);
	ret = sim_file_ioctl(fd, req, arg);
	return ret < 0 ? sim_errno(ret) : ret;
}

/*
 * A mapping made over a view of BAR0 ends the view; a mapping of a BAR0
 * file (uio: sysfs resource0) is a view, which reads all ones once the
 * function is gone (plx_sim_bar0_map()).
 */
void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct sim_file *f = sim_file(fd);
	int fn;

	if (flags & MAP_FIXED)
		plx_sim_bar0_forget(addr, len);
	if (flags & MAP_ANONYMOUS)
		return REAL(mmap_fn, "mmap")(addr, len, prot, flags, fd, off);
	if (f == NULL || f->kind == SIM_FILE_CONFIG) {
		fn = sim_enabled && (flags & MAP_SHARED) ?
			plx_sim_host_bar_fn(fd) : -1;
		if (fn >= 0)
			return plx_sim_bar0_map(plx_sim_self(), fn, addr, len,
				prot, flags, off);
		return REAL(mmap_fn, "mmap")(addr, len, prot, flags, fd, off);
	}
	if (f->kind != SIM_FILE_DEVICE) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	return sim_mmap(f->device, addr, len, prot, flags, off);
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int
munmap(void *addr, size_t len)
{
	plx_sim_bar0_forget(addr, len);
	return REAL(munmap_fn, "munmap")(addr, len);
}

/*
 * The pread and pwrite families: a device's config space, or else real,
 * the caller's own libc function (see sim_openat()).
 */
/* A config file of a function that left the bus reads all ones. */
static ssize_t
sim_config_read(int fd, ssize_t n, void *buf)
{
	int fn = sim_config_fn(fd);

	if (n > 0 && fn >= 0 && !plx_sim_func_present(plx_sim_self(), fn))
		memset(buf, 0xff, n);
	return n;
}

static ssize_t
sim_pread_fd(int fd, void *buf, size_t len, off_t off, pread_fn real)
{
	struct sim_device *d = sim_device_of(fd);

	if (d == NULL)
		return sim_config_read(fd, real(fd, buf, len, off), buf);
	return sim_pread(d, buf, len, off);
}

/* Fortified: buflen is the size of buf, which len must not pass. */
static ssize_t
sim_pread_chk(int fd, void *buf, size_t len, off_t off, size_t buflen,
		pread_chk_fn real)
{
	struct sim_device *d = sim_device_of(fd);

	if (d == NULL)
		return sim_config_read(fd, real(fd, buf, len, off, buflen),
			buf);
	if (len > buflen)
		abort();
	return sim_pread(d, buf, len, off);
}

static ssize_t
sim_pwrite_fd(int fd, const void *buf, size_t len, off_t off,
		pwrite_fn real)
{
	struct sim_device *d = sim_device_of(fd);
	int fn = sim_config_fn(fd);

	/* Nothing answers: the write goes nowhere. */
	if (fn >= 0 && !plx_sim_func_present(plx_sim_self(), fn))
		return len;
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
