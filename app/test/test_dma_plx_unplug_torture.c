/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The unplug torture: channels are removed at random points while one
 * worker lcore per channel runs copy, submit, completed and
 * completed_status in a tight loop, once per way a device can go in the
 * process: the application removes it (torture_app), the administrator
 * unbinds it (torture_unbind), it vanishes (torture_surprise).
 */

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_launch.h>
#include <rte_pause.h>

#include "test_dma_plx_unplug.h"

/* --- workers --- */

static const char *const role_names[] = {
	[ROLE_VICTIM] = "victim",
	[ROLE_SURVIVOR] = "survivor",
	[ROLE_STOPPER] = "stopper",
};

enum phase { PH_START, PH_ISSUE, PH_POLL, PH_DRAIN, PH_DONE };

static RTE_ATOMIC(uint32_t) g_abort;	/* the main lcore gave up */
#define ABORTED_MSG	"stopped by the main lcore"

static void
worker_phase(struct worker *w, enum phase ph)
{
	rte_atomic_store_explicit(&w->phase, ph, rte_memory_order_release);
}


/* One burst of copies (maybe up to a full ring), maybe a submit. */
static int
worker_issue(struct worker *w, int *rc, const char **what)
{
	struct tchan *tc = w->tc;
	bool fill = plx_test_rnd_below(&w->rnd, w->prefer_full ? 2 : 8) == 0;
	unsigned int burst = 1 + plx_test_rnd_below(&w->rnd, tc->ch.nb_desc +
		tc->ch.nb_desc / 4);
	unsigned int i;

	worker_phase(w, PH_ISSUE);
	*what = "copy";
	for (i = 0; fill || i < burst; i++) {
		uint64_t flags = !fill &&
			plx_test_rnd_below(&w->rnd, w->submit_odds) == 0 ?
			RTE_DMA_OP_FLAG_SUBMIT : 0;

		CHECK_OK(op_issue(tc, flags, rc));
		rte_atomic_store_explicit(&w->handed_pub, tc->ch.handed,
			rte_memory_order_release);
		if (*rc >= 0)
			continue;
		if (*rc != -ENOSPC)
			return 0;
		CHECK_MSG(tc->ch.handed - tc->ch.rep == tc->ch.nb_desc,
			"copy on %s: -ENOSPC with %" PRIu64 " of %u slots in use",
			tc->ch.addr, tc->ch.handed - tc->ch.rep, tc->ch.nb_desc);
		rte_atomic_fetch_add_explicit(&w->full_seen, 1, rte_memory_order_release);
		break;
	}
	*rc = 0;
	if (plx_test_rnd_below(&w->rnd, 4) != 0) {
		*what = "submit";
		*rc = plx_test_chan_submit(&tc->ch);
	}
	return 0;
}

/* One poll, with completed() or completed_status() at random. */
static int
worker_poll(struct worker *w, uint16_t *n)
{
	struct tchan *tc = w->tc;
	uint16_t max = 1 + plx_test_rnd_below(&w->rnd, 2 * tc->ch.nb_desc), more;
	bool err;

	worker_phase(w, PH_POLL);
	if (plx_test_rnd_below(&w->rnd, 2) == 0)
		return plx_test_chan_completed_status(&tc->ch, max, n, NULL);
	CHECK_OK(plx_test_chan_completed(&tc->ch, max, n, &err));
	if (err) {
		CHECK_OK(plx_test_chan_completed_status(&tc->ch, max, &more,
			NULL));
		*n += more;
	}
	return 0;
}

/* copy or submit failed with rc: the channel's device is gone. */
static int
victim_drain(struct worker *w, int rc, const char *what)
{
	struct tchan *tc = w->tc;

	CHECK_MSG(w->role == ROLE_VICTIM && rc == -ENODEV,
		"%s on %s %s returned %d (%s)%s, expected %s", what,
		role_names[w->role], tc->ch.addr, rc, strerror(-rc),
		rte_atomic_load_explicit(&g_removing, rte_memory_order_acquire) ?
			" while a removal was under way" : "",
		w->role == ROLE_VICTIM ? "-ENODEV" : "success");
	w->noticed_us = plx_test_now_us();
	worker_phase(w, PH_DRAIN);
	CHECK_OK(plx_test_chan_drain(&tc->ch, plx_test_rnd_below(&w->rnd, 2) == 0,
		1 + plx_test_rnd_below(&w->rnd, tc->ch.nb_desc)));
	return held_fast_path(tc);
}

/* The application stops this channel while others are being removed. */
static int
stopper_stop(struct worker *w)
{
	struct tchan *tc = w->tc;
	int rc;

	CHECK_EQ(rte_dma_stop(tc->ch.id), 0);
	tc->allowed = ST_BIT(RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(plx_test_chan_drain(&tc->ch, false, tc->ch.nb_desc));
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc == -EINVAL, "copy on stopped %s: %d, expected -EINVAL",
		tc->ch.addr, rc);
	return 0;
}

static int
survivor_finish(struct worker *w)
{
	struct tchan *tc = w->tc;

	if (w->abandon)
		return 0;
	CHECK_EQ(plx_test_chan_submit(&tc->ch), 0);
	return plx_test_chan_drain(&tc->ch, plx_test_rnd_below(&w->rnd, 2) == 0, tc->ch.nb_desc);
}

static int
worker_run(struct worker *w)
{
	uint64_t end = 0;
	unsigned int spins = 0;
	const char *what;
	uint16_t n;
	int rc;

	for (;;) {
		CHECK_MSG(!rte_atomic_load_explicit(&g_abort, rte_memory_order_acquire),
			ABORTED_MSG);
		if (w->role == ROLE_SURVIVOR &&
				rte_atomic_load_explicit(&w->finish, rte_memory_order_acquire))
			return survivor_finish(w);
		if (w->role != ROLE_SURVIVOR &&
				rte_atomic_load_explicit(&g_removing, rte_memory_order_acquire)) {
			if (w->role == ROLE_STOPPER)
				return stopper_stop(w);
			if (end == 0)
				end = plx_test_now_us() + WAIT_US;
			CHECK_MSG(plx_test_now_us() < end,
				"copy and submit on %s still succeed %u s after its removal began",
				w->tc->ch.addr, WAIT_US / 1000000);
		}
		CHECK_OK(worker_issue(w, &rc, &what));
		if (rc < 0)
			return victim_drain(w, rc, what);
		CHECK_OK(worker_poll(w, &n));
		if (n == 0)
			plx_test_idle(&spins);
	}
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;
	int ret;

	plx_test_msg[0] = '\0';
	ret = plx_test_result(worker_run(w), w->msg, sizeof(w->msg));
	worker_phase(w, PH_DONE);
	return ret;
}

/* Launch n workers; on failure *launched of them run. */
int
workers_launch(struct worker *ws, unsigned int n, unsigned int *launched)
{
	for (*launched = 0; *launched < n; (*launched)++)
		CHECK_EQ(rte_eal_remote_launch(worker_main, &ws[*launched],
			worker_lcores[*launched]), 0);
	return 0;
}

/*
 * Join n workers; if the main lcore failed (ret != 0) tell them to give
 * up first. A worker's own failure comes first in the report, it usually
 * explains the main lcore's.
 */
int
workers_join(struct worker *ws, unsigned int n, int ret)
{
	char main_msg[PLX_TEST_MSG_LEN];
	int rc[MAX_CHANS];
	unsigned int i;

	memcpy(main_msg, plx_test_msg, sizeof(main_msg));
	plx_test_msg[0] = '\0';
	if (ret != 0)
		rte_atomic_store_explicit(&g_abort, 1, rte_memory_order_release);
	for (i = 0; i < n; i++)
		rc[i] = rte_eal_wait_lcore(worker_lcores[i]);
	rte_atomic_store_explicit(&g_abort, 0, rte_memory_order_release);
	for (i = 0; i < n; i++) {
		if (rc[i] == 0 || strncmp(ws[i].msg, ABORTED_MSG,
				strlen(ABORTED_MSG)) == 0)
			continue;
		/* The worker's message has its file and line. */
		plx_test_record(NULL, 0, "%s worker on %s: %s%s%s",
			role_names[ws[i].role], ws[i].tc->ch.addr, ws[i].msg,
			main_msg[0] != '\0' ? "; then " : "", main_msg);
		return -1;
	}
	if (ret == 0)
		return 0;
	memcpy(plx_test_msg, main_msg, sizeof(main_msg));
	if (plx_test_msg[0] == '\0')
		plx_test_record(NULL, 0, "a worker ended early");
	return -1;
}

static int
worker_wait_done(const struct worker *w)
{
	struct plx_wait wt = plx_wait_begin(WAIT_US);

	while (rte_atomic_load_explicit(&w->phase, rte_memory_order_acquire) != PH_DONE)
		CHECK_MSG(plx_waiting(&wt, 0),
			"the worker on %s did not notice its device vanished within %u s",
			w->tc->ch.addr, WAIT_US / 1000000);
	return 0;
}

int
wait_trigger(struct worker *w, enum trigger tr, uint64_t *rs)
{
	uint64_t end = plx_test_now_us() + WAIT_US, target = 0;
	unsigned int spins = 0;

	if (tr == TR_NOW)
		return 0;
	if (tr == TR_DELAY) {
		/* A random instant, not a synchronisation. */
		rte_delay_us_block(plx_test_rnd_below(rs, 3000));
		return 0;
	}
	if (tr == TR_OPS)
		target = 1 + plx_test_rnd_below(rs, 3 * w->tc->ch.nb_desc);
	for (;;) {
		if (tr == TR_OPS && rte_atomic_load_explicit(&w->handed_pub,
				rte_memory_order_acquire) >= target)
			return 0;
		if (tr == TR_FULL && rte_atomic_load_explicit(&w->full_seen,
				rte_memory_order_acquire) > 0)
			return 0;
		if (tr == TR_POLL && rte_atomic_load_explicit(&w->phase,
				rte_memory_order_acquire) == PH_POLL)
			return 0;
		/* It failed: joining it tells why. */
		if (rte_atomic_load_explicit(&w->phase, rte_memory_order_acquire) == PH_DONE)
			return -1;
		CHECK_MSG(plx_test_now_us() < end,
			"the worker on %s never reached trigger %d", w->tc->ch.addr,
			tr);
		if (++spins % 1024 == 0)
			sched_yield();
		else
			rte_pause();
	}
}
/* --- cycles --- */

static const char *const kind_names[] = {
	[KIND_APP] = "app",
	[KIND_UNBIND] = "unbind",
	[KIND_SURPRISE] = "surprise",
	[KIND_CLEANUP] = "cleanup",
};

static uint32_t
fail_mask_of(enum kind kind)
{
	return kind == KIND_SURPRISE ?
		ST_BIT(RTE_DMA_STATUS_DEV_LINK_ERROR) |
		ST_BIT(RTE_DMA_STATUS_USER_ABORT) :
		ST_BIT(RTE_DMA_STATUS_USER_ABORT);
}

/* Pick and start the cycle's channels, give each a worker. */
int
cycle_setup(struct cycle *c, unsigned int nfuncs, bool all_victims)
{
	unsigned int perm[MAX_FUNCS], i, j, t;

	c->nch = 1 + plx_test_rnd_below(&c->rs, min_u(min_u(nfuncs, nb_workers),
		MAX_CHANS));
	c->nv = all_victims ? c->nch : 1 + plx_test_rnd_below(&c->rs, c->nch);
	for (i = 0; i < nfuncs; i++)
		perm[i] = i;
	for (i = 0; i < c->nch; i++) {
		j = i + plx_test_rnd_below(&c->rs, nfuncs - i);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < c->nch; i++) {
		struct worker *w = &c->ws[i];

		memset(w, 0, sizeof(*w));
		w->tc = &chans[perm[i]];
		w->role = i < c->nv ? ROLE_VICTIM :
			plx_test_rnd_below(&c->rs, 2) ? ROLE_STOPPER : ROLE_SURVIVOR;
		w->fail_mask = fail_mask_of(c->kind);
		w->submit_odds = 1u << (2 * plx_test_rnd_below(&c->rs, 4));
		w->rnd = plx_test_rnd(&c->rs);
		CHECK_OK(plx_test_chan_attach(&w->tc->ch));
		CHECK_OK(tchan_start(w->tc, MIN_RING +
			plx_test_rnd_below(&c->rs, MAX_RING - MIN_RING + 1)));
		w->tc->rnd = plx_test_rnd(&c->rs);
		if (w->role == ROLE_VICTIM)
			w->tc->allowed_removing = w->fail_mask;
	}
	return 0;
}

/* Remove the victims the cycle's way; the workers run meanwhile. */
static int
cycle_remove(struct cycle *c)
{
	bool early = plx_test_rnd_below(&c->rs, 4) == 0;
	unsigned int i;

	c->inject_us = plx_test_now_us();
	for (i = 0; i < c->nv; i++) {
		struct tchan *tc = c->ws[i].tc;

		switch (c->kind) {
		case KIND_APP:
			CHECK_EQ(plx_test_pci_remove(tc->ch.addr,
				plx_test_rnd_below(&c->rs, 2)), 0);
			CHECK_OK(removed_now(tc));
			break;
		case KIND_UNBIND:
			CHECK_OK(unbind_request(tc, plx_test_rnd_below(&c->rs, 2)));
			break;
		default:
			CHECK_EQ(plx_sim_inject(sim, tc->ch.fn,
				PLX_SIM_FAULT_SURPRISE_REMOVAL, 0), 0);
			break;
		}
	}
	for (i = 0; i < c->nv && c->kind != KIND_APP; i++) {
		struct worker *w = &c->ws[i];

		if (c->kind == KIND_UNBIND) {
			CHECK_OK(unbind_wait(w->tc));
			CHECK_OK(removed_now(w->tc));
			continue;
		}
		/* Surprise: the driver notices alone, unless the application
		 * removes the device first. */
		if (!early) {
			CHECK_OK(worker_wait_done(w));
			CHECK_OK(plx_test_vchan_is(w->tc->ch.id,
				RTE_DMA_VCHAN_HALTED_ERROR));
		}
		CHECK_EQ(plx_test_pci_remove(w->tc->ch.addr,
			plx_test_rnd_below(&c->rs, 2)), 0);
		CHECK_OK(removed_now(w->tc));
	}
	return 0;
}

/* After the workers: check, close and re-plug victims, reset others. */
static int
cycle_finish(struct cycle *c)
{
	unsigned int i;

	for (i = 0; i < c->nch; i++) {
		struct worker *w = &c->ws[i];
		struct tchan *tc = w->tc;
		uint64_t sign;

		c->nb_st[0] += tc->nb_st[0];
		c->nb_st[1] += tc->nb_st[1];
		c->nb_st[2] += tc->nb_st[2];
		c->nb_st[3] += tc->nb_st[3];
		if (w->role != ROLE_VICTIM) {
			CHECK_EQ(rte_dma_stop(tc->ch.id), 0);
			CHECK_OK(plx_test_chan_stats_match(&tc->ch, tc->ch.id));
			CHECK_OK(fresh_device(tc));
			continue;
		}
		CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
		if (c->kind == KIND_SURPRISE) {
			sign = RTE_MIN(w->noticed_us, tc->first_fail_us != 0 ?
				tc->first_fail_us : UINT64_MAX);
			if (sign > c->inject_us && sign != UINT64_MAX)
				c->latency_us = RTE_MAX(c->latency_us,
					sign - c->inject_us);
		}
		CHECK_OK(replug(tc, c->kind == KIND_SURPRISE,
			plx_test_rnd_below(&c->rs, 2),
			c->kind == KIND_SURPRISE ? FREES_GONE : FREES_HELD));
		CHECK_OK(fresh_device(tc));
	}
	return 0;
}

static int
torture_cycle(struct cycle *c)
{
	unsigned int i, launched;
	int ret;

	CHECK_OK(cycle_setup(c, min_u(nb_funcs, MAX_CHANS),
		false));
	c->ws[0].prefer_full = plx_test_rnd_below(&c->rs, 3) == 0;
	rte_atomic_store_explicit(&g_removing, 0, rte_memory_order_release);
	ret = workers_launch(c->ws, c->nch, &launched);
	if (ret == 0)
		ret = wait_trigger(&c->ws[0], plx_test_rnd_below(&c->rs, TR_MAX),
			&c->rs);
	if (ret == 0) {
		rte_atomic_store_explicit(&g_removing, 1, rte_memory_order_release);
		ret = cycle_remove(c);
	}
	for (i = 0; i < c->nch; i++)
		rte_atomic_store_explicit(&c->ws[i].finish, 1, rte_memory_order_release);
	if (workers_join(c->ws, launched, ret) != 0)
		return -1;
	return cycle_finish(c);
}

/* Every function with a fresh device, as between cycles. */
static int
torture_prepare(void)
{
	unsigned int fn;

	NEED_SIM(sim);
	if (nb_workers == 0)
		SKIP("needs worker lcores");
	for (fn = 0; fn < min_u(nb_funcs, MAX_CHANS); fn++)
		CHECK_OK(func_restore(&chans[fn], NULL));
	return 0;
}

unsigned int g_cycles = DEFAULT_CYCLES;
unsigned int g_cleanup_cycles;

/*
 * The heap with every function removed: all the device memory is free
 * and merged back, so its size no longer depends on where rings and
 * private data happened to land. Probe them again after.
 */
static int
heap_settled(struct plx_test_heap *h)
{
	unsigned int fn, nfuncs = min_u(nb_funcs, MAX_CHANS);

	for (fn = 0; fn < nfuncs; fn++)
		CHECK_EQ(plx_test_pci_remove(chans[fn].ch.addr, false), 0);
	plx_test_heap_get(h);
	for (fn = 0; fn < nfuncs; fn++) {
		CHECK_EQ(plx_test_pci_probe(chans[fn].ch.addr, NULL), 0);
		CHECK_OK(plx_test_chan_attach(&chans[fn].ch));
	}
	return 0;
}

static int
torture(enum kind kind)
{
	struct plx_test_heap base = { 0, 0 }, first = { 0, 0 }, h;
	uint64_t t0 = plx_test_now_us(), latency = 0, nb_st[4] = { 0, 0, 0, 0 };
	unsigned int cycle, nch = 0, nv = 0, i;
	int ret;

	ret = torture_prepare();
	if (ret != 0)
		return ret;
	for (cycle = 0; cycle < g_cycles; cycle++) {
		struct cycle c = { .kind = kind };

		c.rs = seed_of(kind, cycle);
		plx_test_log_mark();
		if (torture_cycle(&c) != 0) {
			plx_test_msg_prefix("cycle %u of %u", cycle + 1,
				g_cycles);
			return -1;
		}
		latency = RTE_MAX(latency, c.latency_us);
		nch += c.nch;
		nv += c.nv;
		for (i = 0; i < RTE_DIM(nb_st); i++)
			nb_st[i] += c.nb_st[i];
		/* Element count between cycles: a leak shows at once. */
		plx_test_heap_get(&h);
		if (cycle == 0)
			first = h;
		CHECK_MSG(h.count == first.count,
			"cycle %u: %" PRIu64 " rte_malloc elements between cycles, %" PRIu64 " after cycle 1",
			cycle + 1, h.count, first.count);
		/* Bytes too, with all device memory merged back. */
		if (cycle == 0)
			CHECK_OK(heap_settled(&base));
		if (cycle == g_cycles - 1 && cycle > 0) {
			CHECK_OK(heap_settled(&h));
			CHECK_OK(plx_test_heap_same(&base, &h, "after the last cycle"));
		}
	}
	printf("# torture_%s: %u cycles, %u channels, %u removed; ops "
		"SUCCESSFUL %" PRIu64 ", USER_ABORT %" PRIu64
		", NOT_ATTEMPTED %" PRIu64 ", DEV_LINK_ERROR %" PRIu64
		"; %" PRIu64 " ms", kind_names[kind], g_cycles, nch, nv,
		nb_st[0], nb_st[1], nb_st[2], nb_st[3],
		(plx_test_now_us() - t0) / 1000);
	if (kind == KIND_SURPRISE)
		printf("; slowest detection %" PRIu64 " us", latency);
	printf("\n");
	return 0;
}

static int
test_torture_app(void)
{
	return torture(KIND_APP);
}

static int
test_torture_unbind(void)
{
	return torture(KIND_UNBIND);
}

static int
test_torture_surprise(void)
{
	return torture(KIND_SURPRISE);
}

const struct plx_test unplug_torture_tests[] = {
	{ "torture_app", test_torture_app },
	{ "torture_unbind", test_torture_unbind },
	{ "torture_surprise", test_torture_surprise },
	PLX_TEST_END
};
