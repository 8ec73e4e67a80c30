/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * A write-back posted just before a surprise removal lands late
 * (dpdk-plx-sim --late-writeback US: US microseconds after the removal).
 * By then the application has stopped and closed the channel and the
 * device has been removed: the slot it lands in must still be the
 * channel's ring, never memory freed or handed to someone else, and the
 * ring is freed within the PMD's grace after (plx.rst,
 * :ref:`plx_surprise_removal`). Only a run with --late-writeback has it.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_memzone.h>

#include "plx_dma_hw.h"
#include "test_dma_plx_unplug.h"

/* Attempts before giving up on closing within US of the removal. */
#define LATE_TRIES	5
#define LATE_SLOT	1	/* the removal strikes after 2 descriptors */
#define CANARY		0x5a

static uint64_t
late_us(void)
{
	const char *v = getenv("PLX_SIM_LATE_WB_US");

	return v != NULL ? strtoull(v, NULL, 0) : 0;
}

struct ring_zone {
	char name[RTE_MEMZONE_NAMESIZE];
	uint64_t iova;		/* of the late slot */
	size_t len;
	const volatile uint32_t *slot;
};

static void
zone_of(const struct rte_memzone *mz, void *arg)
{
	struct ring_zone *z = arg;

	if (z->iova < mz->iova || z->iova >= mz->iova + mz->len)
		return;
	snprintf(z->name, sizeof(z->name), "%s", mz->name);
	z->len = mz->len;
	z->slot = RTE_PTR_ADD(mz->addr, z->iova - mz->iova);
}

/* The memzone that held the slot still does. */
static bool
zone_kept(const struct ring_zone *z)
{
	const struct rte_memzone *mz = rte_memzone_lookup(z->name);

	return mz != NULL && z->iova >= mz->iova &&
		z->iova < mz->iova + mz->len;
}

static bool
canary_intact(const struct rte_memzone *mz)
{
	const uint8_t *p = mz->addr;

	for (size_t i = 0; i < mz->len; i++)
		if (p[i] != CANARY)
			return false;
	return true;
}

/* The ring's slot LATE_SLOT, its memzone found. */
static int
ring_zone_find(const struct tchan *tc, struct ring_zone *z)
{
	const volatile uint8_t *bar = plx_sim_bar0(sim, tc->ch.fn);
	uint64_t base =
		*(const volatile uint32_t *)(bar + PLX_REG_DESC_RING_ADDR) |
		(uint64_t)*(const volatile uint32_t *)(bar +
			PLX_REG_DESC_RING_ADDR_HI) << 32;

	memset(z, 0, sizeof(*z));
	z->iova = base + LATE_SLOT * sizeof(struct plx_dma_hw_desc);
	rte_memzone_walk(zone_of, z);
	CHECK_MSG(z->slot != NULL, "%s: no memzone holds the ring at 0x%" PRIx64,
		tc->ch.addr, base);
	return 0;
}

/* Copies submitted, the device gone, then stop, close and remove. */
static int
vanish_and_close(struct tchan *tc, uint64_t landed)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);
	int rc;

	CHECK_EQ(plx_sim_inject(sim, tc->ch.fn, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		LATE_SLOT + 1), 0);
	for (int i = 0; i < 4; i++) {
		CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
		CHECK_EQ(rc, i);
	}
	while (plx_sim_func_present(sim, tc->ch.fn))
		CHECK_MSG(plx_waiting(&w, 0), "%s never left the bus",
			tc->ch.addr);
	CHECK_EQ(rte_dma_stop(tc->ch.id), 0);
	CHECK_EQ(rte_dma_close(tc->ch.id), 0);
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	/* Landed already: the ring was still in use, nothing proven. */
	if (plx_sim_late_writebacks(sim, tc->ch.fn) != landed)
		printf("# %s: the late write-back came before the close, again\n",
			tc->ch.addr);
	return plx_sim_late_writebacks(sim, tc->ch.fn) != landed;
}

/* Until the late write-back has landed, then until the ring is freed. */
static int
landing_checks(const struct tchan *tc, const struct ring_zone *z,
		const struct rte_memzone *canary, uint64_t landed)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);

	while (plx_sim_late_writebacks(sim, tc->ch.fn) == landed)
		CHECK_MSG(plx_waiting(&w, 0), "%s: no late write-back",
			tc->ch.addr);
	CHECK_MSG(canary_intact(canary),
		"the late write-back of %s landed in memory reserved after the close",
		tc->ch.addr);
	/* If the grace is not over yet, the slot shows the write-back. */
	CHECK(!zone_kept(z) ||
		(*z->slot & PLX_DESC_WB_SUCCESS) != 0);
	w = plx_wait_begin(WAIT_US);
	while (zone_kept(z))
		CHECK_MSG(plx_waiting(&w, 0),
			"the ring of %s kept %u s after its close", tc->ch.addr,
			WAIT_US / 1000000);
	return 0;
}

/* 0 passed, 1 try again (the write-back came before the close), -1. */
static int
late_attempt(struct tchan *tc)
{
	uint64_t landed = plx_sim_late_writebacks(sim, tc->ch.fn);
	const struct rte_memzone *canary;
	struct ring_zone z;
	int ret;

	CHECK_OK(func_restore(tc, NULL));
	CHECK_OK(tchan_start(tc, MIN_RING));
	CHECK_OK(ring_zone_find(tc, &z));
	ret = vanish_and_close(tc, landed);
	if (ret != 0)
		return ret;
	CHECK_MSG(zone_kept(&z),
		"%s: its ring was freed at the close, a write-back still in flight",
		tc->ch.addr);
	/* As the PMD reserves its rings (twice their size, aligned to it):
	 * a freed ring is where this would go first. */
	canary = rte_memzone_reserve_aligned("plx_test_late_canary", z.len,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, z.len / 2);
	CHECK(canary != NULL);
	memset(canary->addr, CANARY, canary->len);
	ret = landing_checks(tc, &z, canary, landed);
	rte_memzone_free(canary);
	return ret;
}

static int
test_late_writeback_kept(void)
{
	struct tchan *tc = &chans[DET_FN];
	int ret = 1;

	NEED_SIM(sim);
	for (int i = 0; i < LATE_TRIES && ret == 1; i++) {
		ret = late_attempt(tc);
		if (plx_sim_replug(sim, tc->ch.fn) != 0 && ret == 0)
			ret = -1;
	}
	CHECK_MSG(ret != 1, "the write-back landed before the close %u times: "
		"--late-writeback %" PRIu64 " is too short here", LATE_TRIES,
		late_us());
	CHECK_OK(ret);
	return func_restore(tc, NULL);
}

/* Whether write-backs land late on this run's switch (--late-writeback). */
bool
unplug_late_armed(void)
{
	return late_us() != 0;
}

const struct plx_test unplug_late_tests[] = {
	{ "late_writeback_kept", test_late_writeback_kept },
	{ NULL, NULL }
};
