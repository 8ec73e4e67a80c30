/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_REAL_H
#define PLX_SIM_REAL_H

/*
 * The real C library, behind the stand-ins of plx_sim_libc.c. The rest of
 * the host library opens, reads, writes, maps and closes its own files
 * through these, never through the stand-ins.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
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

static inline int
real_close(int fd)
{
	return REAL(close_fn, "close")(fd);
}

/* Fail as the C library does: -1, the error (a negative errno) in errno. */
static inline int
sim_errno(int ret)
{
	errno = -ret;
	return -1;
}

#endif /* PLX_SIM_REAL_H */
