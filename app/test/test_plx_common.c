/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* The dmadev and PCI steps the test programs share: see test_plx_common.h. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"

/* --- results --- */

const char *
plx_test_status_name(enum rte_dma_status_code st)
{
	switch (st) {
	case RTE_DMA_STATUS_SUCCESSFUL: return "SUCCESSFUL";
	case RTE_DMA_STATUS_USER_ABORT: return "USER_ABORT";
	case RTE_DMA_STATUS_NOT_ATTEMPTED: return "NOT_ATTEMPTED";
	case RTE_DMA_STATUS_BUS_READ_ERROR: return "BUS_READ_ERROR";
	case RTE_DMA_STATUS_BUS_WRITE_ERROR: return "BUS_WRITE_ERROR";
	case RTE_DMA_STATUS_BUS_ERROR: return "BUS_ERROR";
	case RTE_DMA_STATUS_DEV_LINK_ERROR: return "DEV_LINK_ERROR";
	case RTE_DMA_STATUS_ERROR_UNKNOWN: return "ERROR_UNKNOWN";
	default: return "other";
	}
}

/* --- waiting --- */

int
plx_test_wait_descs(struct plx_sim *sim, unsigned int fn, uint64_t target,
		uint64_t us)
{
	struct plx_wait w = plx_wait_begin(us);

	while (plx_sim_desc_count(sim, fn) < target)
		CHECK_MSG(plx_waiting(&w, 0),
			"timeout: the engine of %s is at descriptor %" PRIu64 ", waiting for %" PRIu64,
			plx_sim_func_addr(fn), plx_sim_desc_count(sim, fn),
			target);
	CHECK_EQ(plx_sim_desc_count(sim, fn), target);
	return 0;
}

/* --- dmadevs --- */

int
plx_test_dev_id(const char *name, int16_t *id)
{
	int ret = rte_dma_get_dev_id_by_name(name);

	CHECK_MSG(ret >= 0, "no dmadev named %s", name);
	*id = ret;
	return 0;
}

int
plx_test_configure(int16_t id, uint16_t nb_desc)
{
	const struct rte_dma_conf conf = { .nb_vchans = 1 };
	const struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = nb_desc,
	};

	CHECK_EQ(rte_dma_configure(id, &conf), 0);
	CHECK_EQ(rte_dma_vchan_setup(id, 0, &qconf), 0);
	CHECK_EQ(rte_dma_stats_reset(id, 0), 0);
	return 0;
}

int
plx_test_start(int16_t id, uint16_t nb_desc, uint16_t *ring)
{
	CHECK_OK(plx_test_configure(id, nb_desc));
	CHECK_EQ(rte_dma_start(id), 0);
	*ring = rte_dma_burst_capacity(id, 0);
	CHECK_EQ(*ring, rte_align32pow2(nb_desc));
	return 0;
}

int
plx_test_vchan_is(int16_t id, enum rte_dma_vchan_status exp)
{
	enum rte_dma_vchan_status vs;

	CHECK_EQ(rte_dma_vchan_status(id, 0, &vs), 0);
	CHECK_MSG(vs == exp, "dmadev %d: vchan status %d, expected %d",
		id, vs, exp);
	return 0;
}

int
plx_test_stats_are(int16_t id, uint64_t submitted, uint64_t completed,
		uint64_t errors)
{
	struct rte_dma_stats s;

	CHECK_EQ(rte_dma_stats_get(id, 0, &s), 0);
	CHECK_MSG(s.submitted == submitted && s.completed == completed &&
			s.errors == errors,
		"dmadev %d stats: submitted %" PRIu64 ", completed %" PRIu64 ", errors %" PRIu64
		"; expected %" PRIu64 ", %" PRIu64 ", %" PRIu64,
		id, s.submitted, s.completed, s.errors, submitted, completed,
		errors);
	return 0;
}

int
plx_test_dump_has(int16_t id, const char *a, const char *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool ok;
	int ret;

	CHECK(f != NULL);
	ret = rte_dma_dump(id, f);
	fclose(f);
	ok = ret == 0 && strstr(buf, a) != NULL && strstr(buf, b) != NULL;
	free(buf);
	CHECK_MSG(ok, "rte_dma_dump(%d) returned %d, or lacks \"%s\" or \"%s\"",
		id, ret, a, b);
	return 0;
}

/* --- PCI devices --- */

struct rte_device *
plx_test_pci_find(const char *addr)
{
	struct rte_dev_iterator it;
	struct rte_device *dev, *found = NULL;

	RTE_DEV_FOREACH(dev, "bus=pci", &it)
		if (strcmp(rte_dev_name(dev), addr) == 0)
			found = dev;
	return found;
}

int
plx_test_pci_remove(const char *addr, bool by_name)
{
	struct rte_device *dev;

	if (by_name)
		return rte_eal_hotplug_remove("pci", addr);
	dev = plx_test_pci_find(addr);
	return dev == NULL ? -ENOENT : rte_dev_remove(dev);
}

const char *
plx_test_devstr(char *buf, size_t len, const char *addr, const char *args)
{
	snprintf(buf, len, "%s%s%s", addr, args != NULL ? "," : "",
		args != NULL ? args : "");
	return buf;
}

int
plx_test_pci_probe(const char *addr, const char *args)
{
	char devstr[128];

	return rte_dev_probe(plx_test_devstr(devstr, sizeof(devstr), addr,
		args));
}

int
plx_test_pci_restore(struct plx_sim *sim, const char *addr, const char *args)
{
	struct rte_device *dev = plx_test_pci_find(addr);
	int fn = plx_sim_func_of_addr(addr);
	char devstr[128];

	CHECK_MSG(fn >= 0, "%s is no simulated function", addr);
	if (dev != NULL && rte_dev_is_probed(dev))
		CHECK_EQ(rte_dev_remove(dev), 0);
	CHECK_EQ(plx_sim_replug(sim, fn), 0);
	plx_sim_clear_faults(sim, fn);
	CHECK_MSG(plx_test_pci_probe(addr, args) == 0, "probe of %s failed",
		plx_test_devstr(devstr, sizeof(devstr), addr, args));
	return 0;
}

/* --- the rte_malloc heap, and channels left held --- */

void
plx_test_heap_get(struct plx_test_heap *h)
{
	struct rte_malloc_socket_stats s;
	unsigned int i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < rte_socket_count(); i++) {
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
				&s) != 0)
			continue;
		h->bytes += s.heap_allocsz_bytes;
		h->count += s.alloc_count;
	}
}

int
plx_test_heap_same(const struct plx_test_heap *base,
		const struct plx_test_heap *now, const char *what)
{
	CHECK_MSG(base->bytes == now->bytes && base->count == now->count,
		"rte_malloc heap %s: %" PRIu64 " bytes in %" PRIu64
		" allocations, was %" PRIu64 " in %" PRIu64, what, now->bytes,
		now->count, base->bytes, base->count);
	return 0;
}

void
plx_test_close_held(void)
{
	struct rte_dma_info info;
	int16_t id;

	for (id = 0; id < RTE_DMADEV_DEFAULT_MAX; id++) {
		if (!rte_dma_is_valid(id) ||
				rte_dma_info_get(id, &info) != 0 ||
				strstr(info.dev_name, "-removed") == NULL)
			continue;
		rte_dma_stop(id);
		rte_dma_close(id);
	}
}

/* --- the captured log --- */

static FILE *log_f;
static char *log_buf;
static size_t log_len;
static size_t log_mark;

/*
 * Hold the stream and bring log_buf up to date: a thread logging
 * meanwhile (a removal the test waits on) waits, rather than move the
 * buffer under a search.
 */
static void
log_lock(void)
{
	flockfile(log_f);
	fflush(log_f);
}

void
plx_test_log_start(void)
{
	log_f = open_memstream(&log_buf, &log_len);
	if (log_f != NULL)
		rte_openlog_stream(log_f);
}

void
plx_test_log_mark(void)
{
	if (log_f == NULL)
		return;
	fflush(log_f);
	log_mark = log_len;
}

unsigned int
plx_test_log_count(const char *s)
{
	const char *p;
	unsigned int n = 0;

	if (log_f == NULL)
		return 0;
	log_lock();
	for (p = log_buf + log_mark; (p = strstr(p, s)) != NULL; p++)
		n++;
	funlockfile(log_f);
	return n;
}

bool
plx_test_log_has(const char *s)
{
	bool found;

	if (log_f == NULL)
		return true;
	log_lock();
	found = strstr(log_buf + log_mark, s) != NULL;
	funlockfile(log_f);
	return found;
}

void
plx_test_log_show(void)
{
	const size_t tail = 16 * 1024;
	const char *p, *nl;

	if (log_f == NULL)
		return;
	fflush(log_f);
	p = log_buf + log_mark;
	if (log_len - log_mark > tail)
		p = log_buf + log_len - tail;
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			printf("# log: %s\n", p);
			break;
		}
		printf("# log: %.*s\n", (int)(nl - p), p);
	}
}

void
plx_test_log_stop(void)
{
	rte_openlog_stream(NULL);
}

void
plx_test_log_free(void)
{
	if (log_f != NULL)
		fclose(log_f);
	free(log_buf);
	log_f = NULL;
	log_buf = NULL;
}

void
plx_test_log_resume(void)
{
	if (log_f != NULL)
		rte_openlog_stream(log_f);
}

/* --- the ownership checker of the simulated switch --- */

static int
test_ownership_clean(void)
{
	struct plx_sim *sim = plx_sim_self();
	unsigned int fn;

	NEED_SIM(sim);
	for (fn = 0; fn < plx_sim_nb_funcs(sim); fn++) {
		uint64_t n = plx_sim_ownership_errors(sim, fn);

		CHECK_MSG(n == 0, "function %u: %" PRIu64
			" descriptors rewritten while the engine owned them (see plx-sim's log)",
			fn, n);
	}
	return 0;
}

const struct plx_test plx_test_ownership[] = {
	{ "ownership_clean", test_ownership_clean },
	PLX_TEST_END
};
