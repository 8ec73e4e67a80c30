/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Removal in the middle of a scatter-gather op: the engine has done some
 * of its descriptors, not all. The op is one id and gets one status,
 * never SUCCESSFUL; the ops after it are reported as ever.
 */

#include <errno.h>

#include <rte_dmadev.h>

#include "test_dma_plx_unplug.h"

/* Plain ops done, SG ops submitted (the engine stops inside the J-th),
 * SG ops never submitted. */
enum { SG_P = 4, SG_S = 5, SG_J = 2, SG_U = 3 };

/* Descriptor count at which the engine stops: inside SG op SG_J. */
#define SG_STOP_AT	(SG_P + 3 * SG_J + 1)

/*
 * Stage the ops on a started channel; fault strikes at SG_STOP_AT (a
 * stall, or the removal itself), and the engine has done what precedes.
 */
static int
sg_stage(struct tchan *tc, enum plx_sim_fault fault)
{
	unsigned int i;
	uint64_t base;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, FAST_ARGS));
	CHECK_OK(tchan_start(tc, 64));
	base = plx_test_chan_descs(&tc->ch);
	CHECK_EQ(plx_sim_inject(sim, tc->ch.fn, fault, SG_STOP_AT), 0);
	for (i = 0; i < SG_P; i++) {
		CHECK_OK(op_issue(tc, 0, &rc));
		CHECK(rc >= 0);
	}
	for (i = 0; i < SG_S + SG_U; i++) {
		CHECK_OK(op_issue_sg(tc, i + 1 == SG_S ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, &rc));
		CHECK(rc >= 0);
	}
	/* Three descriptors an SG op, as many slots. */
	CHECK_EQ(rte_dma_burst_capacity(tc->ch.id, 0),
		64 - SG_P - 3 * (SG_S + SG_U));
	return plx_test_chan_wait_descs(&tc->ch, base + SG_STOP_AT);
}

/* Every op reported once: done ones, then st, then never submitted. */
static int
sg_drain(struct tchan *tc, enum rte_dma_status_code st, bool use_ok)
{
	tchan_expect(tc, SG_P + SG_J, SG_P + SG_S, st);
	CHECK_OK(plx_test_chan_drain(&tc->ch, use_ok, 4));
	CHECK_EQ(tc->nb_st[2], SG_U);
	return plx_test_chan_stats_match(&tc->ch, tc->ch.id);
}

static int
sg_removed(struct tchan *tc, enum removal how)
{
	int ret = sg_stage(tc, PLX_SIM_FAULT_STALL);

	if (ret != 0)
		return ret;
	if (how == BY_APP) {
		CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	} else {
		CHECK_OK(unbind_request(tc, false));
		CHECK_OK(unbind_wait(tc));
	}
	CHECK_OK(removed_now(tc));
	CHECK_OK(sg_drain(tc, RTE_DMA_STATUS_USER_ABORT, true));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	CHECK_OK(held_fast_path(tc));
	return dev_close_check(tc->ch.id, FREES_HELD);
}

static int
test_sg_remove_app(void)
{
	return sg_removed(&chans[DET_FN], BY_APP);
}

static int
test_sg_remove_unbind(void)
{
	return sg_removed(&chans[DET_FN], BY_UNBIND);
}

/* The device leaves the bus inside the SG op: a link error for it. */
static int
test_sg_surprise(void)
{
	struct tchan *tc = &chans[DET_FN];
	int ret = sg_stage(tc, PLX_SIM_FAULT_SURPRISE_REMOVAL);

	if (ret != 0)
		return ret;
	CHECK_OK(sg_drain(tc, RTE_DMA_STATUS_DEV_LINK_ERROR, false));
	CHECK_OK(plx_test_vchan_is(tc->ch.id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_OK(removed_now(tc));
	return replug(tc, true, false, FREES_GONE);
}

const struct plx_test unplug_sg_tests[] = {
	{ "sg_remove_app", test_sg_remove_app },
	{ "sg_remove_unbind", test_sg_remove_unbind },
	{ "sg_surprise", test_sg_surprise },
	PLX_TEST_END
};
