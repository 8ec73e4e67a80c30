/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The emulated vfio-pci device of a function: its information, regions
 * and interrupts as the ioctls report them, config space and BAR0 through
 * pread and pwrite, BAR0 mapped from the model's BAR0 file. The device fd
 * is laid out as vfio-pci's: region N at offset N << 40.
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "plx_sim_real.h"
#include "plx_sim_vfio_pci.h"

#define SIM_REGION_SHIFT	40
#define SIM_REGION_MASK		((UINT64_C(1) << SIM_REGION_SHIFT) - 1)
/* Config-space offsets (PCI 3.0 type 0 header). */
#define SIM_PCI_COMMAND		0x04
#define SIM_PCI_STATUS		0x06	/* low byte */
#define SIM_PCI_STATUS_CAP_LIST	0x10
#define SIM_PCI_BAR0		0x10
#define SIM_PCI_BARS_END	0x28
#define SIM_PCI_ROM		0x30
#define SIM_PCI_CAP_PTR		0x34
#define SIM_PCI_INT_LINE	0x3c
#define SIM_PCI_INT_PIN		0x3d

/* BAR0 as the run's variants size it. */
static uint64_t
sim_bar0_len(void)
{
	const struct plx_sim_host_opts *o = plx_sim_host_opts();

	return plx_sim_bar0_len(o != NULL ? o->variants : 0);
}

/* --- device ioctls --- */

void
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
	/* The function can be reset, as one with FLR can (plx_hw.rst,
	 * :ref:`plx_hw_reset`). */
	info->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
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
		ri->size = sim_bar0_len();
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

int
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
		/* vfio-pci cannot reach a function that left the bus. */
		return plx_sim_func_reset(plx_sim_self(), d->fn) == 0 ?
			0 : -EIO;
	default:
		return -ENOTTY;
	}
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
		size = sim_bar0_len();
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

/*
 * Config space of a function that left the bus, as vfio-pci shows it:
 * what vfio-pci keeps a copy of (IDs, BARs, ROM, the capability pointer
 * and bit, interrupt line and pin) as it was, the rest all ones, as the
 * function no longer answers.
 */
static void
sim_config_gone(uint8_t *buf, size_t len, off_t roff)
{
	size_t i;

	for (i = 0; i < len; i++) {
		off_t o = roff + i;

		if (o < SIM_PCI_COMMAND ||
				(o >= SIM_PCI_BAR0 && o < SIM_PCI_BARS_END) ||
				(o >= SIM_PCI_ROM && o <= SIM_PCI_CAP_PTR) ||
				o == SIM_PCI_INT_LINE || o == SIM_PCI_INT_PIN)
			continue;
		if (o == SIM_PCI_STATUS)
			buf[i] |= (uint8_t)~SIM_PCI_STATUS_CAP_LIST;
		else
			buf[i] = 0xff;
	}
}

ssize_t
sim_pread(struct sim_device *d, void *buf, size_t len, off_t off)
{
	off_t roff;
	int fd = sim_region(d, off, &len, &roff);
	ssize_t n;

	if (fd < 0)
		return sim_errno(-EINVAL);
	n = REAL(pread_fn, "pread64")(fd, buf, len, roff);
	if (n <= 0 || plx_sim_func_present(plx_sim_self(), d->fn))
		return n;
	if (fd == d->cfg_fd)
		sim_config_gone(buf, n, roff);
	else
		memset(buf, 0xff, n);	/* BAR0 */
	return n;
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

ssize_t
sim_pwrite(struct sim_device *d, const void *buf, size_t len, off_t off)
{
	off_t roff;
	int fd = sim_region(d, off, &len, &roff);

	if (fd < 0)
		return sim_errno(-EINVAL);
	if (fd == d->cfg_fd)
		return sim_config_write(fd, buf, len, roff);
	/* A removed BAR0 drops writes, as its mappings do. */
	if (!plx_sim_func_present(plx_sim_self(), d->fn))
		return len;
	return REAL(pwrite_fn, "pwrite64")(fd, buf, len, roff);
}

void *
sim_mmap(struct sim_device *d, void *addr, size_t len, int prot, int flags,
		off_t off)
{
	uint64_t index = (uint64_t)off >> SIM_REGION_SHIFT;
	uint64_t roff = off & SIM_REGION_MASK;
	int fd;

	/* Only BAR0 is mappable, shared, within its size. */
	if (index != VFIO_PCI_BAR0_REGION_INDEX ||
			(flags & MAP_SHARED) == 0 ||
			roff + len > sim_bar0_len()) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	fd = sim_bar0_fd(d);
	if (fd < 0) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	plx_sim_log(2, "%s: BAR0 mapped", plx_sim_func_addr(d->fn));
	/* A view of the model's: all ones once the function is gone. */
	return plx_sim_bar0_map(plx_sim_self(), d->fn, addr, len, prot, flags,
		roff);
}
