/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * DPDK's own PCI bus on the simulated switch. Run under the launcher:
 *
 *   dpdk-plx-sim [-n N] -- test_plx_sim_bus --no-huge -m 256 \
 *	--file-prefix P --no-shconf
 *   dpdk-plx-sim -k uio_pci_generic -- test_plx_sim_bus --in-memory \
 *	-m 16 --file-prefix P
 *
 * Without --no-huge it needs free 2 MiB hugepages, which the test runner
 * reserves (devtools/hugepages.sh); it skips without them.
 *
 * A tiny PCI driver registered here stands in for the PMD: it shows that
 * the unmodified bus probes every simulated function through the emulated
 * kernel driver, maps BAR0 onto the model's registers, that the model's
 * engine can reach DPDK memory (through the emulated IOMMU with vfio, by
 * physical address with uio), and that remove / probe cycles and the
 * vfio unbind request work.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_bus_pci.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <bus_pci_driver.h>

#include "plx_dma_hw.h"
#include "plx_sim_host.h"
#include "test_plx_common.h"

/* The PCI command register's memory space enable (no RTE_ name on 22.11). */
#define PCI_COMMAND_MEM_SPACE	0x2

#define CYCLES		5
#define COPY_LEN	4096
#define HUGEPAGES_NEEDED 96	/* 2 MiB pages: -m 16 grows by 48 MiB */

#define WAIT_US		(2 * 1000 * 1000)	/* for the engine, at most */

static struct plx_test_run run;

static void __rte_format_printf(3, 4)
report(bool ok, const char *name, const char *fmt, ...)
{
	char why[PLX_TEST_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	plx_test_report(&run, name, ok ? 0 : -1, why);
}

static void
skip(const char *name, const char *why)
{
	plx_test_report(&run, name, 1, why);
}

/* --- the test driver --- */

struct func_rec {
	unsigned int probes;
	unsigned int removes;
	struct rte_pci_device *dev;	/* while probed */
	void *bar;
	uint64_t bar_len;
	enum rte_pci_kernel_driver kdrv;
	bool bar_mapped_at_remove;
};

static struct func_rec recs[PLX_SIM_MAX_FUNCS];
static unsigned int stray_probes;

static int
test_probe(struct rte_pci_driver *drv, struct rte_pci_device *dev)
{
	int fn = plx_sim_func_of_addr(dev->name);
	struct func_rec *r;

	if (fn < 0) {
		stray_probes++;
		return -ENODEV;
	}
	r = &recs[fn];
	r->probes++;
	r->dev = dev;
	r->bar = dev->mem_resource[0].addr;
	r->bar_len = dev->mem_resource[0].len;
	r->kdrv = dev->kdrv;
	return 0;
}

static bool
is_mapped(const void *addr)
{
	unsigned char vec;

	return mincore((void *)(uintptr_t)addr, 4096, &vec) == 0;
}

static int
test_remove(struct rte_pci_device *dev)
{
	int fn = plx_sim_func_of_addr(dev->name);

	if (fn < 0)
		return -ENODEV;
	recs[fn].removes++;
	/* The bus unmaps after the driver is done, never before. */
	recs[fn].bar_mapped_at_remove = is_mapped(dev->mem_resource[0].addr);
	recs[fn].dev = NULL;
	return 0;
}

static const struct rte_pci_id test_ids[] = {
	{ RTE_PCI_DEVICE(PLX_PCI_VENDOR_ID, PLX_PCI_DEVICE_ID_DMA) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver test_driver = {
	.id_table = test_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = test_probe,
	.remove = test_remove,
};

RTE_PMD_REGISTER_PCI(plx_sim_bus_test, test_driver);

/* --- register access as a driver does it --- */

static void
wr32(void *bar, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)RTE_PTR_ADD(bar, off) = v;
}

static void
wr16(void *bar, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)RTE_PTR_ADD(bar, off) = v;
}

static uint32_t
rd32(const volatile void *bar, uint32_t off)
{
	return *(const volatile uint32_t *)RTE_PTR_ADD(bar, off);
}

/* A value written on one side of BAR0 shows on the other. */
static bool
bar_shared(struct plx_sim *sim, unsigned int fn, void *bar, char *why,
		size_t len)
{
	volatile void *model = plx_sim_bar0(sim, fn);
	uint32_t v;

	if (model == NULL) {
		snprintf(why, len, "model has no BAR0 for function %u", fn);
		return false;
	}
	wr32(bar, PLX_REG_DESC_RING_COUNT, 0x5a5a0000 + fn);
	v = rd32(model, PLX_REG_DESC_RING_COUNT);
	wr32(bar, PLX_REG_DESC_RING_COUNT, 0);
	if (v != 0x5a5a0000 + fn) {
		snprintf(why, len, "DPDK wrote 0x%x, model read 0x%x",
			0x5a5a0000 + fn, v);
		return false;
	}
	*(volatile uint32_t *)RTE_PTR_ADD(model, PLX_REG_DESC_RING_ADDR) =
		0xa5a50000 + fn;
	v = rd32(bar, PLX_REG_DESC_RING_ADDR);
	*(volatile uint32_t *)RTE_PTR_ADD(model, PLX_REG_DESC_RING_ADDR) = 0;
	if (v != 0xa5a50000 + fn) {
		snprintf(why, len, "model wrote 0x%x, DPDK read 0x%x",
			0xa5a50000 + fn, v);
		return false;
	}
	return true;
}

/* --- one copy through the engine, programmed by hand --- */

static bool
wait_desc(volatile struct plx_dma_hw_desc *d, uint32_t *flags)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);

	do {
		*flags = d->flags_and_size;
		if (!(*flags & PLX_DESC_VALID))
			return true;
	} while (plx_waiting(&w, 0));
	return false;
}

static bool
wait_idle(void *bar)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);

	while (rd32(bar, PLX_REG_CTRL) & PLX_CTRL_IN_PROGRESS)
		if (!plx_waiting(&w, 0))
			return false;
	return true;
}

/*
 * Ring of two: the copy, then an invalid descriptor that stops the engine.
 * Returns the written-back flags, or 0 on timeout.
 */
static uint32_t
run_one_desc(void *bar, uint64_t src, uint64_t dst, uint32_t len)
{
	struct plx_dma_hw_desc *ring;
	rte_iova_t ring_iova;
	uint32_t flags = 0;

	ring = rte_zmalloc("plx_sim_bus_ring", 2 * sizeof(*ring), 64);
	if (ring == NULL)
		return 0;
	ring_iova = rte_malloc_virt2iova(ring);
	ring[0].src_addr_lo = (uint32_t)src;
	ring[0].src_addr_hi = (uint16_t)(src >> 32);
	ring[0].dst_addr_lo = (uint32_t)dst;
	ring[0].dst_addr_hi = (uint16_t)(dst >> 32);
	rte_wmb();
	ring[0].flags_and_size = len | PLX_DESC_VALID;
	rte_wmb();

	wr32(bar, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	wr32(bar, PLX_REG_DESC_RING_ADDR, (uint32_t)ring_iova);
	wr32(bar, PLX_REG_DESC_RING_ADDR_HI, (uint32_t)(ring_iova >> 32));
	wr32(bar, PLX_REG_DESC_RING_NEXT_ADDR, (uint32_t)ring_iova);
	wr32(bar, PLX_REG_DESC_RING_COUNT, 2);
	wr32(bar, PLX_REG_PREF_LIMIT, PLX_PREF_LIMIT_4_DESC);
	wr16(bar, PLX_REG_INTR_CTRL, 0);
	rte_wmb();
	wr16(bar, PLX_REG_CTRL, PLX_CTRL_START_VAL);

	if (!wait_desc(&ring[0], &flags))
		flags = 0;
	/* Back to power-on state for whoever comes next. */
	wait_idle(bar);
	wr32(bar, PLX_REG_CTRL, PLX_CTRL_RESET_VAL);
	wr32(bar, PLX_REG_DESC_RING_COUNT, 0);
	wr32(bar, PLX_REG_DESC_RING_ADDR, 0);
	wr32(bar, PLX_REG_DESC_RING_ADDR_HI, 0);
	wr32(bar, PLX_REG_DESC_RING_NEXT_ADDR, 0);
	rte_free(ring);
	return flags;
}

/* Copy COPY_LEN bytes into the end of a fresh buffer of dst_size. */
static bool
dma_copy_ok(void *bar, size_t dst_size, char *why, size_t len)
{
	uint8_t *src, *dst, *to;
	uint32_t flags;
	bool ok = false;
	unsigned int i;

	src = rte_malloc("plx_sim_bus_src", COPY_LEN, 64);
	dst = rte_zmalloc("plx_sim_bus_dst", dst_size, 64);
	if (src == NULL || dst == NULL) {
		snprintf(why, len, "rte_malloc failed");
		goto out;
	}
	to = dst + dst_size - COPY_LEN;
	for (i = 0; i < COPY_LEN; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	flags = run_one_desc(bar, rte_malloc_virt2iova(src),
		rte_mem_virt2iova(to), COPY_LEN);
	if (flags == 0)
		snprintf(why, len, "descriptor not written back within 2 s");
	else if (!(flags & PLX_DESC_WB_SUCCESS) ||
			(flags & PLX_DESC_SIZE_MASK) != COPY_LEN)
		snprintf(why, len, "written back 0x%08x", flags);
	else if (memcmp(src, to, COPY_LEN) != 0)
		snprintf(why, len, "success reported but data differ");
	else
		ok = true;
out:
	rte_free(src);
	rte_free(dst);
	return ok;
}

/* An address DPDK never mapped for the device must fault, not be read. */
static bool
dma_unmapped_fails(void *bar, char *why, size_t len)
{
	uint8_t *dst = rte_zmalloc("plx_sim_bus_dst", 64, 64);
	uint32_t flags;
	bool ok;

	if (dst == NULL) {
		snprintf(why, len, "rte_malloc failed");
		return false;
	}
	flags = run_one_desc(bar, 0x1000, rte_malloc_virt2iova(dst), 64);
	ok = flags != 0 && (flags & PLX_DESC_WB_READ_FAIL) &&
		!(flags & PLX_DESC_WB_SUCCESS);
	if (!ok)
		snprintf(why, len, "written back 0x%08x, want READ_FAIL",
			flags);
	rte_free(dst);
	return ok;
}

/* --- the checks --- */

static enum rte_pci_kernel_driver expected_kdrv;

static void
check_probe(struct plx_sim *sim, unsigned int nb)
{
	char why[160] = "";
	bool ok = true;
	unsigned int fn;

	for (fn = 0; fn < nb && ok; fn++) {
		struct func_rec *r = &recs[fn];

		if (r->probes != 1 || r->dev == NULL) {
			snprintf(why, sizeof(why), "%s probed %u times",
				plx_sim_func_addr(fn), r->probes);
			ok = false;
		}
	}
	if (ok && stray_probes) {
		snprintf(why, sizeof(why), "%u unexpected device(s) probed",
			stray_probes);
		ok = false;
	}
	report(ok, "probe_all", "%s", why);

	for (fn = 0, ok = true; fn < nb && ok; fn++) {
		if (recs[fn].kdrv != expected_kdrv) {
			snprintf(why, sizeof(why), "%s kdrv %d, want %d",
				plx_sim_func_addr(fn), recs[fn].kdrv,
				expected_kdrv);
			ok = false;
		}
	}
	report(ok, "kdrv", "%s", why);

	for (fn = 0, ok = true; fn < nb && ok; fn++) {
		if (recs[fn].bar == NULL || recs[fn].bar_len != 4096) {
			snprintf(why, sizeof(why), "%s BAR0 at %p len %" PRIu64,
				plx_sim_func_addr(fn), recs[fn].bar,
				recs[fn].bar_len);
			ok = false;
		}
	}
	report(ok, "bar0_mapped", "%s", why);

	for (fn = 0, ok = true; fn < nb && ok; fn++)
		ok = recs[fn].bar != NULL &&
			bar_shared(sim, fn, recs[fn].bar, why, sizeof(why));
	report(ok, "bar0_shared", "%s", why);
}

static void
check_config(unsigned int nb)
{
	uint16_t vendor = 0, device = 0, cmd = 0, want;
	uint32_t class = 0;
	char why[160] = "";
	bool ok = true;
	unsigned int fn;

	/* vfio-pci turns memory decoding on; uio leaves it to the BIOS. */
	want = RTE_PCI_COMMAND_MASTER |
		(expected_kdrv == RTE_PCI_KDRV_VFIO ? PCI_COMMAND_MEM_SPACE : 0);
	for (fn = 0; fn < nb && ok; fn++) {
		struct rte_pci_device *dev = recs[fn].dev;

		if (dev == NULL ||
				rte_pci_read_config(dev, &vendor, 2,
					RTE_PCI_VENDOR_ID) != 2 ||
				rte_pci_read_config(dev, &device, 2,
					RTE_PCI_DEVICE_ID) != 2 ||
				rte_pci_read_config(dev, &class, 4,
					PLX_PCI_CFG_CLASS_REV) != 4 ||
				rte_pci_read_config(dev, &cmd, 2,
					RTE_PCI_COMMAND) != 2) {
			snprintf(why, sizeof(why), "%s: config read failed",
				plx_sim_func_addr(fn));
			ok = false;
		} else if (vendor != PLX_PCI_VENDOR_ID ||
				device != PLX_PCI_DEVICE_ID_DMA ||
				class >> PLX_PCI_CLASS_SHIFT != PLX_PCI_CLASS_DMA ||
				(cmd & want) != want) {
			snprintf(why, sizeof(why),
				"%s: id %04x:%04x class 0x%06x command 0x%04x",
				plx_sim_func_addr(fn), vendor, device,
				class >> PLX_PCI_CLASS_SHIFT, cmd);
			ok = false;
		}
	}
	report(ok, "config_space", "%s", why);
}

/*
 * What software reads of a function that left the bus: BAR0 all ones at
 * once, whatever it writes; config space all ones, but for what
 * vfio-pci keeps a copy of (the IDs); through sysfs (uio) all of it.
 */
static bool
removed_reads_ones(struct plx_sim *sim, unsigned int fn, char *why,
		size_t len)
{
	volatile uint8_t *bar = recs[fn].bar;
	struct rte_pci_device *dev = recs[fn].dev;
	uint64_t dropped = plx_sim_dropped_writes(sim, fn);
	uint16_t vendor = 0, want = PLX_GONE_U16;
	uint32_t class = 0, count;

	if (expected_kdrv == RTE_PCI_KDRV_VFIO)
		want = PLX_PCI_VENDOR_ID;
	*(volatile uint32_t *)(bar + PLX_REG_DESC_RING_COUNT) = 16;
	count = *(volatile uint32_t *)(bar + PLX_REG_DESC_RING_COUNT);
	*(volatile uint16_t *)(bar + PLX_REG_CTRL) = PLX_CTRL_START_VAL;
	if (count != PLX_GONE_U32 ||
			*(volatile uint16_t *)(bar + PLX_REG_CTRL) != PLX_GONE_U16 ||
			plx_sim_dropped_writes(sim, fn) != dropped + 2) {
		snprintf(why, len, "BAR0 read 0x%x after a write, %" PRIu64
			" write(s) dropped", count,
			plx_sim_dropped_writes(sim, fn) - dropped);
		return false;
	}
	if (rte_pci_read_config(dev, &vendor, 2, RTE_PCI_VENDOR_ID) != 2 ||
			rte_pci_read_config(dev, &class, 4,
				PLX_PCI_CFG_CLASS_REV) != 4 ||
			vendor != want || class != PLX_GONE_U32) {
		snprintf(why, len, "config space: vendor 0x%04x, class and "
			"revision 0x%08x", vendor, class);
		return false;
	}
	return true;
}

static void
check_surprise_removal(struct plx_sim *sim, unsigned int fn)
{
	char why[160] = "";
	uint32_t class = 0;
	bool ok;

	if (recs[fn].dev == NULL) {
		report(false, "surprise_removal", "%s not probed",
			plx_sim_func_addr(fn));
		return;
	}
	ok = plx_sim_inject(sim, fn, PLX_SIM_FAULT_SURPRISE_REMOVAL, 0) == 0 &&
		removed_reads_ones(sim, fn, why, sizeof(why));
	if (plx_sim_replug(sim, fn) != 0 ||
			rte_pci_read_config(recs[fn].dev, &class, 4,
				PLX_PCI_CFG_CLASS_REV) != 4 ||
			class >> PLX_PCI_CLASS_SHIFT != PLX_PCI_CLASS_DMA) {
		if (ok)
			snprintf(why, sizeof(why), "replugged: class 0x%08x",
				class);
		ok = false;
	}
	report(ok, "surprise_removal", "%s", why);
}

static void
check_dma(const char *name, unsigned int fn)
{
	char why[160] = "";
	char n2[64];
	void *bar = recs[fn].dev != NULL ? recs[fn].bar : NULL;

	if (bar == NULL) {
		report(false, name, "%s not probed", plx_sim_func_addr(fn));
		return;
	}
	report(dma_copy_ok(bar, COPY_LEN, why, sizeof(why)), name, "%s", why);
	snprintf(n2, sizeof(n2), "%s_unmapped_faults", name);
	report(dma_unmapped_fails(bar, why, sizeof(why)), n2, "%s", why);
}

static bool
cycle_once(struct plx_sim *sim, unsigned int fn, char *why, size_t len)
{
	struct func_rec *r = &recs[fn];
	const char *addr = plx_sim_func_addr(fn);
	unsigned int probes = r->probes, removes = r->removes;
	void *old = r->bar;
	int ret;

	ret = rte_dev_remove(&r->dev->device);
	if (ret != 0 || r->removes != removes + 1) {
		snprintf(why, len, "rte_dev_remove(%s) = %d, remove called %u "
			"time(s)", addr, ret, r->removes - removes);
		return false;
	}
	if (!r->bar_mapped_at_remove || is_mapped(old)) {
		snprintf(why, len, "BAR0 %s at remove, %s after",
			r->bar_mapped_at_remove ? "mapped" : "unmapped",
			is_mapped(old) ? "still mapped" : "unmapped");
		return false;
	}
	ret = rte_dev_probe(addr);
	if (ret != 0 || r->probes != probes + 1 || r->dev == NULL ||
			r->bar == NULL || r->bar_len != 4096) {
		snprintf(why, len, "rte_dev_probe(%s) = %d, probe called %u "
			"time(s), BAR0 %p", addr, ret, r->probes - probes,
			r->bar);
		return false;
	}
	return bar_shared(sim, fn, r->bar, why, len);
}

static void
check_cycles(struct plx_sim *sim, unsigned int fn)
{
	char why[200] = "";
	void *first = recs[fn].bar;
	bool ok = recs[fn].dev != NULL;
	unsigned int i;

	if (!ok)
		snprintf(why, sizeof(why), "%s not probed",
			plx_sim_func_addr(fn));
	for (i = 0; i < CYCLES && ok; i++)
		ok = cycle_once(sim, fn, why, sizeof(why));
	report(ok, "remove_probe_cycles", "%s", why);
	if (ok)
		printf("     BAR0 of %s: first at %p, now at %p\n",
			plx_sim_func_addr(fn), first, recs[fn].bar);
}

/*
 * With hugepages DPDK grows and shrinks its memory at run time, mapping
 * and unmapping it for the device page by page: a buffer bigger than all
 * that was there at start-up must still be reachable, and so must the old
 * memory after the new one was given back.
 */
static void
check_dynamic_memory(unsigned int fn)
{
	const size_t big = 48 << 20;
	char why[160] = "";
	void *bar = recs[fn].dev != NULL ? recs[fn].bar : NULL;
	bool ok;
	int i;

	if (rte_eal_has_hugepages() == 0) {
		skip("dma_dynamic_memory", "memory is static with --no-huge");
		return;
	}
	ok = bar != NULL;
	for (i = 0; i < 3 && ok; i++)
		ok = dma_copy_ok(bar, big, why, sizeof(why)) &&
			dma_copy_ok(bar, COPY_LEN, why, sizeof(why));
	report(ok, "dma_dynamic_memory", "%s", bar ? why : "not probed");
}

/* --- the unbind request (vfio only) --- */

static RTE_ATOMIC(int) req_events;
static char req_dev[RTE_DEV_NAME_MAX_LEN];

static void
on_dev_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	if (type != RTE_DEV_EVENT_REMOVE)
		return;
	snprintf(req_dev, sizeof(req_dev), "%s", name);
	rte_atomic_fetch_add_explicit(&req_events, 1, rte_memory_order_release);
}

static void
check_unbind_request(struct plx_sim *sim, unsigned int fn)
{
	const char *addr = plx_sim_func_addr(fn);
	char why[160] = "";
	uint64_t end;
	bool ok;
	int ret;

	if (expected_kdrv != RTE_PCI_KDRV_VFIO) {
		skip("unbind_request", "vfio only");
		return;
	}
	if (recs[fn].dev == NULL) {
		report(false, "unbind_request", "%s not probed", addr);
		return;
	}
	rte_dev_event_callback_register(NULL, on_dev_event, NULL);
	ret = plx_sim_inject(sim, fn, PLX_SIM_FAULT_UNBIND_REQUEST, 0);
	end = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (rte_atomic_load_explicit(&req_events, rte_memory_order_acquire) == 0 &&
			rte_get_timer_cycles() < end)
		rte_delay_ms(1);
	ok = ret == 0 && rte_atomic_load_explicit(&req_events,
		rte_memory_order_acquire) == 1 && strcmp(req_dev, addr) == 0;
	if (!ok)
		snprintf(why, sizeof(why), "inject %d, %d event(s), device "
			"'%s'", ret, rte_atomic_load_explicit(&req_events,
			rte_memory_order_relaxed), req_dev);
	/* What an application does with the event: let the device go. */
	if (ok && rte_dev_remove(&recs[fn].dev->device) != 0) {
		snprintf(why, sizeof(why), "rte_dev_remove after the request "
			"failed");
		ok = false;
	}
	/* Its notifier is gone with it: a new request reaches nobody. */
	if (ok && plx_sim_inject(sim, fn, PLX_SIM_FAULT_UNBIND_REQUEST,
			0) == 0) {
		snprintf(why, sizeof(why), "REQ notifier still armed after "
			"remove");
		ok = false;
	}
	if (ok && rte_dev_probe(addr) != 0) {
		snprintf(why, sizeof(why), "probe again failed");
		ok = false;
	}
	rte_dev_event_callback_unregister(NULL, on_dev_event, NULL);
	report(ok, "unbind_request", "%s", why);
}

/* --- hugepages for the runs without --no-huge --- */

#define FREE_HUGEPAGES \
	"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

/* The runner reserves them (devtools/hugepages.sh); here we only look. */
static bool
have_hugepages(char *why, size_t len)
{
	FILE *f = fopen(FREE_HUGEPAGES, "r");
	long free_pages = -1;

	if (f != NULL) {
		if (fscanf(f, "%ld", &free_pages) != 1)
			free_pages = -1;
		fclose(f);
	}
	if (free_pages >= HUGEPAGES_NEEDED)
		return true;
	snprintf(why, len, "needs %d free hugepages of 2 MiB, has %ld "
		"(reserve them as root: devtools/hugepages.sh)",
		HUGEPAGES_NEEDED, free_pages);
	return false;
}

static bool
wants_no_huge(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--no-huge") == 0)
			return true;
	return false;
}

static int
finish(int code)
{
	plx_test_summary(&run);
	return code;
}

int
main(int argc, char **argv)
{
	const char *kdrv = getenv("PLX_SIM_KDRV");
	struct plx_sim *sim;
	unsigned int nb;
	char why[160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	expected_kdrv = kdrv != NULL && strcmp(kdrv, "uio_pci_generic") == 0 ?
		RTE_PCI_KDRV_UIO_GENERIC : RTE_PCI_KDRV_VFIO;
	if (getenv("PLX_SIM_ROOT") == NULL) {
		skip("all", "not started by dpdk-plx-sim");
		return finish(77);
	}
	if (!wants_no_huge(argc, argv) &&
			!have_hugepages(why, sizeof(why))) {
		skip("all", why);
		return finish(77);
	}
	if (rte_eal_init(argc, argv) < 0) {
		report(false, "eal_init", "%s", rte_strerror(rte_errno));
		return finish(1);
	}
	report(true, "eal_init", "%s", "");
	sim = plx_sim_self();
	nb = plx_sim_nb_funcs(sim);
	report(sim != NULL && nb > 0, "switch", "no simulated switch in this "
		"process");
	if (sim == NULL || nb == 0) {
		rte_eal_cleanup();
		return finish(1);
	}
	printf("     %u function(s), IOVA as %s\n", nb,
		rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA");
	check_probe(sim, nb);
	check_config(nb);
	check_dma("dma_copy", 0);
	check_dynamic_memory(0);
	check_cycles(sim, 0);
	/* After the cycles the IOMMU must still know DPDK's memory (with a
	 * single function it was dropped and set up again). */
	check_dma("dma_after_cycles", 0);
	check_surprise_removal(sim, 0);
	check_dma("dma_after_replug", 0);
	check_unbind_request(sim, nb > 1 ? 1 : 0);
	rte_eal_cleanup();
	return finish(run.failed > 0 ? 1 : 0);
}
