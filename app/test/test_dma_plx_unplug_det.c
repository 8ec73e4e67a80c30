/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The deterministic unplug tests: the simulator's faults force the
 * awkward moments (stalled engine, pause or abort never acknowledged,
 * device gone with a full ring or during rte_dma_stop) and every status,
 * error code and counter is asserted exactly.
 */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_launch.h>

#include "plx_dma_hw.h"
#include "test_dma_plx_unplug.h"

/* Polling a channel whose device vanished notices it within (generous,
 * for sanitizers on 2 cores; the PMD checks every 100 us). */
#define SURPRISE_BOUND_US (1000 * 1000)

/*
 * Start tc, stall its engine after k ops, hand out k + m submitted ops
 * and u more never submitted; return once the engine has done k.
 */
static int
stage_stalled(struct tchan *tc, const char *args, unsigned int k,
		unsigned int m, unsigned int u, uint16_t nb_desc)
{
	uint64_t base;
	unsigned int i;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, args));
	CHECK_OK(tchan_start(tc, nb_desc));
	base = plx_test_chan_descs(&tc->ch);
	CHECK_EQ(plx_sim_inject(sim, tc->ch.fn, PLX_SIM_FAULT_STALL, k), 0);
	for (i = 0; i < k + m + u; i++) {
		CHECK_OK(op_issue(tc, i + 1 == k + m ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, &rc));
		CHECK_MSG(rc >= 0, "copy %u on %s: %d", i, tc->ch.addr, rc);
	}
	if (k + m + u == tc->ch.nb_desc) {
		CHECK_OK(op_issue(tc, 0, &rc));
		CHECK_EQ(rc, -ENOSPC);
	}
	return plx_test_chan_wait_descs(&tc->ch, base + k);
}

struct stall_case {
	enum removal how;
	enum plx_sim_fault extra;	/* besides the stall */
	const char *log_line;		/* the PMD must log it */
	unsigned int frees;		/* by rte_dma_close() */
};

enum { STALL_K = 5, STALL_M = 9, STALL_U = 4 };

/*
 * Remove a device whose engine is stuck: the PMD must fall back from the
 * graceful pause to an abort (or give up on the engine), yet return 0 in
 * bounded time and report ops exactly.
 */
static int
stalled_removal(const struct stall_case *c)
{
	struct tchan *tc = &chans[DET_FN];
	uint64_t t0, dt;
	int ret;

	ret = stage_stalled(tc, FAST_ARGS, STALL_K, STALL_M, STALL_U, 32);
	if (ret != 0)
		return ret;
	if (c->extra != PLX_SIM_FAULT_NONE)
		CHECK_EQ(plx_sim_inject(sim, tc->ch.fn, c->extra, 0), 0);
	t0 = plx_test_now_us();
	if (c->how == BY_APP) {
		CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	} else {
		CHECK_OK(unbind_request(tc, false));
		CHECK_OK(unbind_wait(tc));
	}
	dt = plx_test_now_us() - t0;
	CHECK_MSG(dt >= FAST_STOP_MS * 1000 && dt < WAIT_US,
		"removal took %" PRIu64 " us with a %u ms stop timeout", dt,
		FAST_STOP_MS);
	CHECK_MSG(plx_test_log_has(c->log_line), "the PMD did not log \"%s\"",
		c->log_line);
	CHECK_OK(removed_now(tc));
	tchan_expect(tc, STALL_K, STALL_K + STALL_M,
		RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(plx_test_chan_drain(&tc->ch, true, 4));
	CHECK_OK(plx_test_chan_stats_match(&tc->ch, tc->ch.id));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	CHECK_OK(held_fast_path(tc));
	return dev_close_check(tc->ch.id, c->frees);
}

static int
test_remove_stalled(void)
{
	static const struct stall_case c = { BY_APP, PLX_SIM_FAULT_NONE,
		"graceful pause timed out, aborting", FREES_HELD };

	return stalled_removal(&c);
}

static int
test_remove_pause_stuck(void)
{
	static const struct stall_case c = { BY_APP,
		PLX_SIM_FAULT_PAUSE_STUCK,
		"graceful pause timed out, aborting", FREES_HELD };

	return stalled_removal(&c);
}

/* The engine ignores pause and abort: the function reset stops it. */
static int
test_remove_abort_stuck(void)
{
	static const struct stall_case c = { BY_APP,
		PLX_SIM_FAULT_ABORT_STUCK,
		"engine ignored pause and abort; function reset took",
		FREES_HELD };

	return stalled_removal(&c);
}

static int
test_unbind_stalled(void)
{
	static const struct stall_case c = { BY_UNBIND, PLX_SIM_FAULT_NONE,
		"graceful pause timed out, aborting", FREES_HELD };

	return stalled_removal(&c);
}

/* The vanished device was noticed (first failure) in bounded time. */
static int
noticed_within(const struct tchan *tc, uint64_t t0)
{
	CHECK_MSG(tc->first_fail_us != 0 &&
			tc->first_fail_us - t0 < SURPRISE_BOUND_US,
		"%s: the vanished device was noticed after %" PRIu64 " us",
		tc->ch.addr, tc->first_fail_us - t0);
	return 0;
}

/*
 * Nothing outstanding when the device vanishes: the first copy cannot
 * know (no register is read), it is reported DEV_LINK_ERROR as soon as
 * completions are polled, and then copy and submit fail.
 */
static int
test_surprise_idle(void)
{
	struct tchan *tc = &chans[DET_FN];
	uint64_t t0;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	CHECK_OK(tchan_start(tc, 32));
	CHECK_OK(smoke(tc));
	CHECK_EQ(plx_sim_inject(sim, tc->ch.fn, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0), 0);
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_EQ(rc, SMOKE_OPS);
	tchan_expect(tc, SMOKE_OPS, SMOKE_OPS + 1,
		RTE_DMA_STATUS_DEV_LINK_ERROR);
	t0 = plx_test_now_us();
	CHECK_OK(plx_test_chan_drain(&tc->ch, false, 4));
	CHECK_OK(noticed_within(tc, t0));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(plx_test_vchan_is(tc->ch.id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(plx_test_chan_stats_match(&tc->ch, tc->ch.id));
	CHECK_EQ(rte_dma_get_dev_id_by_name(tc->ch.addr), tc->ch.id);
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	/* A function still off the bus cannot be probed. */
	CHECK_MSG(plx_test_pci_probe(tc->ch.addr, NULL) < 0,
		"probe of %s succeeded while it is off the bus", tc->ch.addr);
	CHECK(rte_dma_get_dev_id_by_name(tc->ch.addr) < 0);
	return replug(tc, true, false, FREES_GONE);
}

/* The ring is full (some ops never submitted) when the device vanishes. */
static int
test_surprise_full_ring(void)
{
	enum { K = 5, U = 7, RING = 32 };
	struct tchan *tc = &chans[DET_FN];
	uint64_t t0;
	int ret;

	ret = stage_stalled(tc, NULL, K, RING - K - U, U, RING);
	if (ret != 0)
		return ret;
	t0 = plx_test_now_us();
	CHECK_EQ(plx_sim_inject(sim, tc->ch.fn, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0), 0);
	tchan_expect(tc, K, RING - U, RTE_DMA_STATUS_DEV_LINK_ERROR);
	CHECK_OK(plx_test_chan_drain(&tc->ch, true, 8));
	CHECK_OK(noticed_within(tc, t0));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(plx_test_vchan_is(tc->ch.id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(plx_test_chan_stats_match(&tc->ch, tc->ch.id));
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, true), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	return replug(tc, true, true, FREES_GONE);
}

struct stop_job {
	int16_t id;
	int rc;
	uint64_t us;
};

static int
stop_job_run(void *arg)
{
	struct stop_job *j = arg;
	uint64_t t0 = plx_test_now_us();

	j->rc = rte_dma_stop(j->id);
	j->us = plx_test_now_us() - t0;
	return 0;
}

/* Wait until the PMD has written bit into the engine's CTRL register. */
static int
wait_ctrl_bit(const struct tchan *tc, uint32_t bit)
{
	const volatile uint8_t *bar = plx_sim_bar0(sim, tc->ch.fn);
	const volatile uint32_t *ctrl =
		(const volatile uint32_t *)(bar + PLX_REG_CTRL);
	uint64_t end = plx_test_now_us() + WAIT_US;
	unsigned int spins = 0;

	while ((*ctrl & bit) == 0 || *ctrl == PLX_GONE_U32) {
		CHECK_MSG(plx_test_now_us() < end, "%s: CTRL never showed 0x%x",
			tc->ch.addr, bit);
		if (++spins % 1024 == 0)
			sched_yield();
	}
	return 0;
}

/*
 * The device vanishes while rte_dma_stop() waits for the engine's graceful
 * pause (1 s timeout): the stop must notice and end early, and the ops it
 * could not stop are DEV_LINK_ERROR. A removal then leaves the stopped
 * device held until the application closes it.
 */
static int
test_surprise_during_stop(void)
{
	struct tchan *tc = &chans[DET_FN];
	struct stop_job job;
	int ret;

	if (nb_workers < 1)
		SKIP("needs a worker lcore");
	ret = stage_stalled(tc, NULL, STALL_K, STALL_M, STALL_U, 32);
	if (ret != 0)
		return ret;
	job = (struct stop_job){ tc->ch.id, -1, 0 };
	CHECK_EQ(rte_eal_remote_launch(stop_job_run, &job, worker_lcores[0]),
		0);
	ret = wait_ctrl_bit(tc, PLX_CTRL_GRACEFUL_PAUSE);
	if (ret == 0)
		ret = plx_sim_inject(sim, tc->ch.fn,
			PLX_SIM_FAULT_SURPRISE_REMOVAL, 0);
	rte_eal_wait_lcore(worker_lcores[0]);
	CHECK_EQ(ret, 0);
	CHECK_EQ(job.rc, 0);
	CHECK_MSG(job.us < 900 * 1000,
		"rte_dma_stop took %" PRIu64 " us: it waited out the pause timeout instead of noticing the device was gone",
		job.us);
	tchan_expect(tc, STALL_K, STALL_K + STALL_M,
		RTE_DMA_STATUS_DEV_LINK_ERROR);
	CHECK_OK(plx_test_chan_drain(&tc->ch, false, 8));
	CHECK_OK(plx_test_vchan_is(tc->ch.id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(plx_test_chan_stats_match(&tc->ch, tc->ch.id));
	CHECK_OK(held_fast_path(tc));
	/* The application holds it: its removal does not release it. */
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	return dev_close_check(tc->ch.id, FREES_GONE);
}

/* Remove, probe again: the heap must be as before (nothing kept). */
static int
remove_released(struct tchan *tc, const struct plx_test_heap *before)
{
	struct plx_test_heap after;
	int16_t id = tc->ch.id;

	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_MSG(!rte_dma_is_valid(id),
		"dmadev %d of %s not released by its removal", id, tc->ch.addr);
	CHECK(rte_dma_get_dev_id_by_name(tc->ch.addr) < 0);
	CHECK_EQ(rte_dma_count_avail(), nb_funcs - 1);
	CHECK_EQ(rte_dma_close(id), -EINVAL);
	CHECK_EQ(plx_test_pci_probe(tc->ch.addr, NULL), 0);
	CHECK_OK(plx_test_chan_attach(&tc->ch));
	plx_test_heap_get(&after);
	return plx_test_heap_same(before, &after, "after remove and re-probe");
}

/* Remove: held until closed; then probe again, the heap as before. */
static int
remove_held(struct tchan *tc, const struct plx_test_heap *before)
{
	struct plx_test_heap after;

	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	CHECK_OK(dev_close_check(tc->ch.id, FREES_HELD));
	CHECK_EQ(plx_test_pci_probe(tc->ch.addr, NULL), 0);
	CHECK_OK(plx_test_chan_attach(&tc->ch));
	plx_test_heap_get(&after);
	return plx_test_heap_same(before, &after, "after remove, close and re-probe");
}

/*
 * A device the application never configured holds no reference of the
 * application: its removal releases it at once, and the re-probed device
 * takes its dmadev id. One the application configured is held until the
 * application closes it, started or not.
 */
static int
test_remove_not_started(void)
{
	struct tchan *tc = &chans[DET_FN];
	struct plx_test_heap h0;
	int16_t id;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	plx_test_chan_reset(&tc->ch);
	CHECK_EQ(rte_dma_count_avail(), nb_funcs);
	plx_test_heap_get(&h0);
	id = tc->ch.id;
	CHECK_OK(remove_released(tc, &h0));
	CHECK_EQ(tc->ch.id, id);
	/* configured, never started */
	CHECK_OK(plx_test_configure(tc->ch.id, 64));
	CHECK_OK(remove_held(tc, &h0));
	/* started, then stopped */
	CHECK_OK(start_smoke_stop(tc));
	return remove_held(tc, &h0);
}

/*
 * A stopped channel with ops still to collect (done but not collected,
 * never submitted) is held by its removal: it reports each op once, then
 * its close frees all; the address probes afresh.
 */
static int
test_remove_stopped_pending(void)
{
	enum { DONE = 6, UNSUB = 3, RING = 32 };
	struct tchan *tc = &chans[DET_FN];
	struct plx_test_heap h0, h1;
	uint64_t base;
	unsigned int i;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	plx_test_heap_get(&h0);
	CHECK_OK(tchan_start(tc, RING));
	base = plx_test_chan_descs(&tc->ch);
	for (i = 0; i < DONE + UNSUB; i++) {
		CHECK_OK(op_issue(tc, i + 1 == DONE ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, &rc));
		CHECK_MSG(rc >= 0, "copy %u on %s: %d", i, tc->ch.addr, rc);
	}
	CHECK_OK(plx_test_chan_wait_descs(&tc->ch, base + DONE));
	CHECK_EQ(rte_dma_stop(tc->ch.id), 0);
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	tchan_expect(tc, DONE, DONE, RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(plx_test_chan_drain(&tc->ch, false, 4));
	CHECK_EQ(tc->nb_st[0], DONE);
	CHECK_EQ(tc->nb_st[2], UNSUB);
	CHECK_OK(plx_test_chan_stats_match(&tc->ch, tc->ch.id));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(plx_test_vchan_is(tc->ch.id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(dev_close_check(tc->ch.id, FREES_HELD));
	CHECK_EQ(plx_test_pci_probe(tc->ch.addr, NULL), 0);
	CHECK_OK(plx_test_chan_attach(&tc->ch));
	plx_test_heap_get(&h1);
	CHECK_OK(plx_test_heap_same(&h0, &h1, "after close and re-probe"));
	return start_smoke_stop(tc);
}

/*
 * The held channel's fast path after a removal: -ENODEV without hardware
 * access, the ops handed out before are all reported (completed() first,
 * as an application that only looks at failures would), nothing after;
 * start fails; close frees it once.
 */
static int
test_removed_fast_path(void)
{
	enum { K = 3, M = 6, U = 5, RING = 64 };
	struct tchan *tc = &chans[DET_FN];
	uint64_t descs;
	int ret, rc;

	ret = stage_stalled(tc, FAST_ARGS, K, M, U, RING);
	if (ret != 0)
		return ret;
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	descs = plx_test_chan_descs(&tc->ch);
	CHECK_OK(op_issue(tc, 0, &rc));
	CHECK_EQ(rc, -ENODEV);
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_EQ(rc, -ENODEV);
	CHECK_EQ(rte_dma_submit(tc->ch.id, 0), -ENODEV);
	/* Still the ring's free slots, so a waiting caller gets to copy(). */
	CHECK_EQ(rte_dma_burst_capacity(tc->ch.id, 0),
		tc->ch.nb_desc - (tc->ch.handed - tc->ch.rep));
	CHECK_EQ(plx_test_chan_descs(&tc->ch), descs);
	tchan_expect(tc, K, K + M, RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(plx_test_chan_drain(&tc->ch, true, 4));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	CHECK_MSG(rte_dma_submit(tc->ch.id, 0) == -ENODEV,
		"submit on removed %s with nothing pending: %d, expected -ENODEV",
		tc->ch.addr, rte_dma_submit(tc->ch.id, 0));
	CHECK_EQ(rte_dma_stop(tc->ch.id), 0);
	CHECK_EQ(rte_dma_start(tc->ch.id), -ENODEV);
	return dev_close_check(tc->ch.id, FREES_HELD);
}

/* Two re-plugs while both old channels are held: three distinct ids. */
static int
test_replug_twice_held(void)
{
	char names[2][RTE_DEV_NAME_MAX_LEN];
	struct tchan *tc = &chans[DET_FN];
	int16_t ids[3];
	unsigned int i;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	for (i = 0; i < 2; i++) {
		CHECK_OK(tchan_start(tc, 32));
		CHECK_OK(smoke(tc));
		ids[i] = tc->ch.id;
		CHECK_EQ(plx_test_pci_remove(tc->ch.addr, i == 1), 0);
		CHECK_OK(removed_now(tc));
		CHECK_OK(held_check(tc, ids[i], names[i], sizeof(names[i])));
		CHECK_EQ(plx_test_pci_probe(tc->ch.addr, NULL), 0);
		CHECK_OK(plx_test_chan_attach(&tc->ch));
	}
	ids[2] = tc->ch.id;
	CHECK_MSG(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
		"ids %d, %d, %d are not distinct", ids[0], ids[1], ids[2]);
	CHECK_MSG(strcmp(names[0], names[1]) != 0,
		"both held channels are named %s", names[0]);
	for (i = 0; i < 2; i++)
		CHECK_EQ(rte_dma_get_dev_id_by_name(names[i]), ids[i]);
	CHECK_EQ(rte_dma_get_dev_id_by_name(tc->ch.addr), ids[2]);
	CHECK_OK(start_smoke_stop(tc));
	for (i = 0; i < 2; i++)
		CHECK_OK(dev_close_check(ids[i], FREES_HELD));
	CHECK(rte_dma_is_valid(ids[2]));
	return 0;
}

const struct plx_test unplug_det_tests[] = {
	{ "remove_stalled", test_remove_stalled },
	{ "remove_pause_stuck", test_remove_pause_stuck },
	{ "remove_abort_stuck", test_remove_abort_stuck },
	{ "unbind_stalled", test_unbind_stalled },
	{ "surprise_idle", test_surprise_idle },
	{ "surprise_full_ring", test_surprise_full_ring },
	{ "surprise_during_stop", test_surprise_during_stop },
	{ "remove_not_started", test_remove_not_started },
	{ "remove_stopped_pending", test_remove_stopped_pending },
	{ "removed_fast_path", test_removed_fast_path },
	{ "replug_twice_held", test_replug_twice_held },
	PLX_TEST_END
};
