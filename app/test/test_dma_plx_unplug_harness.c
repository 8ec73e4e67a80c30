/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The unplug tests' harness (test_dma_plx_unplug.h): randomness, the
 * captured log, the heap, the channels and the check of every op they
 * report, the device life cycle, the administrator's unbind.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "test_dma_plx_unplug.h"

/* --- randomness --- */

uint64_t g_seed;

unsigned int
min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* Seed of cycle `cycle` of test `test`: reproducible from g_seed. */
uint64_t
seed_of(unsigned int test, unsigned int cycle)
{
	uint64_t s = g_seed ^ ((uint64_t)test << 56) ^ ((uint64_t)cycle << 20);

	return plx_test_rnd(&s);
}

/* --- the channels under test --- */

struct plx_sim *sim;
struct tchan chans[MAX_FUNCS];
RTE_ATOMIC(uint32_t) g_removing;
unsigned int nb_funcs;
unsigned int worker_lcores[MAX_CHANS];
unsigned int nb_workers;

static uint8_t *
slot_of(const struct tchan *tc, uint64_t k)
{
	return tc->dst + (size_t)(k & (tc->ch.nb_desc - 1)) * SLOT;
}

/*
 * The next op's bytes: at least min_len of them, from src + *off, to the
 * destination slot of the op (its guards laid), at *dst.
 */
static void
op_place(struct tchan *tc, uint16_t min_len, uint16_t *off, uint16_t *len,
		rte_iova_t *dst)
{
	uint64_t k = tc->ch.handed;
	size_t slot = (size_t)(k & (tc->ch.nb_desc - 1)) * SLOT;

	*len = min_len + plx_test_rnd_below(&tc->rnd, MAX_LEN - min_len + 1);
	*off = plx_test_rnd_below(&tc->rnd, SRC_LEN - *len + 1);
	/* A full ring's next slot still belongs to its oldest op. */
	if (k - tc->ch.rep < tc->ch.nb_desc)
		memset(tc->dst + slot, GUARD, DST_OFF + *len + 1);
	*dst = tc->dst_iova + slot + DST_OFF;
}

static void
op_record(struct tchan *tc, uint64_t k, int rc, uint16_t off, uint16_t len)
{
	if (rc >= 0)
		tc->rec[k & (tc->ch.nb_desc - 1)] = (struct op_rec){ off, len };
}

/* Hand out op number tc->ch.handed: copy() it and, if accepted, record it. */
int
op_issue(struct tchan *tc, uint64_t flags, int *rc)
{
	uint64_t k = tc->ch.handed;
	uint16_t off, len;
	rte_iova_t dst;

	op_place(tc, 1, &off, &len, &dst);
	CHECK_OK(plx_test_chan_copy(&tc->ch, tc->src_iova + off, dst, len,
		flags, rc));
	op_record(tc, k, *rc, off, len);
	return 0;
}

/*
 * The same as a scatter-gather op of three descriptors: source and
 * destination each in two segments, cut at different places.
 */
int
op_issue_sg(struct tchan *tc, uint64_t flags, int *rc)
{
	uint64_t k = tc->ch.handed;
	struct rte_dma_sge s[2], d[2];
	uint16_t off, len, a, b;
	rte_iova_t dst;

	op_place(tc, 3, &off, &len, &dst);
	a = 1 + plx_test_rnd_below(&tc->rnd, len - 1);
	b = 1 + plx_test_rnd_below(&tc->rnd, len - 2);
	b += b >= a;
	s[0] = (struct rte_dma_sge){ tc->src_iova + off, a };
	s[1] = (struct rte_dma_sge){ tc->src_iova + off + a, len - a };
	d[0] = (struct rte_dma_sge){ dst, b };
	d[1] = (struct rte_dma_sge){ dst + b, len - b };
	CHECK_OK(plx_test_chan_copy_sg(&tc->ch, s, d, 2, 2, flags, rc));
	op_record(tc, k, *rc, off, len);
	return 0;
}

/* Successful: the bytes arrived. Not attempted: nothing was written. */
static int
op_verify(const struct tchan *tc, uint64_t k, enum rte_dma_status_code st)
{
	const struct op_rec *r = &tc->rec[k & (tc->ch.nb_desc - 1)];
	const uint8_t *d = slot_of(tc, k) + DST_OFF;
	uint16_t i;

	CHECK_MSG(d[-1] == GUARD && d[r->len] == GUARD,
		"op %" PRIu64 " on %s (%s): bytes written outside its %u",
		k, tc->ch.addr, plx_test_status_name(st), r->len);
	if (st == RTE_DMA_STATUS_SUCCESSFUL) {
		CHECK_MSG(memcmp(d, tc->src + r->src_off, r->len) == 0,
			"op %" PRIu64 " on %s reported successful, but its %u bytes did not arrive",
			k, tc->ch.addr, r->len);
		return 0;
	}
	if (st != RTE_DMA_STATUS_NOT_ATTEMPTED)
		return 0;
	for (i = 0; i < r->len; i++)
		CHECK_MSG(d[i] == GUARD,
			"op %" PRIu64 " on %s reported NOT_ATTEMPTED, but byte %u was written",
			k, tc->ch.addr, i);
	return 0;
}

/* Check the status of op k, in report order (the channel's check). */
static int
op_check(struct plx_test_chan *ch, uint64_t k, enum rte_dma_status_code st)
{
	struct tchan *tc = container_of(ch, struct tchan, ch);

	if (tc->exact) {
		enum rte_dma_status_code exp = k < tc->exp_ok ?
			RTE_DMA_STATUS_SUCCESSFUL : k < tc->exp_fail ?
			tc->exp_st : RTE_DMA_STATUS_NOT_ATTEMPTED;

		CHECK_MSG(st == exp, "op %" PRIu64 " (id %u) on %s is %s, expected %s",
			k, (uint16_t)k, tc->ch.addr, plx_test_status_name(st),
			plx_test_status_name(exp));
	} else if (k >= tc->ch.sub) {
		CHECK_MSG(st == RTE_DMA_STATUS_NOT_ATTEMPTED,
			"op %" PRIu64 " on %s, never submitted, is %s",
			k, tc->ch.addr, plx_test_status_name(st));
	} else if (st == RTE_DMA_STATUS_SUCCESSFUL) {
		CHECK_MSG(!tc->fail_seen,
			"op %" PRIu64 " on %s is SUCCESSFUL after a failed one",
			k, tc->ch.addr);
	} else {
		/* Read after the status: whatever failed the op came after
		 * the main lcore announced the removal. */
		uint32_t allowed = tc->allowed | (rte_atomic_load_explicit(&g_removing,
			rte_memory_order_acquire) ? tc->allowed_removing : 0);

		CHECK_MSG(st < 32 && (allowed & ST_BIT(st)),
			"submitted op %" PRIu64 " on %s is %s%s", k, tc->ch.addr,
			plx_test_status_name(st), allowed == 0 ?
				" on a channel nobody removed or stopped" : "");
		tc->fail_seen = true;
	}
	tc->nb_st[st == RTE_DMA_STATUS_SUCCESSFUL ? 0 :
		st == RTE_DMA_STATUS_USER_ABORT ? 1 :
		st == RTE_DMA_STATUS_NOT_ATTEMPTED ? 2 : 3]++;
	if (st != RTE_DMA_STATUS_SUCCESSFUL && tc->first_fail_us == 0)
		tc->first_fail_us = plx_test_now_us();
	return op_verify(tc, k, st);
}

void
tchan_expect(struct tchan *tc, uint64_t ok, uint64_t fail,
		enum rte_dma_status_code st)
{
	tc->exact = true;
	tc->exp_ok = ok;
	tc->exp_fail = fail;
	tc->exp_st = st;
}

int
chans_init(void)
{
	char name[RTE_MEMZONE_NAMESIZE];
	unsigned int fn, i;

	for (fn = 0; fn < nb_funcs; fn++) {
		struct tchan *tc = &chans[fn];

		CHECK_OK(plx_test_chan_init(&tc->ch, sim, plx_sim_func_addr(fn),
			WAIT_US));
		tc->ch.check = op_check;
		snprintf(name, sizeof(name), "unplug_src_%u", fn);
		tc->src_mz = rte_memzone_reserve_aligned(name, SRC_LEN,
			SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 64);
		snprintf(name, sizeof(name), "unplug_dst_%u", fn);
		tc->dst_mz = rte_memzone_reserve_aligned(name,
			BENCH_RING * SLOT, SOCKET_ID_ANY,
			RTE_MEMZONE_IOVA_CONTIG, 64);
		CHECK_MSG(tc->src_mz != NULL && tc->dst_mz != NULL,
			"no memory for the buffers of %s", tc->ch.addr);
		tc->src = tc->src_mz->addr;
		tc->dst = tc->dst_mz->addr;
		tc->src_iova = tc->src_mz->iova;
		tc->dst_iova = tc->dst_mz->iova;
		tc->rnd = seed_of(0xff, fn);
		for (i = 0; i < SRC_LEN; i++)
			tc->src[i] = plx_test_rnd(&tc->rnd) >> 56;
	}
	return 0;
}

void
chans_free(void)
{
	unsigned int fn;

	for (fn = 0; fn < nb_funcs; fn++) {
		rte_memzone_free(chans[fn].src_mz);
		rte_memzone_free(chans[fn].dst_mz);
	}
}

/* --- device life cycle --- */

int
tchan_start(struct tchan *tc, uint16_t nb_desc)
{
	CHECK_OK(plx_test_chan_start(&tc->ch, nb_desc));
	CHECK(tc->ch.nb_desc <= BENCH_RING);
	tc->first_fail_us = 0;
	memset(tc->nb_st, 0, sizeof(tc->nb_st));
	tc->allowed = 0;
	tc->allowed_removing = 0;
	tc->fail_seen = false;
	tc->exact = false;
	return 0;
}

/* A few verified copies on a started channel. */
int
smoke(struct tchan *tc)
{
	unsigned int i;
	int rc;

	tchan_expect(tc, UINT64_MAX, UINT64_MAX, RTE_DMA_STATUS_SUCCESSFUL);
	for (i = 0; i < SMOKE_OPS; i++) {
		CHECK_OK(op_issue(tc, i == SMOKE_OPS - 1 ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, &rc));
		CHECK_MSG(rc >= 0, "copy on %s: %d", tc->ch.addr, rc);
	}
	CHECK_OK(plx_test_chan_drain(&tc->ch, true, SMOKE_OPS));
	return plx_test_chan_stats_match(&tc->ch, tc->ch.id);
}

/* Start, copy, stop: the device works. */
int
start_smoke_stop(struct tchan *tc)
{
	CHECK_OK(tchan_start(tc, SMOKE_DESC));
	CHECK_OK(smoke(tc));
	CHECK_EQ(rte_dma_stop(tc->ch.id), 0);
	return 0;
}

/*
 * The ring a vanished device's close kept is freed within its grace
 * (20 ms): wait for the heap to count `count` elements, bounded.
 */
static int
ring_reaped(int16_t id, uint64_t count)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);
	struct plx_test_heap h;

	for (;;) {
		plx_test_heap_get(&h);
		if (h.count <= count)
			return 0;
		CHECK_MSG(plx_waiting(&w, 0),
			"the kept ring of closed dmadev %d still not freed %u s later",
			id, WAIT_US / 1000000);
	}
}

/*
 * Stop and close a dmadev. Its close must free exactly `frees` rte_malloc
 * elements (private data, ring), and the id is gone for good after.
 */
int
dev_close_check(int16_t id, unsigned int frees)
{
	struct plx_test_heap before, after;

	CHECK_EQ(rte_dma_stop(id), 0);
	plx_test_heap_get(&before);
	CHECK_EQ(rte_dma_close(id), 0);
	plx_test_heap_get(&after);
	/* A kept ring may be freed already, if this thread was held up. */
	CHECK_MSG(before.count - after.count == (frees & ~FREES_RING_KEPT) ||
			((frees & FREES_RING_KEPT) &&
			before.count - after.count == FREES_HELD),
		"closing dmadev %d freed %" PRId64 " rte_malloc elements, expected %u",
		id, (int64_t)(before.count - after.count),
		frees & ~FREES_RING_KEPT);
	if (frees & FREES_RING_KEPT)
		CHECK_OK(ring_reaped(id, before.count - FREES_HELD));
	CHECK(!rte_dma_is_valid(id));
	CHECK_EQ(rte_dma_close(id), -EINVAL);
	CHECK_EQ(rte_dma_stop(id), -EINVAL);
	return 0;
}

/*
 * Close tc's (stopped, set up) device and remove and probe its function
 * again: the state of every device between torture cycles. It has no
 * ring, whose alignment padding would make the heap's byte count depend
 * on where the ring happened to land.
 */
int
fresh_device(struct tchan *tc)
{
	CHECK_OK(dev_close_check(tc->ch.id, FREES_BOUND));
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_EQ(plx_test_pci_probe(tc->ch.addr, NULL), 0);
	return plx_test_chan_attach(&tc->ch);
}

/* Right after a removal returned: the address is free for a re-plug. */
int
removed_now(const struct tchan *tc)
{
	CHECK_MSG(rte_dma_get_dev_id_by_name(tc->ch.addr) < 0,
		"a dmadev is still named %s after its removal", tc->ch.addr);
	return plx_test_vchan_is(tc->ch.id, RTE_DMA_VCHAN_HALTED_ERROR);
}

/*
 * A removed channel the application still holds: renamed, halted, and
 * info, stats and dump work. Its name goes to name (if not NULL).
 */
int
held_check(const struct tchan *tc, int16_t id, char *name, size_t len)
{
	char prefix[RTE_DEV_NAME_MAX_LEN + 16];
	struct rte_dma_info info;

	CHECK_MSG(rte_dma_is_valid(id), "held dmadev %d of %s is gone",
		id, tc->ch.addr);
	CHECK_EQ(rte_dma_info_get(id, &info), 0);
	snprintf(prefix, sizeof(prefix), "%s-removed", tc->ch.addr);
	CHECK_MSG(strncmp(info.dev_name, prefix, strlen(prefix)) == 0,
		"removed %s held as dmadev %d is named %s", tc->ch.addr, id,
		info.dev_name);
	CHECK_EQ(rte_dma_get_dev_id_by_name(info.dev_name), id);
	CHECK_EQ(info.nb_vchans, 1);
	CHECK_OK(plx_test_vchan_is(id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(plx_test_chan_stats_match(&tc->ch, id));
	CHECK_OK(plx_test_dump_has(id, info.dev_name, "removed"));
	if (name != NULL)
		snprintf(name, len, "%s", info.dev_name);
	return 0;
}

/*
 * The fast path of a channel whose device is gone, once all its ops are
 * reported: copy and submit fail with -ENODEV without touching the
 * hardware, and nothing more is reported.
 */
int
held_fast_path(struct tchan *tc)
{
	enum rte_dma_status_code st[32];
	uint64_t descs = plx_test_chan_descs(&tc->ch);
	uint16_t last = 0x5a5a, n;
	bool err = true;
	int rc;

	/* (submit is checked by test_removed_fast_path) */
	CHECK_EQ(tc->ch.rep, tc->ch.handed);
	CHECK_OK(op_issue(tc, 0, &rc));
	CHECK_MSG(rc == -ENODEV, "copy on removed %s: %d, expected -ENODEV",
		tc->ch.addr, rc);
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc == -ENODEV,
		"copy+SUBMIT on removed %s: %d, expected -ENODEV", tc->ch.addr, rc);
	n = rte_dma_completed_status(tc->ch.id, 0, RTE_DIM(st), &last, st);
	CHECK_MSG(n == 0,
		"completed_status on removed %s reported %u more ops (first %s, last_idx %u) after all %" PRIu64 " handed out were reported",
		tc->ch.addr, n, plx_test_status_name(st[0]), last, tc->ch.handed);
	CHECK_EQ(last, (uint16_t)(tc->ch.rep - 1));
	n = rte_dma_completed(tc->ch.id, 0, RTE_DIM(st), &last, &err);
	CHECK_MSG(n == 0 && !err,
		"completed on removed %s reported %u more ops (has_error %d) after all were reported",
		tc->ch.addr, n, err);
	/* Capacity counts free slots whatever the state: all of them now. */
	CHECK_EQ(rte_dma_burst_capacity(tc->ch.id, 0), tc->ch.nb_desc);
	CHECK_MSG(plx_test_chan_descs(&tc->ch) == descs,
		"the engine of removed %s processed descriptors", tc->ch.addr);
	return 0;
}

/* Bring a function to a known state: a fresh device probed with args. */
int
func_restore(struct tchan *tc, const char *args)
{
	int id = rte_dma_get_dev_id_by_name(tc->ch.addr);

	if (id >= 0) {
		rte_dma_stop(id);
		rte_dma_close(id);
	}
	CHECK_OK(plx_test_pci_restore(sim, tc->ch.addr, args));
	return plx_test_chan_attach(&tc->ch);
}

/*
 * Plug tc's removed function back in (replug it in the simulator first
 * after a surprise removal) and probe it, while the old channel is still
 * held or after it was closed; the new device must copy.
 */
int
replug(struct tchan *tc, bool vanished, bool probe_while_held,
		unsigned int frees)
{
	char held[RTE_DEV_NAME_MAX_LEN];
	struct rte_dma_info info;
	int16_t old = tc->ch.id;

	if (vanished)
		CHECK_EQ(plx_sim_replug(sim, tc->ch.fn), 0);
	if (!probe_while_held)
		CHECK_OK(dev_close_check(old, frees));
	CHECK_EQ(plx_test_pci_probe(tc->ch.addr, NULL), 0);
	CHECK_OK(plx_test_chan_attach(&tc->ch));
	if (probe_while_held) {
		CHECK_MSG(tc->ch.id != old,
			"re-plugged %s got the id %d of the held one", tc->ch.addr,
			old);
		CHECK_EQ(rte_dma_info_get(old, &info), 0);
		snprintf(held, sizeof(held), "%s", info.dev_name);
		CHECK_EQ(rte_dma_get_dev_id_by_name(held), old);
		CHECK_OK(plx_test_vchan_is(old, RTE_DMA_VCHAN_HALTED_ERROR));
		CHECK_OK(dev_close_check(old, frees));
		CHECK_EQ(rte_dma_get_dev_id_by_name(tc->ch.addr), tc->ch.id);
		CHECK(rte_dma_get_dev_id_by_name(held) < 0);
	}
	return start_smoke_stop(tc);
}

/* --- administrator unbind: VFIO request -> RTE_DEV_EVENT_REMOVE --- */

struct unbind_slot {
	char addr[RTE_DEV_NAME_MAX_LEN];
	bool by_name;
	int result;
	RTE_ATOMIC(uint32_t) events;
	RTE_ATOMIC(uint32_t) done;
};

static struct unbind_slot unbind_slots[MAX_FUNCS];
static bool unbind_registered;

/* Alarm callback: where DPDK lets an application remove a device. */
static void
unbind_alarm(void *arg)
{
	struct unbind_slot *s = arg;

	s->result = plx_test_pci_remove(s->addr, s->by_name);
	rte_atomic_store_explicit(&s->done, 1, rte_memory_order_release);
}

/* Runs on DPDK's interrupt thread, which must not remove from here. */
static void
unbind_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	struct unbind_slot *slots = arg, *s;
	int fn = plx_sim_func_of_addr(name);

	if (type != RTE_DEV_EVENT_REMOVE || fn < 0 || fn >= MAX_FUNCS)
		return;
	s = &slots[fn];
	if (rte_atomic_fetch_add_explicit(&s->events, 1, rte_memory_order_acq_rel) != 0)
		return;
	if (rte_eal_alarm_set(1, unbind_alarm, s) != 0) {
		s->result = -ENOEXEC;
		rte_atomic_store_explicit(&s->done, 1, rte_memory_order_release);
	}
}

int
unbind_request(struct tchan *tc, bool by_name)
{
	struct unbind_slot *s = &unbind_slots[tc->ch.fn];

	if (!unbind_registered) {
		CHECK_EQ(rte_dev_event_callback_register(NULL, unbind_event,
			unbind_slots), 0);
		unbind_registered = true;
	}
	snprintf(s->addr, sizeof(s->addr), "%s", tc->ch.addr);
	s->by_name = by_name;
	s->result = -EINPROGRESS;
	rte_atomic_store_explicit(&s->events, 0, rte_memory_order_relaxed);
	rte_atomic_store_explicit(&s->done, 0, rte_memory_order_release);
	CHECK_EQ(plx_sim_inject(sim, tc->ch.fn, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		0);
	return 0;
}

/* Wait for the alarm's removal (a flag, never a sleep). */
int
unbind_wait(const struct tchan *tc)
{
	struct unbind_slot *s = &unbind_slots[tc->ch.fn];
	struct plx_wait w = plx_wait_begin(WAIT_US);

	while (!rte_atomic_load_explicit(&s->done, rte_memory_order_acquire))
		CHECK_MSG(plx_waiting(&w, 0),
			"%s: no removal %u s after the unbind request (%u REMOVE events)",
			tc->ch.addr, WAIT_US / 1000000,
			rte_atomic_load_explicit(&s->events, rte_memory_order_relaxed));
	CHECK_MSG(s->result == 0, "removal of %s from the alarm: %d",
		tc->ch.addr, s->result);
	CHECK_EQ(rte_atomic_load_explicit(&s->events, rte_memory_order_acquire), 1);
	return 0;
}

void
unbind_unregister(void)
{
	if (unbind_registered)
		rte_dev_event_callback_unregister(NULL, unbind_event,
			unbind_slots);
	unbind_registered = false;
}
