/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The engine of the device model, per function: CTRL and INTR_STATUS as
 * software writes them to plain memory, and the walk of the descriptor
 * ring in host memory through the IOMMU.
 *
 * BAR0 is plain shared memory: software writes do not trap, the engine
 * polls. How CTRL writes are recognised without losing any is explained at
 * ctrl_poll(). Per-function engine state is owned by whoever holds
 * plx_func.lock (the engine thread, or a plx_sim_step() caller); the hot
 * path takes that lock and the IOMMU read lock once per batch of
 * descriptors, never per descriptor.
 */

#include <pthread.h>
#include <string.h>

#include "plx_sim_priv.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* Threaded engine: work done for one function before serving the next. */
#define PLX_BATCH_DESC		64
#define PLX_BATCH_BYTES		(1u << 20)

/* CTRL bits software sets and reads back unchanged. */
#define PLX_CTRL_CFG_MASK	(PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_MASK | \
				 PLX_CTRL_RING_STOP_MODE | \
				 PLX_CTRL_GRACEFUL_PAUSE | PLX_CTRL_ABORT)
#define PLX_CTRL2_IN_PROGRESS	(PLX_CTRL_IN_PROGRESS >> 16)
#define PLX_INTR_STATUS_MASK	(PLX_INTR_ERROR | PLX_INTR_INV_DESC | \
				 PLX_INTR_DESC_DONE | PLX_INTR_ABORT_DONE)

/* Register-visible state changes the engine makes through ctrl_commit(). */
enum plx_transition {
	PLX_TR_STOP_INVALID,	/* fetched a descriptor with VALID clear */
	PLX_TR_STOP_FETCH_FAIL,	/* the ring itself is not mapped */
	PLX_TR_PAUSE_DONE,
	PLX_TR_ABORT_DONE,
};

/* --- BAR0 access: software may touch it concurrently, so always atomic --- */

static inline uint32_t *
reg32(const struct plx_func *f, uint32_t off)
{
	return (uint32_t *)(void *)(f->bar + off);
}

static inline uint16_t *
reg16(const struct plx_func *f, uint32_t off)
{
	return (uint16_t *)(void *)(f->bar + off);
}

static inline uint32_t
rd32(const struct plx_func *f, uint32_t off)
{
	return __atomic_load_n(reg32(f, off), __ATOMIC_ACQUIRE);
}

static inline void
wr32(const struct plx_func *f, uint32_t off, uint32_t v)
{
	__atomic_store_n(reg32(f, off), v, __ATOMIC_RELEASE);
}

/* --- IOMMU: a function's last-hit translations --- */

static uint8_t *
xlate_miss(struct plx_func *f, enum plx_xlate_kind kind, uint64_t iova,
		uint64_t len)
{
	struct plx_sim *sim = f->sim;
	struct plx_iommu_ent *c = &f->xl[kind];

	/* A custom translation is not cached: its entries stay empty. */
	if (sim->xlate != NULL)
		return sim->xlate(iova, len);
	if (!iommu_find(sim, iova, len, c)) {
		c->len = 0;
		return NULL;
	}
	return c->va + (iova - c->iova);
}

/* Host address of [iova, iova + len) or NULL. After xlate_sync(). */
static inline uint8_t *
xlate(struct plx_func *f, enum plx_xlate_kind kind, uint64_t iova,
		uint64_t len)
{
	const struct plx_iommu_ent *c = &f->xl[kind];

	if (likely(ent_covers(c, iova, len)))
		return c->va + (iova - c->iova);
	return xlate_miss(f, kind, iova, len);
}

/* --- CTRL: recognising software writes to plain memory --- */

static uint32_t
ctrl_compose(const struct plx_func *f)
{
	return f->cfg | f->status | (f->ctrl2 << 16) |
		(f->running ? PLX_CTRL_IN_PROGRESS : 0);
}

/* START from idle: latch the ring registers, fetch from NEXT_ADDR. */
static void
engine_start(struct plx_func *f)
{
	uint32_t count = rd32(f, PLX_REG_DESC_RING_COUNT);
	uint32_t pref = rd32(f, PLX_REG_PREF_LIMIT);

	if ((f->cfg & PLX_CTRL_DESC_MODE_MASK) != PLX_CTRL_DESC_MODE_OFF_CHIP) {
		plx_log(f, 1, "START ignored: only off-chip ring mode is modelled");
		return;
	}
	f->ring_lo = rd32(f, PLX_REG_DESC_RING_ADDR);
	f->ring_hi = rd32(f, PLX_REG_DESC_RING_ADDR_HI) & 0xffff;
	f->ring_bytes = (uint64_t)count * sizeof(struct plx_dma_hw_desc);
	f->next_lo = rd32(f, PLX_REG_DESC_RING_NEXT_ADDR);
	f->fetch_lo = f->next_lo;
	f->ring_va = NULL;
	/* PREF_LIMIT 8 means four descriptors ahead; below, proportionally
	 * fewer, but the current descriptor is always fetched. */
	f->pf_depth = pref / 2;
	if (f->pf_depth < 1)
		f->pf_depth = 1;
	if (f->pf_depth > PLX_PF_MAX)
		f->pf_depth = PLX_PF_MAX;
	pf_drop(f);
	f->running = true;
	plx_log(f, 1, "start: ring %#x:%08x count %u next %08x prefetch %u",
		f->ring_hi, f->ring_lo, count, f->next_lo, f->pf_depth);
}

/*
 * Apply one software write of the 32-bit word at CTRL to the engine. A
 * word whose CTRL half is the published one is a 16-bit write of CTRL2
 * alone: CTRL must not take it, or it would clear the DONE bits that half
 * shows. (A 32-bit write repeating CTRL as read looks the same; it clears
 * nothing here, which a write following the contract, always carrying
 * RESET_VAL, never relies on.)
 */
static void
ctrl_interpret(struct plx_func *f, uint32_t w)
{
	uint32_t c = w & 0xffff;

	plx_log(f, 2, "CTRL write %08x", w);
	if (c == (f->ctrl_pub & 0xffff)) {
		f->ctrl2 = (w >> 16) & ~PLX_CTRL2_IN_PROGRESS;
		return;
	}
	f->status &= ~(c & PLX_CTRL_STATUS_MASK);
	f->cfg = c & PLX_CTRL_CFG_MASK;
	f->ctrl2 = (w >> 16) & ~PLX_CTRL2_IN_PROGRESS;
	/* GRACEFUL_PAUSE is a level: writing it (again) asks for a pause,
	 * writing it 0 withdraws one that has not completed yet. */
	f->pause_req = (c & PLX_CTRL_GRACEFUL_PAUSE) != 0;
	if (c & PLX_CTRL_ABORT)
		f->abort_req = true;
	if (c & PLX_CTRL_START) {
		f->start_seq++;
		if (!f->running)
			engine_start(f);
	}
}

/*
 * Take pending software writes of CTRL.
 *
 * BAR0 is plain memory, so a write shows only as the 32-bit word at CTRL
 * differing from ctrl_pub, the value the model last stored there. Each
 * write found is interpreted, then the resulting register value is
 * published with a compare-and-swap against the word just read: if software
 * wrote again in between the CAS fails and that write is interpreted too.
 * The engine's own updates go through the same CAS (ctrl_commit()), so
 * neither side ever overwrites the other.
 *
 * The published value never has START or IMM_PAUSE_DONE set (START is
 * consumed, the model has no immediate pause), so every write carrying
 * START or RESET_VAL is seen. The contract only ever writes CTRL with
 * RESET_VAL in it, hence none of its writes is missed. What remains:
 *  - A write equal to the published value, without START or RESET_VAL, is
 *    taken as a no-op. Its config bits and pause/abort levels equal the
 *    current ones; a pause or abort it re-issues is either still pending
 *    (idempotent) or already acknowledged, its DONE bit being set exactly
 *    as a re-acknowledgement would leave it. Only a W1C of status bits
 *    without IMM_PAUSE_DONE in the same write would be lost; the contract
 *    never does that.
 *  - Two writes landing before one poll: the engine publishes nothing
 *    between them, so the second sees the same status bits and, carrying
 *    RESET_VAL, clears a superset of them; config bits and levels are the
 *    last write's, as on hardware. A START overwritten by a pause or abort
 *    equals the hardware timing in which the engine starts and stops at
 *    the first descriptor boundary, before moving any data; a START
 *    overwritten by a second START is one START (it is a latch). Software
 *    following the contract writes nothing else over a START.
 *
 * The converse cannot be hidden: until the engine takes a write, software
 * reading CTRL gets its own write back, RESET_VAL and all, which has every
 * DONE bit set. Because the model never publishes IMM_PAUSE_DONE, a value
 * read with that bit set is such a pending write and must be polled again
 * (on hardware the bit is never set by a driver that never asks for an
 * immediate pause, so the rule costs nothing there).
 */
static __attribute__((noinline)) bool
ctrl_take(struct plx_func *f, uint32_t cur)
{
	uint32_t *reg = reg32(f, PLX_REG_CTRL);
	uint32_t next;

	for (;;) {
		ctrl_interpret(f, cur);
		next = ctrl_compose(f);
		if (__atomic_compare_exchange_n(reg, &cur, next, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	f->ctrl_pub = next;
	return true;
}

/* Checked before every descriptor: the common case stays inline. */
static inline bool
ctrl_poll(struct plx_func *f)
{
	uint32_t cur = __atomic_load_n(reg32(f, PLX_REG_CTRL), __ATOMIC_ACQUIRE);

	if (likely(cur == f->ctrl_pub))
		return false;
	return ctrl_take(f, cur);
}

/* Whether the engine may make transition tr in its current state. */
static bool
transition_ok(const struct plx_func *f, enum plx_transition tr,
		uint64_t snap_seq)
{
	switch (tr) {
	case PLX_TR_STOP_INVALID:
		/* A START since the snapshot: re-read instead of stopping. */
		return f->running && f->start_seq == snap_seq;
	case PLX_TR_STOP_FETCH_FAIL:
		return f->running;
	case PLX_TR_PAUSE_DONE:
		return f->pause_req && !f->pause_stuck && !f->stalled;
	case PLX_TR_ABORT_DONE:
		return f->abort_req && !f->abort_stuck;
	}
	return false;
}

/* Every transition stops the engine; only these fields change. */
struct plx_ctrl_state {
	uint32_t status;
	bool running;
	bool pause_req;
	bool abort_req;
};

static void
transition_apply(struct plx_func *f, enum plx_transition tr)
{
	f->running = false;
	switch (tr) {
	case PLX_TR_STOP_INVALID:
	case PLX_TR_STOP_FETCH_FAIL:
		f->status |= PLX_CTRL_DESC_INVALID;
		break;
	case PLX_TR_PAUSE_DONE:
		f->status |= PLX_CTRL_GRACEFUL_PAUSE_DONE;
		f->pause_req = false;
		break;
	case PLX_TR_ABORT_DONE:
		f->status |= PLX_CTRL_ABORT_DONE;
		f->abort_req = false;
		f->pause_req = false;
		break;
	}
}

/*
 * Publish transition tr unless a software write seen first makes it moot.
 * A write that races with the CAS happened before the transition became
 * visible, so it is interpreted against the state before the transition,
 * which is then reconsidered. Returns whether the transition was made.
 */
static bool
ctrl_commit(struct plx_func *f, enum plx_transition tr, uint64_t snap_seq)
{
	uint32_t *reg = reg32(f, PLX_REG_CTRL);

	for (;;) {
		struct plx_ctrl_state saved;
		uint32_t expect, next;

		ctrl_poll(f);
		if (!transition_ok(f, tr, snap_seq))
			return false;
		saved = (struct plx_ctrl_state){ f->status, f->running,
			f->pause_req, f->abort_req };
		transition_apply(f, tr);
		next = ctrl_compose(f);
		expect = f->ctrl_pub;
		if (__atomic_compare_exchange_n(reg, &expect, next, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
		f->status = saved.status;
		f->running = saved.running;
		f->pause_req = saved.pause_req;
		f->abort_req = saved.abort_req;
	}
	f->ctrl_pub = ctrl_compose(f);
	pf_drop(f);
	if (tr == PLX_TR_ABORT_DONE) {
		/* A hung transfer is killed with the rest. */
		f->stalled = false;
		f->stall_at = PLX_NEVER;
		faults_rearm(f);
	}
	return true;
}

/* --- INTR_STATUS: same scheme, simpler (nothing but W1C) --- */

/*
 * A software write shows as INTR_STATUS differing from what was published;
 * its 1 bits clear causes. Writing back exactly the value read cannot be
 * told from no write; writing 0xffff always clears everything. set == 0
 * just takes a pending write.
 */
static __attribute__((noinline)) void
intr_update(struct plx_func *f, uint16_t set, uint16_t cur)
{
	uint16_t *reg = reg16(f, PLX_REG_INTR_STATUS);
	uint16_t st = f->intr_pub;

	for (;;) {
		uint16_t next;

		if (cur != f->intr_pub)
			st &= ~cur;
		next = st | set;
		if (__atomic_compare_exchange_n(reg, &cur, next, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			f->intr_pub = next;
			return;
		}
	}
}

static inline void
intr_raise(struct plx_func *f, uint16_t set)
{
	uint16_t cur = __atomic_load_n(reg16(f, PLX_REG_INTR_STATUS),
		__ATOMIC_ACQUIRE);

	if (likely(cur == f->intr_pub && (cur & set) == set))
		return;
	intr_update(f, set, cur);
}

/*
 * --- engine ---
 *
 * The engine keeps up to pf_depth snapshots of the descriptors ahead of
 * the one it processes (PREF_LIMIT 8: four), each tagged with the START
 * epoch (start_seq) it was taken in, and never fetches past an invalid
 * one. A snapshot with VALID clear means "stop here", unless a START was
 * taken since the snapshot: then the queue is dropped and the descriptor
 * read again (the latched START of the contract). Descriptors are atomic:
 * copy, registers and write-back happen within one call, so pause and
 * abort are served between descriptors. In manual mode a step fills the
 * queue before processing the head, which makes the race of a descriptor
 * turning valid after its prefetch reproducible: plx_sim_step(sim, fn, 1)
 * leaves the snapshots behind for the next step to act on.
 *
 * The ring is read through the IOMMU like the data. An unmapped ring is
 * taken as a failed fetch: the engine stops with DESC_INVALID set and
 * raises ERROR | INV_DESC in INTR_STATUS.
 */

static inline uint64_t
iova_of(uint16_t hi, uint32_t lo)
{
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Next descriptor after lo: wrap to the base after DESC_RING_COUNT of them.
 * Only the low 32 bits move (ADDR_HI is fixed), so a ring crossing a 4 GiB
 * boundary is fetched from the wrong place, as on hardware. A count of 0
 * wraps after every descriptor.
 */
static inline uint32_t
ring_advance(const struct plx_func *f, uint32_t lo)
{
	lo += sizeof(struct plx_dma_hw_desc);
	if ((uint32_t)(lo - f->ring_lo) >= f->ring_bytes)
		lo = f->ring_lo;
	return lo;
}

/* Host address of the descriptor at ADDR_HI:lo, or NULL if unmapped. */
static uint8_t *
ring_host_lookup(struct plx_func *f, uint32_t lo)
{
	struct plx_sim *sim = f->sim;
	uint32_t off = lo - f->ring_lo;

	/* One lookup for the ring, unless its low word wraps (the engine
	 * would then fetch from the wrong place, see ring_advance()). */
	f->ring_va = NULL;
	if (sim->xlate == NULL && f->ring_bytes != 0 &&
			f->ring_lo + f->ring_bytes <= UINT64_C(1) << 32) {
		f->ring_va = xlate(f, PLX_XL_RING,
			iova_of(f->ring_hi, f->ring_lo), f->ring_bytes);
		if (f->ring_va != NULL && off < f->ring_bytes)
			return f->ring_va + off;
	}
	return xlate(f, PLX_XL_RING, iova_of(f->ring_hi, lo),
		sizeof(struct plx_dma_hw_desc));
}

static inline uint8_t *
ring_host(struct plx_func *f, uint32_t lo)
{
	uint32_t off = lo - f->ring_lo;

	if (likely(off < f->ring_bytes && f->ring_va != NULL))
		return f->ring_va + off;
	return ring_host_lookup(f, lo);
}

/* The i-th queued snapshot, 0 being the head. */
static inline struct plx_pf_slot *
pf_at(struct plx_func *f, unsigned int i)
{
	return &f->pf[(f->pf_head + i) % PLX_PF_MAX];
}

/* Write-back addresses of the snapshots queued under an older IOMMU map. */
static void
pf_rehost(struct plx_func *f)
{
	unsigned int i;

	for (i = 0; i < f->pf_n; i++) {
		struct plx_pf_slot *s = pf_at(f, i);

		s->host = (uint32_t *)(void *)ring_host(f, s->addr_lo);
	}
}

/*
 * Drop what a function cached of an older IOMMU state. Called with
 * iommu_lock held, before a batch of descriptors: the map cannot change
 * until the lock is released, so the caches need no check per access.
 */
static void
xlate_sync(struct plx_func *f)
{
	if (likely(f->xl_gen == f->sim->iommu_gen))
		return;
	memset(f->xl, 0, sizeof(f->xl));
	f->ring_va = NULL;
	f->xl_gen = f->sim->iommu_gen;
	pf_rehost(f);
}

/*
 * Snapshot the descriptor at ADDR_HI:lo. VALID is loaded with acquire
 * ordering first, pairing with the writer's barrier before it sets VALID,
 * so a valid snapshot never carries stale fields. Returns false if the ring
 * is not mapped.
 */
static bool
desc_fetch(struct plx_func *f, uint32_t lo, struct plx_pf_slot *s)
{
	uint8_t *p = ring_host(f, lo);

	if (unlikely(p == NULL))
		return false;
	s->d.flags_and_size = __atomic_load_n((const uint32_t *)(const void *)p,
			__ATOMIC_ACQUIRE);
	memcpy((uint8_t *)&s->d + 4, p + 4, sizeof(s->d) - 4);
	s->addr_lo = lo;
	s->start_seq = f->start_seq;
	s->host = (uint32_t *)(void *)p;
	return true;
}

/* Fill the prefetch queue; never fetch past an invalid snapshot. */
static bool
pf_fill(struct plx_func *f)
{
	while (f->pf_n < f->pf_depth) {
		if (f->pf_n > 0 && !(pf_at(f, f->pf_n - 1)->d.flags_and_size &
				PLX_DESC_VALID))
			break;
		if (!desc_fetch(f, f->fetch_lo, pf_at(f, f->pf_n)))
			return f->pf_n > 0;
		f->fetch_lo = ring_advance(f, f->fetch_lo);
		f->pf_n++;
	}
	return true;
}

static uint32_t
desc_transfer(struct plx_func *f, const struct plx_dma_hw_desc *d,
		uint32_t size)
{
	uint64_t src = iova_of(d->src_addr_hi, d->src_addr_lo);
	uint64_t dst = iova_of(d->dst_addr_hi, d->dst_addr_lo);
	const uint8_t *sp;
	uint8_t *dp;

	if (unlikely(size == 0))
		return PLX_DESC_WB_READ_FAIL;
	if (unlikely(f->faults_armed)) {
		uint64_t n = f->desc_count;

		if (n == f->read_fail_at)
			return PLX_DESC_WB_READ_FAIL;
		if (n == f->write_fail_at)
			return PLX_DESC_WB_WRITE_FAIL;
	}
	sp = xlate(f, PLX_XL_SRC, src, size);
	if (unlikely(sp == NULL))
		return PLX_DESC_WB_READ_FAIL;
	dp = xlate(f, PLX_XL_DST, dst, size);
	if (unlikely(dp == NULL))
		return PLX_DESC_WB_WRITE_FAIL;
	if (!__atomic_load_n(&f->sim->conf.null_copy, __ATOMIC_RELAXED))
		memmove(dp, sp, size);
	return PLX_DESC_WB_SUCCESS | size;
}

/* Process the descriptor at the head of the queue (known valid). */
static uint32_t
desc_run(struct plx_func *f)
{
	struct plx_pf_slot *s = pf_at(f, 0);
	uint32_t size = s->d.flags_and_size & PLX_DESC_SIZE_MASK;
	uint32_t wb = desc_transfer(f, &s->d, size);
	uint64_t n = f->desc_count;

	f->next_lo = ring_advance(f, s->addr_lo);
	wr32(f, PLX_REG_DESC_RING_LAST_ADDR, s->addr_lo);
	wr32(f, PLX_REG_DESC_RING_LAST_SIZE, size);
	wr32(f, PLX_REG_DESC_RING_NEXT_ADDR, f->next_lo);
	if (f->cfg & PLX_CTRL_WRITE_BACK_EN) {
		/* Release: whoever sees the write-back sees the data. */
		if (likely(s->host != NULL))
			__atomic_store_n(s->host, wb, __ATOMIC_RELEASE);
	}
	if (unlikely(f->faults_armed)) {
		/* One-shot faults are spent on their descriptor. */
		if (n == f->read_fail_at)
			f->read_fail_at = PLX_NEVER;
		if (n == f->write_fail_at)
			f->write_fail_at = PLX_NEVER;
		faults_rearm(f);
	}
	intr_raise(f, PLX_INTR_DESC_DONE |
		   ((wb & PLX_DESC_WB_SUCCESS) ? 0 : PLX_INTR_ERROR));
	__atomic_store_n(&f->desc_count, n + 1, __ATOMIC_RELEASE);
	f->pf_head = (f->pf_head + 1) % PLX_PF_MAX;
	f->pf_n--;
	plx_log(f, 2, "desc %08x size %u -> %08x", s->addr_lo, size, wb);
	return size;
}

/* Cost of a descriptor under pacing; false while it is still in flight. */
static bool
pace_ready(struct plx_func *f, uint32_t size)
{
	const struct plx_sim_conf *c = &f->sim->conf;
	uint64_t now = now_ns();

	if (f->pace_due == 0) {
		uint64_t t = c->desc_latency_ns;

		if (c->bandwidth != 0)
			t += (uint64_t)size * 1000000000u / c->bandwidth;
		f->pace_due = (now > f->pace_last ? now : f->pace_last) + t;
	}
	if (now < f->pace_due)
		return false;
	f->pace_last = f->pace_due;
	f->pace_due = 0;
	return true;
}

/* Outcome of looking at the head of the queue. */
enum plx_head {
	PLX_HEAD_RUN,
	PLX_HEAD_REFETCH,
	PLX_HEAD_STOP,
	PLX_HEAD_WAIT,
};

static enum plx_head
head_check(struct plx_func *f)
{
	struct plx_pf_slot *s;

	if (!pf_fill(f)) {
		plx_log(f, 1, "ring fetch at %#x:%08x outside the IOMMU",
			f->ring_hi, f->fetch_lo);
		if (ctrl_commit(f, PLX_TR_STOP_FETCH_FAIL, 0)) {
			intr_raise(f, PLX_INTR_ERROR | PLX_INTR_INV_DESC);
			return PLX_HEAD_STOP;
		}
		return PLX_HEAD_REFETCH;
	}
	s = pf_at(f, 0);
	if (!(s->d.flags_and_size & PLX_DESC_VALID)) {
		if (ctrl_commit(f, PLX_TR_STOP_INVALID, s->start_seq)) {
			plx_log(f, 1, "stopped at invalid descriptor %08x",
				s->addr_lo);
			intr_raise(f, PLX_INTR_INV_DESC);
			return PLX_HEAD_STOP;
		}
		/* Latched START (or stopped otherwise): drop stale snapshots. */
		f->fetch_lo = f->next_lo;
		pf_drop(f);
		return PLX_HEAD_REFETCH;
	}
	if (unlikely(f->faults_armed) && f->desc_count == f->stall_at) {
		if (!f->stalled)
			plx_log(f, 1, "stalled before descriptor %08x",
				s->addr_lo);
		f->stalled = true;
		return PLX_HEAD_WAIT;
	}
	if (f->sim->paced &&
			!pace_ready(f, s->d.flags_and_size & PLX_DESC_SIZE_MASK))
		return PLX_HEAD_WAIT;
	return PLX_HEAD_RUN;
}

/* Honour abort and pause requests at a descriptor boundary. */
static inline bool
requests_check(struct plx_func *f)
{
	if (likely(!f->abort_req && !f->pause_req))
		return false;
	if (f->abort_req && ctrl_commit(f, PLX_TR_ABORT_DONE, 0)) {
		plx_log(f, 1, "abort done, next %08x", f->next_lo);
		intr_raise(f, PLX_INTR_ABORT_DONE);
		return true;
	}
	if (f->pause_req && ctrl_commit(f, PLX_TR_PAUSE_DONE, 0)) {
		plx_log(f, 1, "graceful pause done, next %08x", f->next_lo);
		return true;
	}
	return false;
}

/* Faults of state whose descriptor count has come. */
static void
events_due(struct plx_func *f)
{
	unsigned int k;

	for (k = 0; k < PLX_SIM_FAULT_MAX; k++) {
		if (f->event_at[k] != f->desc_count)
			continue;
		f->event_at[k] = PLX_NEVER;
		fault_apply(f, k);
	}
	faults_rearm(f);
}

/*
 * Serve function f: take register writes, then process up to max_desc
 * descriptors (and about max_bytes bytes). Caller holds f->lock.
 */
static unsigned int
func_service(struct plx_func *f, unsigned int max_desc, uint64_t max_bytes,
		struct plx_svc *svc)
{
	struct plx_sim *sim = f->sim;
	unsigned int n = 0;
	uint64_t bytes = 0;
	bool active = false;

	if (unlikely(f->removed)) {
		/* Re-stamp: a dropped write stays visible until this poll. */
		memset(f->bar, 0xff, PLX_BAR0_SIM_LEN);
		return 0;
	}
	svc->active |= ctrl_poll(f);
	svc->active |= requests_check(f);
	intr_raise(f, 0);
	if (!f->running)
		return 0;
	pthread_rwlock_rdlock(&sim->iommu_lock);
	xlate_sync(f);
	while (n < max_desc && bytes < max_bytes) {
		enum plx_head h;

		if (ctrl_poll(f))
			active = true;
		if (requests_check(f))
			active = true;
		if (!f->running)
			break;
		h = head_check(f);
		if (h == PLX_HEAD_REFETCH)
			continue;
		if (h == PLX_HEAD_STOP) {
			active = true;
			break;
		}
		if (h == PLX_HEAD_WAIT) {
			svc->wait |= !f->stalled;
			break;
		}
		bytes += desc_run(f);
		n++;
		if (unlikely(f->faults_armed)) {
			events_due(f);
			/* Gone: its BAR0 must not be read as a CTRL write. */
			if (f->removed)
				break;
		}
	}
	pthread_rwlock_unlock(&sim->iommu_lock);
	svc->active |= active || n > 0;
	return n;
}

unsigned int
plx_sim_step(struct plx_sim *sim, unsigned int fn, unsigned int max_desc)
{
	struct plx_svc svc = { false, false };
	struct plx_func *f;
	unsigned int n;

	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	n = func_service(f, max_desc, UINT64_MAX, &svc);
	pthread_mutex_unlock(&f->lock);
	return n;
}

/*
 * One round-robin pass over all functions, a bounded batch each, for the
 * engine thread (plx_sim_switch.c), which backs off while passes find
 * nothing to do.
 */
void
engine_pass(struct plx_sim *sim, struct plx_svc *svc)
{
	unsigned int fn;

	for (fn = 0; fn < sim->nb_funcs; fn++) {
		struct plx_func *f = &sim->funcs[fn];

		pthread_mutex_lock(&f->lock);
		func_service(f, PLX_BATCH_DESC, PLX_BATCH_BYTES, svc);
		pthread_mutex_unlock(&f->lock);
	}
}
