/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * One cycle of a race case (test_dma_plx_race.c has the cases): the
 * channel brought to the call's precondition, the call and the removal
 * released together, each after its random spin, then every check that
 * depends on which came first, and the heap and a re-probe after.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "plx_sim_host.h"
#include "test_dma_plx_race.h"
#include "test_plx_common.h"

#define SPAN_MIN_NS	2000

const char *const call_names[C_MAX] = {
	[C_STOP] = "stop", [C_CLOSE] = "close", [C_START] = "start",
	[C_CONFIGURE] = "configure", [C_VCHAN_SETUP] = "vchan_setup",
	[C_STATS_GET] = "stats_get", [C_STATS_RESET] = "stats_reset",
	[C_DUMP] = "dump", [C_VCHAN_STATUS] = "vchan_status",
	[C_INFO_GET] = "info_get",
};

/* Calls an application makes beside another lcore's fast path. */
static bool
beside_fast_path(enum call call)
{
	return call == C_STATS_GET || call == C_DUMP ||
		call == C_VCHAN_STATUS || call == C_INFO_GET;
}

/* Calls that need the channel stopped. */
static bool
needs_stopped(enum call call)
{
	return call == C_CLOSE || call == C_START || call == C_CONFIGURE ||
		call == C_VCHAN_SETUP;
}

const char *const order_names[ORD_MAX] = {
	[ORD_BEFORE] = "before", [ORD_OVERLAP] = "during",
	[ORD_AFTER] = "after",
};

struct cycle {
	struct race_case *k;
	struct rchan *c;
	struct removal *rm;
	uint64_t rs;
	RTE_ATOMIC(uint32_t) go;	/* releases the remover lcore */
	RTE_ATOMIC(uint32_t) abort;	/* the main lcore failed: workers give up */
	uint64_t t_go, t0, t1;	/* go, and around the call */
	uint64_t call_spin;
	int rc;
	bool started;		/* the library's view as the call began */
	bool removed_seen;	/* the main lcore's fast path got -ENODEV */
	bool closed;
	uint64_t pending;	/* ops not yet reported as the call began */
	uint16_t new_ring;
	uint16_t capacity;	/* after a vchan_setup that returned 0 */
	/* What the call returned, checked once the order is known. */
	struct rte_dma_stats stats;
	enum rte_dma_vchan_status vs;
	char name[RTE_DEV_NAME_MAX_LEN];
	bool name_ok;
	char w_msg[PLX_TEST_MSG_LEN];
};

static uint64_t
seed_of(unsigned int kase, unsigned int cycle)
{
	uint64_t s = g_seed ^ ((uint64_t)kase << 48) ^ ((uint64_t)cycle << 16);

	return plx_test_rnd(&s);
}

/* --- the precondition --- */

static int
traffic_steps(struct cycle *cy, unsigned int steps)
{
	int rc = 0;

	while (steps-- > 0 && rc == 0)
		CHECK_OK(traffic_step(cy->c, &rc));
	CHECK_MSG(rc == 0 || rc == -ENODEV, "copy or submit on %s: %d",
		cy->c->addr, rc);
	cy->removed_seen |= rc == -ENODEV;
	return 0;
}

/* Configured (the application's reference), then per the call. */
static int
cycle_prepare(struct cycle *cy)
{
	struct race_case *k = cy->k;
	struct rchan *c = cy->c;
	bool start = k->traffic || k->call == C_STOP ||
		plx_test_rnd_below(&cy->rs, 2) == 0;

	c->rnd = plx_test_rnd(&cy->rs);
	CHECK_OK(chan_configure(c, MIN_RING +
		plx_test_rnd_below(&cy->rs, MAX_RING - MIN_RING + 1)));
	cy->new_ring = MIN_RING + plx_test_rnd_below(&cy->rs, MAX_RING - MIN_RING + 1);
	if (!start)
		return 0;
	CHECK_EQ(rte_dma_start(c->id), 0);
	chan_started(c);
	cy->started = true;
	if (k->traffic)
		CHECK_OK(traffic_steps(cy, 1 + plx_test_rnd_below(&cy->rs, 3)));
	/* start needs a stopped channel with every op collected; the other
	 * calls that need it stopped stop it themselves under traffic. */
	if (k->call == C_START || (needs_stopped(k->call) && !k->traffic)) {
		CHECK_EQ(rte_dma_stop(c->id), 0);
		cy->started = false;
		CHECK_OK(chan_drain(c));
	}
	return 0;
}

/* --- the call --- */

static int
do_dump(struct cycle *cy)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return -ENOMEM;
	rc = rte_dma_dump(cy->c->id, f);
	fclose(f);
	cy->name_ok = buf != NULL && strstr(buf, cy->c->addr) != NULL;
	free(buf);
	return rc;
}

static int
do_info(struct cycle *cy)
{
	struct rte_dma_info info;
	int rc = rte_dma_info_get(cy->c->id, &info);

	if (rc == 0) {
		/* A pointer into the dmadev's data: copy it at once. */
		snprintf(cy->name, sizeof(cy->name), "%s", info.dev_name);
		cy->name_ok = info.nb_vchans == 1 && info.max_vchans == 1;
	}
	return rc;
}

static int
do_call(struct cycle *cy)
{
	const struct rte_dma_conf conf = { .nb_vchans = 1 };
	const struct rte_dma_vchan_conf qconf = {
		.direction = RTE_DMA_DIR_MEM_TO_MEM,
		.nb_desc = cy->new_ring,
	};
	int16_t id = cy->c->id;

	switch (cy->k->call) {
	case C_STOP: return rte_dma_stop(id);
	case C_CLOSE: return rte_dma_close(id);
	case C_START: return rte_dma_start(id);
	case C_CONFIGURE: return rte_dma_configure(id, &conf);
	case C_VCHAN_SETUP: return rte_dma_vchan_setup(id, 0, &qconf);
	case C_STATS_GET: return rte_dma_stats_get(id, 0, &cy->stats);
	case C_STATS_RESET: return rte_dma_stats_reset(id, 0);
	case C_DUMP: return do_dump(cy);
	case C_VCHAN_STATUS: return rte_dma_vchan_status(id, 0, &cy->vs);
	case C_INFO_GET: return do_info(cy);
	default: return -ENOTSUP;
	}
}

/* The main lcore's side, once released: spin, traffic, the call. */
static int
main_side(struct cycle *cy)
{
	struct race_case *k = cy->k;
	struct rchan *c = cy->c;
	bool own_traffic = k->traffic && !beside_fast_path(k->call);

	spin_ns(cy->call_spin);
	/* start's traffic comes after it: its channel is stopped now. */
	if (own_traffic && k->call != C_START)
		CHECK_OK(traffic_steps(cy, plx_test_rnd_below(&cy->rs, 8)));
	if (own_traffic && needs_stopped(k->call) && k->call != C_START) {
		CHECK_EQ(rte_dma_stop(c->id), 0);
		cy->started = false;
		if (k->call == C_CONFIGURE || plx_test_rnd_below(&cy->rs, 2) == 0)
			CHECK_OK(chan_drain(c));
	}
	/* (The traffic lcore owns the accounting of a call beside it.) */
	if (!beside_fast_path(k->call))
		cy->pending = c->handed - c->rep;
	cy->t0 = now_ns();
	cy->rc = do_call(cy);
	cy->t1 = now_ns();
	if (cy->rc != 0)
		return 0;
	switch (k->call) {
	case C_STOP:
		cy->started = false;
		break;
	case C_CLOSE:
		cy->closed = true;
		break;
	case C_START:
		chan_started(c);
		if (k->traffic)
			CHECK_OK(traffic_until_removed(c, NULL));
		break;
	case C_VCHAN_SETUP:
		c->ring = rte_align32pow2(cy->new_ring);
		cy->capacity = rte_dma_burst_capacity(c->id, 0);
		break;
	case C_STATS_RESET:
		chan_stats_reset(c);
		if (k->traffic && !cy->removed_seen)
			CHECK_OK(traffic_until_removed(c, NULL));
		break;
	default:
		break;
	}
	return 0;
}

/* The worker lcore's traffic beside the call. */
static int
traffic_lcore(void *arg)
{
	struct cycle *cy = arg;
	int ret;

	plx_test_msg[0] = '\0';
	ret = traffic_until_removed(cy->c, &cy->abort);
	if (ret == 0)
		ret = chan_drain(cy->c);
	return plx_test_result(ret, cy->w_msg, sizeof(cy->w_msg));
}

/* --- checks once the order is known --- */

/* What the call returns before (removed false) or after the removal. */
static int
rc_expected(const struct cycle *cy, bool removed)
{
	switch (cy->k->call) {
	case C_START:
	case C_CONFIGURE:
		return removed ? -ENODEV : 0;
	case C_VCHAN_SETUP:
		return removed ? -ENODEV : cy->pending != 0 ? -EBUSY : 0;
	default:
		return 0;
	}
}

/* The name info_get saw: addr, addr-removedN, or (while the removal
 * renames it, a library limit) a prefix of the latter. */
static bool
name_legal(const char *name, const char *addr, enum order o)
{
	static const char sfx[] = "-removed";
	size_t n = strlen(addr), m;

	if (strncmp(name, addr, n) != 0)
		return false;
	m = strlen(name + n);
	if (m == 0)
		return o != ORD_AFTER;
	if (o == ORD_BEFORE)
		return false;
	if (m < sizeof(sfx) - 1)
		return o == ORD_OVERLAP && strncmp(name + n, sfx, m) == 0;
	return strncmp(name + n, sfx, sizeof(sfx) - 1) == 0;
}

static int
result_check(const struct cycle *cy, enum order o)
{
	const struct rchan *c = cy->c;
	uint32_t ok = 0;

	switch (cy->k->call) {
	case C_VCHAN_STATUS:
		if (o != ORD_AFTER)
			ok |= RTE_BIT32(RTE_DMA_VCHAN_IDLE) | (cy->started ?
				RTE_BIT32(RTE_DMA_VCHAN_ACTIVE) : 0);
		if (o != ORD_BEFORE)
			ok |= RTE_BIT32(RTE_DMA_VCHAN_HALTED_ERROR);
		CHECK_MSG(RTE_BIT32(cy->vs) & ok,
			"vchan_status %s the removal: %d", order_names[o],
			cy->vs);
		break;
	case C_INFO_GET:
		CHECK_MSG(cy->name_ok && name_legal(cy->name, c->addr, o),
			"info_get %s the removal: name %s (nb_vchans ok: %d)",
			order_names[o], cy->name, cy->name_ok);
		break;
	case C_VCHAN_SETUP:
		CHECK_MSG(cy->capacity == c->ring,
			"vchan_setup %s the removal: burst_capacity %u of the new %u-slot ring",
			order_names[o], cy->capacity, c->ring);
		break;
	case C_DUMP:
		CHECK_MSG(cy->name_ok, "dump %s the removal lacks %s",
			order_names[o], c->addr);
		break;
	case C_STATS_GET:
		/* Sampled while traffic ran: bounded by the final counts. */
		CHECK_MSG(cy->stats.submitted <= c->handed &&
				cy->stats.completed <= c->rep &&
				cy->stats.errors <= c->err,
			"stats_get %s the removal: %" PRIu64 "/%" PRIu64 "/%" PRIu64
			" beyond the final %" PRIu64 "/%" PRIu64 "/%" PRIu64,
			order_names[o], cy->stats.submitted,
			cy->stats.completed, cy->stats.errors, c->handed,
			c->rep, c->err);
		if (!cy->k->traffic)
			CHECK_MSG(cy->stats.submitted == 0 &&
				cy->stats.completed == 0 && cy->stats.errors == 0,
				"stats_get of an idle channel: not zero");
		break;
	default:
		break;
	}
	return 0;
}

static int
call_check(const struct cycle *cy, enum order o)
{
	int pre = rc_expected(cy, false), post = rc_expected(cy, true);
	bool legal = o == ORD_BEFORE ? cy->rc == pre :
		o == ORD_AFTER ? cy->rc == post :
		cy->rc == pre || cy->rc == post;

	CHECK_MSG(legal,
		"rte_dma_%s %s the removal returned %d (%s), expected %d%s%.0d (%" PRIu64 " ops outstanding)",
		call_names[cy->k->call], order_names[o], cy->rc,
		strerror(-cy->rc), o == ORD_AFTER ? post : pre,
		o == ORD_OVERLAP && pre != post ? " or " : "",
		o == ORD_OVERLAP && pre != post ? post : 0, cy->pending);
	return cy->rc == 0 ? result_check(cy, o) : 0;
}

/* The removed channel the application holds: renamed, halted. */
static int
held_check(const struct rchan *c)
{
	char prefix[RTE_DEV_NAME_MAX_LEN + 16];
	struct rte_dma_info info;

	CHECK_MSG(rte_dma_is_valid(c->id), "held dmadev %d of %s is gone",
		c->id, c->addr);
	CHECK_EQ(rte_dma_info_get(c->id, &info), 0);
	snprintf(prefix, sizeof(prefix), "%s-removed", c->addr);
	CHECK_MSG(strncmp(info.dev_name, prefix, strlen(prefix)) == 0,
		"removed %s held as dmadev %d is named %s", c->addr, c->id,
		info.dev_name);
	return plx_test_vchan_is(c->id, RTE_DMA_VCHAN_HALTED_ERROR);
}

/* --- a cycle --- */

static void
cycle_offsets(struct cycle *cy)
{
	struct race_case *k = cy->k;
	struct removal *rm = cy->rm;
	int64_t d = k->centre + (int64_t)plx_test_rnd_below(&cy->rs, 2 * k->span + 1) -
		(int64_t)k->span;

	memset(rm, 0, sizeof(*rm));
	rm->path = k->path;
	snprintf(rm->addr, sizeof(rm->addr), "%s", cy->c->addr);
	rm->by_name = plx_test_rnd_below(&cy->rs, 2);
	rm->go = &cy->go;
	rm->rc = -EINPROGRESS;
	rm->spin = d < 0 ? (uint64_t)-d : 0;
	cy->call_spin = d > 0 ? (uint64_t)d : 0;
}

/* Learn from the cycle's order where the next offsets go. */
static void
offsets_adapt(struct race_case *k, const struct cycle *cy, enum order o)
{
	const struct removal *rm = cy->rm;
	uint64_t took = (rm->t1 - rm->t0) + (cy->t1 - cy->t0) + SPAN_MIN_NS;

	/* A side preempted for a while must not widen it for long. */
	if (k->span != 0)
		took = RTE_MIN(took, 2 * k->span);
	k->span = k->span == 0 ? took : (7 * k->span + took) / 8;
	if (o == ORD_BEFORE)
		k->centre += k->span / 4;
	else if (o == ORD_AFTER)
		k->centre -= k->span / 4;
}

/* Release both sides, make the call; the caller joins the workers. */
static int
cycle_race(struct cycle *cy, bool *w_launched, bool *r_launched)
{
	struct race_case *k = cy->k;

	if (k->traffic && beside_fast_path(k->call)) {
		CHECK_EQ(rte_eal_remote_launch(traffic_lcore, cy, w_lcore), 0);
		*w_launched = true;
	}
	if (k->path == RM_THREAD) {
		CHECK_EQ(rte_eal_remote_launch(removal_lcore, cy->rm,
			rm_lcore), 0);
		*r_launched = true;
		/* On a CPU of its own by now, not woken behind our spin. */
		CHECK_OK(removal_ready(cy->rm));
	}
	if (k->path == RM_IRQ) {
		CHECK_OK(removal_raise(cy->c->fn));
		CHECK_OK(removal_ready(cy->rm));
	}
	cy->t_go = now_ns();
	rte_atomic_store_explicit(&cy->go, 1, rte_memory_order_release);
	return main_side(cy);
}

static int
cycle_join(struct cycle *cy, int ret, bool w_launched, bool r_launched)
{
	char main_msg[PLX_TEST_MSG_LEN];
	int w_rc = 0;

	memcpy(main_msg, plx_test_msg, sizeof(main_msg));
	if (ret != 0)
		rte_atomic_store_explicit(&cy->abort, 1, rte_memory_order_release);
	/* A failed main lcore may never have let the remover go. */
	rte_atomic_store_explicit(&cy->go, 1, rte_memory_order_release);
	if (w_launched)
		w_rc = lcore_join(w_lcore);
	if (r_launched)
		lcore_join(rm_lcore);
	plx_test_msg[0] = '\0';
	if (w_rc != 0)
		plx_test_record(NULL, 0, "traffic lcore: %s%s%s", cy->w_msg,
			main_msg[0] != '\0' ? "; main lcore: " : "", main_msg);
	else
		memcpy(plx_test_msg, main_msg, sizeof(main_msg));
	if (ret != 0 || w_rc != 0)
		return -1;
	return removal_wait(cy->rm);
}

/* After the race: every check of the contract, then the address again. */
static int
cycle_finish(struct cycle *cy, const struct plx_test_heap *base)
{
	struct race_case *k = cy->k;
	struct removal *rm = cy->rm;
	struct rchan *c = cy->c;
	enum order o;
	struct plx_test_heap h;

	CHECK_MSG(rm->rc == 0, "removal of %s (%s%s): %d", c->addr,
		k->path == RM_IRQ ? "alarm, " : "",
		rm->by_name ? "by name" : "by device", rm->rc);
	CHECK_EQ(rte_atomic_load_explicit(&rm->events, rte_memory_order_acquire),
		k->path == RM_IRQ ? 1 : 0);
	o = cy->t1 < rm->t0 ? ORD_BEFORE : cy->t0 > rm->t1 ? ORD_AFTER :
		ORD_OVERLAP;
	k->orders[o]++;
	offsets_adapt(k, cy, o);
	CHECK_OK(call_check(cy, o));
	CHECK_MSG(rte_dma_get_dev_id_by_name(c->addr) < 0,
		"a dmadev is still named %s after its removal", c->addr);
	if (!cy->closed) {
		CHECK_OK(chan_drain(c));
		CHECK_OK(held_check(c));
		CHECK_OK(chan_stats_match(c));
		CHECK_EQ(rte_dma_stop(c->id), 0);
		CHECK_EQ(rte_dma_close(c->id), 0);
	}
	CHECK_MSG(!rte_dma_is_valid(c->id), "dmadev %d valid after close",
		c->id);
	plx_test_heap_get(&h);
	CHECK_OK(plx_test_heap_same(base, &h, "after close and removal"));
	CHECK_EQ(plx_test_pci_probe(c->addr, NULL), 0);
	CHECK_OK(plx_test_dev_id(c->addr, &c->id));
	return chan_smoke(c);
}

int
cycle_run(struct race_case *k, unsigned int kase, unsigned int cycle,
		const struct plx_test_heap *base)
{
	struct cycle cy = {
		.k = k, .c = &g_chan, .rm = &g_rm,
		.rs = seed_of(kase, cycle),
	};
	bool w_launched = false, r_launched = false;
	unsigned int i;
	int ret;

	crash_note_set(k->name, cycle, g_seed);
	CHECK_OK(cycle_prepare(&cy));
	cycle_offsets(&cy);
	ret = cycle_race(&cy, &w_launched, &r_launched);
	CHECK_OK(cycle_join(&cy, ret, w_launched, r_launched));
	ret = cycle_finish(&cy, base);
	for (i = 0; i < RTE_DIM(k->nb_st); i++) {
		k->nb_st[i] += g_chan.nb_st[i];
		g_chan.nb_st[i] = 0;
	}
	return ret;
}

