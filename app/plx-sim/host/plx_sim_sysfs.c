/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fake sysfs of the simulated host, built by the launcher in the
 * private tree of the run: per function its PCI device directory (IDs,
 * resource, config space, BAR0 file, driver link), its IOMMU group or uio
 * device, and the module and /dev entries DPDK looks for.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plx_dma_hw.h"
#include "plx_sim_host_priv.h"
#include "plx_sim_real.h"

/* Where the BAR0s pretend to sit in the physical address space. */
#define SIM_BAR0_PHYS_BASE	UINT64_C(0xfb000000)
#define SIM_UIO_MAJOR		240
#define SIM_PCI_REVISION	0xaa

/* --- the fake sysfs tree --- */

/* Longest root the tree accepts: every path below it then fits. */
#define TREE_ROOT_MAX	(PATH_MAX - 256)

static void
tree_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* snprintf for paths under a root no longer than TREE_ROOT_MAX. */
static void
tree_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static int
tree_mkdir(const char *root, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
tree_mkdir(const char *root, const char *fmt, ...)
{
	char path[PATH_MAX], *p;
	va_list ap;
	int n;

	n = snprintf(path, sizeof(path), "%s/", root);
	va_start(ap, fmt);
	vsnprintf(path + n, sizeof(path) - n, fmt, ap);
	va_end(ap);
	/* mkdir -p of what lies below the root */
	for (p = path + n + 1; ; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			plx_sim_log(0, "mkdir %s: %s", path, strerror(errno));
			return -1;
		}
		if (last)
			return 0;
		*p = '/';
	}
}

static int
tree_write(const char *dir, const char *name, const void *data, size_t len,
		size_t size)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	tree_fmt(path, sizeof(path), "%s/%s", dir, name);
	fd = REAL(open_fn, "open")(path,
		O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 ||
			(len && write(fd, data, len) != (ssize_t)len) ||
			(size > len && ftruncate(fd, size) < 0))
		ret = -1;
	if (ret < 0)
		plx_sim_log(0, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		real_close(fd);
	return ret;
}

static int
tree_printf(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
tree_printf(const char *dir, const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tree_write(dir, name, buf, strlen(buf), 0);
}

static int
tree_symlink(const char *target, const char *dir, const char *name)
{
	char path[PATH_MAX];

	tree_fmt(path, sizeof(path), "%s/%s", dir, name);
	if (symlink(target, path) < 0) {
		plx_sim_log(0, "symlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
tree_put16(uint8_t *cfg, unsigned int off, uint16_t v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = v >> 8;
}

static void
tree_put32(uint8_t *cfg, unsigned int off, uint32_t v)
{
	tree_put16(cfg, off, v & 0xffff);
	tree_put16(cfg, off + 2, v >> 16);
}

static uint64_t
tree_bar0_phys(unsigned int fn, const struct plx_sim_host_opts *o)
{
	return SIM_BAR0_PHYS_BASE +
		(uint64_t)fn * plx_sim_bar0_len(o->variants);
}

/* Type 0 header as the function comes out of reset: decoding off, no
 * capabilities (so no MSI-X table to map around), INTA. */
static int
tree_config(const char *dir, unsigned int fn,
		const struct plx_sim_host_opts *o)
{
	uint8_t cfg[SIM_CONFIG_LEN];

	memset(cfg, 0, sizeof(cfg));
	tree_put16(cfg, 0x00, PLX_PCI_VENDOR_ID);
	tree_put16(cfg, 0x02, PLX_PCI_DEVICE_ID_DMA);
	tree_put32(cfg, PLX_PCI_CFG_CLASS_REV,
		(PLX_PCI_CLASS_DMA << PLX_PCI_CLASS_SHIFT) | SIM_PCI_REVISION);
	cfg[0x0e] = 0x80; /* multi-function: function 0 is the port */
	tree_put32(cfg, 0x10, (uint32_t)tree_bar0_phys(fn, o));
	tree_put16(cfg, 0x2c, PLX_PCI_VENDOR_ID);
	tree_put16(cfg, 0x2e, PLX_PCI_DEVICE_ID_DMA);
	cfg[0x3c] = 0xff;
	cfg[0x3d] = 1;
	return tree_write(dir, "config", cfg, sizeof(cfg), 0);
}

static int
tree_resource(const char *dir, unsigned int fn,
		const struct plx_sim_host_opts *o)
{
	char buf[1024];
	size_t n = 0;
	unsigned int i;
	uint64_t start = tree_bar0_phys(fn, o);

	/* 6 BARs, the ROM and 6 SR-IOV BARs, as sysfs lists them. */
	n += snprintf(buf + n, sizeof(buf) - n,
		"0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64 "\n",
		start, start + plx_sim_bar0_len(o->variants) - 1,
		UINT64_C(0x40200));
	for (i = 1; i < 13; i++)
		n += snprintf(buf + n, sizeof(buf) - n,
			"0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
	return tree_write(dir, "resource", buf, n, 0);
}

static int
tree_ids(const char *dir, unsigned int fn, const struct plx_sim_host_opts *o)
{
	const char *kdrv = plx_sim_kdrv_name(o->kdrv);

	if (tree_printf(dir, "vendor", "0x%04x\n", PLX_PCI_VENDOR_ID) < 0 ||
			tree_printf(dir, "device", "0x%04x\n",
				PLX_PCI_DEVICE_ID_DMA) < 0 ||
			tree_printf(dir, "subsystem_vendor", "0x%04x\n",
				PLX_PCI_VENDOR_ID) < 0 ||
			tree_printf(dir, "subsystem_device", "0x%04x\n",
				PLX_PCI_DEVICE_ID_DMA) < 0 ||
			tree_printf(dir, "class", "0x%06x\n",
				PLX_PCI_CLASS_DMA) < 0 ||
			tree_printf(dir, "revision", "0x%02x\n",
				SIM_PCI_REVISION) < 0 ||
			tree_printf(dir, "numa_node", "0\n") < 0 ||
			tree_printf(dir, "irq", "0\n") < 0 ||
			tree_printf(dir, "enable", "1\n") < 0 ||
			tree_printf(dir, "uevent",
				"DRIVER=%s\nPCI_CLASS=%X\nPCI_ID=%04X:%04X\n"
				"PCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n",
				kdrv, PLX_PCI_CLASS_DMA, PLX_PCI_VENDOR_ID,
				PLX_PCI_DEVICE_ID_DMA, PLX_PCI_VENDOR_ID,
				PLX_PCI_DEVICE_ID_DMA,
				plx_sim_func_addr(fn)) < 0)
		return -1;
	return 0;
}

static int
tree_vfio_func(const char *root, const char *dir, unsigned int fn)
{
	const char *addr = plx_sim_func_addr(fn);
	unsigned int g = plx_sim_func_group(fn);
	char path[PATH_MAX], target[PATH_MAX];

	tree_fmt(target, sizeof(target), "../../../../kernel/iommu_groups/%u",
		g);
	if (tree_mkdir(root, "sys/kernel/iommu_groups/%u/devices", g) < 0 ||
			tree_symlink(target, dir, "iommu_group") < 0)
		return -1;
	tree_fmt(path, sizeof(path), "%s/sys/kernel/iommu_groups/%u/devices",
		root, g);
	tree_fmt(target, sizeof(target), "../../../../bus/pci/devices/%s",
		addr);
	if (tree_symlink(target, path, addr) < 0)
		return -1;
	/* The group's character device: opening it is emulated. */
	tree_fmt(path, sizeof(path), "%s/dev/vfio", root);
	tree_fmt(target, sizeof(target), "%u", g);
	return tree_write(path, target, NULL, 0, 0);
}

static int
tree_uio_func(const char *root, const char *dir, unsigned int fn)
{
	unsigned int u = plx_sim_func_uio(fn);
	char path[PATH_MAX], target[PATH_MAX], name[32];

	tree_fmt(path, sizeof(path), "%s/uio/uio%u", dir, u);
	if (tree_mkdir(root, "sys/bus/pci/devices/%s/uio/uio%u",
			plx_sim_func_addr(fn), u) < 0 ||
			tree_printf(path, "dev", "%u:%u\n", SIM_UIO_MAJOR,
				u) < 0 ||
			tree_printf(path, "name", "uio_pci_generic\n") < 0 ||
			tree_printf(path, "version", "0.01.0\n") < 0 ||
			tree_symlink("../..", path, "device") < 0)
		return -1;
	tree_fmt(path, sizeof(path), "%s/sys/class/uio", root);
	tree_fmt(target, sizeof(target), "../../bus/pci/devices/%s/uio/uio%u",
		plx_sim_func_addr(fn), u);
	tree_fmt(name, sizeof(name), "uio%u", u);
	if (tree_symlink(target, path, name) < 0)
		return -1;
	/* /dev/uioN: a plain file, DPDK only keeps it open. */
	tree_fmt(path, sizeof(path), "%s/dev", root);
	return tree_write(path, name, NULL, 0, 0);
}

static int
tree_func(const char *root, unsigned int fn, const struct plx_sim_host_opts *o)
{
	const char *addr = plx_sim_func_addr(fn);
	const char *kdrv = plx_sim_kdrv_name(o->kdrv);
	char dir[PATH_MAX], target[PATH_MAX], path[PATH_MAX];

	if (tree_mkdir(root, "sys/bus/pci/devices/%s", addr) < 0)
		return -1;
	tree_fmt(dir, sizeof(dir), "%s/sys/bus/pci/devices/%s", root, addr);
	tree_fmt(target, sizeof(target), "../../drivers/%s", kdrv);
	if (tree_ids(dir, fn, o) < 0 || tree_resource(dir, fn, o) < 0 ||
			tree_config(dir, fn, o) < 0 ||
			tree_write(dir, "resource0", NULL, 0,
				plx_sim_bar0_len(o->variants)) < 0 ||
			tree_symlink(target, dir, "driver") < 0)
		return -1;
	tree_fmt(path, sizeof(path), "%s/sys/bus/pci/drivers/%s", root, kdrv);
	tree_fmt(target, sizeof(target), "../../devices/%s", addr);
	if (tree_symlink(target, path, addr) < 0)
		return -1;
	if (o->kdrv == PLX_SIM_KDRV_VFIO)
		return tree_vfio_func(root, dir, fn);
	return tree_uio_func(root, dir, fn);
}

static int
tree_modules(const char *root, const struct plx_sim_host_opts *o)
{
	char path[PATH_MAX];

	if (o->kdrv == PLX_SIM_KDRV_UIO)
		return tree_mkdir(root, "sys/module/uio") < 0 ||
			tree_mkdir(root, "sys/module/uio_pci_generic") < 0 ||
			tree_mkdir(root, "sys/class/uio") < 0 ? -1 : 0;
	if (tree_mkdir(root, "sys/module/vfio/parameters") < 0 ||
			tree_mkdir(root, "sys/module/vfio_pci") < 0 ||
			tree_mkdir(root, "sys/module/vfio_iommu_type1") < 0 ||
			tree_mkdir(root, "dev/vfio") < 0)
		return -1;
	tree_fmt(path, sizeof(path), "%s/sys/module/vfio/parameters", root);
	if (tree_printf(path, "enable_unsafe_noiommu_mode", "N\n") < 0)
		return -1;
	tree_fmt(path, sizeof(path), "%s/dev/vfio", root);
	return tree_write(path, "vfio", NULL, 0, 0);
}

int
plx_sim_tree_build(const char *root, const struct plx_sim_host_opts *opts)
{
	unsigned int fn;

	if (opts->nb_funcs == 0 || opts->nb_funcs > PLX_SIM_MAX_FUNCS ||
			strlen(root) > TREE_ROOT_MAX)
		return -1;
	if (tree_mkdir(root, "sys/bus/pci/drivers/%s",
			plx_sim_kdrv_name(opts->kdrv)) < 0 ||
			tree_mkdir(root, "sys/bus/pci/devices") < 0 ||
			tree_mkdir(root, "dev") < 0 ||
			tree_mkdir(root, "run") < 0 ||
			tree_modules(root, opts) < 0)
		return -1;
	for (fn = 0; fn < opts->nb_funcs; fn++)
		if (tree_func(root, fn, opts) < 0)
			return -1;
	return 0;
}
