/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* What the dma_plx test programs share: see test_plx_common.h. */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_pause.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"

/* --- results --- */

__thread char plx_test_msg[PLX_TEST_MSG_LEN];

static void
record_va(const char *file, int line, const char *fmt, va_list ap)
{
	const char *base = file != NULL ? strrchr(file, '/') : NULL;
	int n;

	if (plx_test_msg[0] != '\0')
		return;
	n = vsnprintf(plx_test_msg, sizeof(plx_test_msg), fmt, ap);
	if (file == NULL || n < 0 || (size_t)n >= sizeof(plx_test_msg))
		return;
	snprintf(plx_test_msg + n, sizeof(plx_test_msg) - n, " (%s:%d)",
		base != NULL ? base + 1 : file, line);
}

void
plx_test_record(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_va(file, line, fmt, ap);
	va_end(ap);
}

void
plx_test_msg_prefix(const char *fmt, ...)
{
	char prefix[PLX_TEST_MSG_LEN / 2], old[PLX_TEST_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, plx_test_msg, sizeof(old));
	if (snprintf(plx_test_msg, sizeof(plx_test_msg), "%s: %s", prefix,
			old) < 0)
		memcpy(plx_test_msg, old, sizeof(old));
}

void
plx_test_record_eq(const char *file, int line, const char *a, long long av,
		const char *b, long long bv)
{
	char num[24];

	/* "x is 3, expected 4", or "x is 3, expected n + 1 = 4". */
	snprintf(num, sizeof(num), "%lld", bv);
	if (strcmp(num, b) == 0)
		plx_test_record(file, line, "%s is %lld, expected %lld", a, av,
			bv);
	else
		plx_test_record(file, line, "%s is %lld, expected %s = %lld", a,
			av, b, bv);
}

const char *
plx_test_status_name(enum rte_dma_status_code st)
{
	switch (st) {
	case RTE_DMA_STATUS_SUCCESSFUL: return "SUCCESSFUL";
	case RTE_DMA_STATUS_USER_ABORT: return "USER_ABORT";
	case RTE_DMA_STATUS_NOT_ATTEMPTED: return "NOT_ATTEMPTED";
	case RTE_DMA_STATUS_BUS_READ_ERROR: return "BUS_READ_ERROR";
	case RTE_DMA_STATUS_BUS_WRITE_ERROR: return "BUS_WRITE_ERROR";
	case RTE_DMA_STATUS_DEV_LINK_ERROR: return "DEV_LINK_ERROR";
	case RTE_DMA_STATUS_ERROR_UNKNOWN: return "ERROR_UNKNOWN";
	default: return "other";
	}
}

int
plx_test_result(int ret, char *msg, size_t len)
{
	if (ret == 0 && plx_test_msg[0] != '\0')
		ret = -1;
	if (msg != NULL)
		snprintf(msg, len, "%s", ret < 0 && plx_test_msg[0] == '\0' ?
			"?" : plx_test_msg);
	return ret;
}

/* --- the runner --- */

bool
plx_test_option(struct plx_test_run *r, int argc, char **argv, int *i)
{
	const char *opt = argv[*i];

	if (strcmp(opt, "--filter") == 0 && *i + 1 < argc) {
		r->filter = argv[++*i];
		return true;
	}
	if (strcmp(opt, "--list") == 0) {
		r->list = true;
		return true;
	}
	if (strcmp(opt, "--times") == 0) {
		r->times = true;
		return true;
	}
	return false;
}

void
plx_test_list(const struct plx_test *tests, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		printf("%s\n", tests[i].name);
}

bool
plx_test_selected(const struct plx_test_run *r, const struct plx_test *t)
{
	return r->filter == NULL || strstr(t->name, r->filter) != NULL;
}

void
plx_test_report(struct plx_test_run *r, const char *name, int ret,
		const char *msg)
{
	if (ret == 0) {
		printf("PASS %s\n", name);
		r->passed++;
	} else if (ret > 0) {
		printf("SKIP %s: %s\n", name, msg);
		r->skipped++;
	} else {
		printf("FAIL %s: %s\n", name, msg[0] != '\0' ? msg : "?");
		r->failed++;
	}
}

int
plx_test_run(struct plx_test_run *r, const struct plx_test *t)
{
	uint64_t t0 = plx_test_now_us();
	int ret;

	plx_test_msg[0] = '\0';
	ret = plx_test_result(t->fn(), NULL, 0);
	if (r->times)
		printf("# %s: %" PRIu64 " ms\n", t->name,
			(plx_test_now_us() - t0) / 1000);
	plx_test_report(r, t->name, ret, plx_test_msg);
	return ret;
}

void
plx_test_summary(const struct plx_test_run *r)
{
	if (r->skipped > 0)
		printf("%u passed, %u failed, %u skipped\n", r->passed,
			r->failed, r->skipped);
	else
		printf("%u passed, %u failed\n", r->passed, r->failed);
	fflush(stdout);
}

/* --- waiting --- */

uint64_t
plx_test_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
plx_test_idle(unsigned int *spins)
{
	if (++*spins % 16 == 0)
		sched_yield();
	else
		rte_pause();
}

struct plx_wait
plx_wait_begin(uint64_t us)
{
	return (struct plx_wait){ .us = us, .end = plx_test_now_us() + us };
}

bool
plx_waiting(struct plx_wait *w, unsigned int progress)
{
	if (progress > 0) {
		w->end = plx_test_now_us() + w->us;
		return true;
	}
	if (plx_test_now_us() > w->end)
		return false;
	plx_test_idle(&w->spins);
	return true;
}

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
