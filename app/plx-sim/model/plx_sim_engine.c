/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The engine of the device model, per function: the walk of the
 * descriptor ring in host memory through the IOMMU.
 *
 * BAR0 is plain shared memory: software writes do not trap, the engine
 * polls. How CTRL writes are recognised without losing any is explained at
 * ctrl_take() (plx_sim_ctrl.c). Per-function engine state is owned by whoever holds
 * plx_func.lock (the engine thread, or a plx_sim_step() caller); the hot
 * path takes that lock and the IOMMU read lock once per batch of
 * descriptors, never per descriptor.
 */

#include <pthread.h>
#include <string.h>

#include "plx_sim_priv.h"

/* Threaded engine: work done for one function before serving the next. */
#define PLX_BATCH_DESC		64
#define PLX_BATCH_BYTES		(1u << 20)

/*
 * --- engine ---
 *
 * The engine keeps up to pf_depth snapshots of the descriptors ahead of
 * the one it processes (PREF_LIMIT 8: four), each tagged with the START
 * epoch (start_seq) it was taken in, and never fetches past an invalid
 * one. A snapshot with VALID clear means "stop here", unless a START was
 * taken since the snapshot: then the queue is dropped and the descriptor
 * read again (the latched START of the contract); burst prefetch
 * (head_invalid_burst()) reads the latch more weakly. By default
 * descriptors are atomic: copy, registers and write-back happen within
 * one call, so pause and abort are served between descriptors; chunked
 * transfers (desc_slice()) are not. In manual mode a step fills the
 * queue before processing the head, which makes the race of a descriptor
 * turning valid after its prefetch reproducible: plx_sim_step(sim, fn, 1)
 * leaves the snapshots behind for the next step to act on. Before an
 * atomic descriptor runs, the host lines of those queued behind it may be
 * hinted to the caches (hints_issue(), plx_sim_hint.c), which changes
 * nothing observable.
 *
 * The ring is read through the IOMMU like the data. An unmapped ring is
 * taken as a failed fetch: the engine stops with DESC_INVALID set and
 * raises ERROR | INV_DESC in INTR_STATUS.
 */

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
	s->d.flags_and_size = plx_sim_load((const uint32_t *)(const void *)p,
			memory_order_acquire);
	memcpy((uint8_t *)&s->d + 4, p + 4, sizeof(s->d) - 4);
	s->addr_lo = lo;
	s->start_seq = f->start_seq;
	s->host = (uint32_t *)(void *)p;
	return true;
}

/*
 * Fill the prefetch queue; never fetch past an invalid snapshot. A burst
 * prefetch waits for the queue to empty, then fetches a whole burst,
 * past invalid snapshots too.
 */
static bool
pf_fill(struct plx_func *f)
{
	bool burst = f->burst;

	if (unlikely(burst) && f->pf_n > 0)
		return true;
	while (f->pf_n < f->pf_depth) {
		if (!burst && f->pf_n > 0 &&
				!(pf_at(f, f->pf_n - 1)->d.flags_and_size &
					PLX_DESC_VALID))
			break;
		if (!desc_fetch(f, f->fetch_lo, pf_at(f, f->pf_n)))
			return f->pf_n > 0;
		f->fetch_lo = ring_advance(f, f->fetch_lo);
		f->pf_n++;
	}
	return true;
}

/* The one-shot descriptor fault due on this descriptor, or PLX_DF_MAX. */
static enum plx_desc_fault
desc_fault_due(const struct plx_func *f)
{
	unsigned int k;

	for (k = 0; k < PLX_DF_MAX; k++)
		if (f->desc_fault_at[k] == f->desc_count)
			break;
	return (enum plx_desc_fault)k;
}

/*
 * What a descriptor's faults make of it: 0 to run it, moving *size bytes
 * and writing back *status with the count; else its write-back, at once.
 */
static inline uint32_t
desc_plan(struct plx_func *f, uint32_t *size, uint32_t *status)
{
	*status = PLX_DESC_WB_SUCCESS;
	if (unlikely(*size == 0))
		return variant_on(f, PLX_SIM_VAR_SIZE0_SUCCESS) ?
			PLX_DESC_WB_SUCCESS : PLX_DESC_WB_READ_FAIL;
	if (unlikely(!txfr_code_ok(f)))
		return PLX_DESC_WB_WRITE_FAIL;
	if (likely(!f->faults_armed))
		return 0;
	switch (desc_fault_due(f)) {
	case PLX_DF_READ_FAIL:
		return PLX_DESC_WB_READ_FAIL;
	case PLX_DF_WRITE_FAIL:
		return PLX_DESC_WB_WRITE_FAIL;
	case PLX_DF_BOTH_FAIL:
		return PLX_DESC_WB_READ_FAIL | PLX_DESC_WB_WRITE_FAIL;
	case PLX_DF_NO_STATUS:
		*status = 0;
		break;
	case PLX_DF_SHORT:
		*size /= 2;
		break;
	default:
		break;
	}
	return 0;
}

/* The fast, atomic transfer: all checked, then one memmove. */
static uint32_t
desc_transfer(struct plx_func *f, const struct plx_dma_hw_desc *d,
		uint32_t size)
{
	uint32_t status, wb = desc_plan(f, &size, &status);
	uint64_t src, dst;
	const uint8_t *sp;
	uint8_t *dp;

	if (unlikely(wb != 0))
		return wb;
	desc_addrs(f, d, &src, &dst);
	sp = xlate(f, PLX_XL_SRC, src, size);
	if (unlikely(sp == NULL))
		return PLX_DESC_WB_READ_FAIL;
	dp = xlate(f, PLX_XL_DST, dst, size);
	if (unlikely(dp == NULL))
		return PLX_DESC_WB_WRITE_FAIL;
	if (!plx_sim_load(&f->sim->conf.null_copy, memory_order_relaxed))
		memmove(dp, sp, size);
	return status | size;
}

/* Loud, whatever the verbosity: silicon would corrupt in silence. */
static __attribute__((noinline, cold)) void
owner_error(struct plx_func *f, const struct plx_pf_slot *s,
		const uint64_t now[2])
{
	uint64_t was[2];

	memcpy(was, &s->d, sizeof(was));
	plx_sim_fetch_add(&f->owner_errors, 1, memory_order_relaxed);
	plx_log_print(f, "ownership error: descriptor %08x rewritten while "
		"the engine owned it (ran %016llx %016llx, now %016llx %016llx)",
		s->addr_lo, (unsigned long long)was[0],
		(unsigned long long)was[1], (unsigned long long)now[0],
		(unsigned long long)now[1]);
}

/*
 * Just before the write-back: the slot must still hold what the engine
 * ran. Software may write it concurrently (that is the error looked
 * for), hence atomic loads; a slot is 16-byte aligned.
 */
static inline void
owner_check(struct plx_func *f, const struct plx_pf_slot *s)
{
	const uint64_t *p = (const uint64_t *)(const void *)s->host;
	uint64_t now[2], ran[2];

	now[0] = plx_sim_load(&p[0], memory_order_relaxed);
	now[1] = plx_sim_load(&p[1], memory_order_relaxed);
	memcpy(ran, &s->d, sizeof(ran));
	if (unlikely(now[0] != ran[0] || now[1] != ran[1]))
		owner_error(f, s, now);
}

/* Bytes per chunk of CTRL2's maximum transfer size code. */
static uint32_t
txfr_bytes(uint32_t ctrl2)
{
	static const uint16_t bytes[8] = { 64, 128, 256, 512, 1024, 2048, 64, 4 };

	return bytes[ctrl2 & PLX_CTRL2_MAX_TXFR_MASK];
}

#define PLX_PAGE		4096u
/* Chunked: bytes a service moves of one descriptor before looking up. */
#define PLX_SLICE_BYTES		16384u

/*
 * Non-atomic transfers (plx_sim_conf.chunked). The head descriptor moves
 * forward in chunks of CTRL2's transfer size, each translated on its own
 * and kept within a page on both sides, PLX_SLICE_BYTES per call, so that
 * CTRL, an abort or a removal is served mid-descriptor (the abort and the
 * removal then leave the chunks moved so far, and no write-back). A
 * chunk that does not translate leaves those before it written and ends
 * the descriptor with its failure bit and the bytes moved. Returns
 * whether the descriptor is finished, with its write-back in *wb.
 */
static bool
desc_slice(struct plx_func *f, const struct plx_dma_hw_desc *d,
		uint32_t *wb, uint64_t *moved)
{
	uint32_t chunk = txfr_bytes(f->ctrl2), end;
	uint64_t src, dst;
	bool copy = !plx_sim_load(&f->sim->conf.null_copy, memory_order_relaxed);

	if (!f->xfer_busy) {
		f->xfer_size = d->flags_and_size & PLX_DESC_SIZE_MASK;
		*wb = desc_plan(f, &f->xfer_size, &f->xfer_status);
		if (*wb != 0)
			return true;
		f->xfer_busy = true;
		f->xfer_done = 0;
	}
	desc_addrs(f, d, &src, &dst);
	end = f->xfer_size - f->xfer_done > PLX_SLICE_BYTES ?
		f->xfer_done + PLX_SLICE_BYTES : f->xfer_size;
	while (f->xfer_done < end) {
		uint64_t s = src + f->xfer_done, t = dst + f->xfer_done;
		uint32_t len = end - f->xfer_done;
		const uint8_t *sp;
		uint8_t *dp;

		len = len < chunk ? len : chunk;
		len = len < PLX_PAGE - (s & (PLX_PAGE - 1)) ?
			len : PLX_PAGE - (s & (PLX_PAGE - 1));
		len = len < PLX_PAGE - (t & (PLX_PAGE - 1)) ?
			len : PLX_PAGE - (t & (PLX_PAGE - 1));
		sp = xlate(f, PLX_XL_SRC, s, len);
		dp = sp != NULL ? xlate(f, PLX_XL_DST, t, len) : NULL;
		if (dp == NULL) {
			*wb = (sp == NULL ? PLX_DESC_WB_READ_FAIL :
				PLX_DESC_WB_WRITE_FAIL) | f->xfer_done;
			f->xfer_busy = false;
			return true;
		}
		if (copy)
			memmove(dp, sp, len);
		f->xfer_done += len;
		*moved += len;
	}
	if (f->xfer_done < f->xfer_size)
		return false;
	*wb = f->xfer_status | f->xfer_size;
	f->xfer_busy = false;
	return true;
}

/* The head descriptor is done with write-back wb: account for it. */
static void
desc_complete(struct plx_func *f, uint32_t wb)
{
	struct plx_pf_slot *s = pf_at(f, 0);
	uint32_t size = s->d.flags_and_size & PLX_DESC_SIZE_MASK;
	uint64_t n = f->desc_count;

	if (variant_on(f, PLX_SIM_VAR_RESIDUE_AS_REMAINING))
		wb = (wb & ~PLX_DESC_SIZE_MASK) |
			(size - (wb & PLX_DESC_SIZE_MASK));
	f->next_lo = ring_advance(f, s->addr_lo);
	if (!variant_on(f, PLX_SIM_VAR_NO_LAST_REGS)) {
		wr32(f, PLX_REG_DESC_RING_LAST_ADDR, s->addr_lo);
		wr32(f, PLX_REG_DESC_RING_LAST_SIZE, size);
	}
	wr32(f, PLX_REG_DESC_RING_NEXT_ADDR, f->next_lo);
	if (f->cfg & PLX_CTRL_WRITE_BACK_EN) {
		/* Release: whoever sees the write-back sees the data. */
		if (likely(s->host != NULL)) {
			owner_check(f, s);
			if (likely(!f->faults_armed) || !late_wb_hold(f,
					iova_of(f->ring_hi, s->addr_lo), wb))
				plx_sim_store(s->host, wb, memory_order_release);
		}
	}
	if (unlikely(f->faults_armed)) {
		enum plx_desc_fault k = desc_fault_due(f);

		/* One-shot faults are spent on their descriptor. */
		if (k != PLX_DF_MAX)
			f->desc_fault_at[k] = PLX_NEVER;
		f->halt_due = f->halt_on_fail &&
			(wb & (PLX_DESC_WB_SUCCESS | PLX_DESC_WB_READ_FAIL |
				PLX_DESC_WB_WRITE_FAIL)) != PLX_DESC_WB_SUCCESS;
		faults_rearm(f);
	}
	intr_raise(f, PLX_INTR_DESC_DONE |
		   ((wb & PLX_DESC_WB_SUCCESS) ? 0 : PLX_INTR_ERROR));
	plx_sim_store(&f->desc_count, n + 1, memory_order_release);
	f->pf_head = (f->pf_head + 1) % PLX_PF_MAX;
	f->pf_n--;
	if (f->pf_hinted > 0)
		f->pf_hinted--;
	plx_log(f, 2, "desc %08x size %u -> %08x", s->addr_lo, size, wb);
	if (!(wb & PLX_DESC_WB_SUCCESS) &&
			variant_on(f, PLX_SIM_VAR_STOP_ON_ERROR) &&
			ctrl_commit(f, PLX_TR_STOP_ERROR, 0))
		plx_log(f, 1, "stopped after failed descriptor %08x",
			s->addr_lo);
}

/* Process the descriptor at the head of the queue (known valid). */
static uint32_t
desc_run(struct plx_func *f)
{
	const struct plx_pf_slot *s = pf_at(f, 0);
	uint32_t size = s->d.flags_and_size & PLX_DESC_SIZE_MASK;

	/* Their misses overlap this copy, as a real engine's reads would. */
	hints_issue(f);
	desc_complete(f, desc_transfer(f, &s->d, size));
	return size;
}

/* Chunked: a slice of the head descriptor; whether it is finished. */
static bool
desc_run_chunked(struct plx_func *f, uint64_t *bytes)
{
	uint32_t wb;

	if (!desc_slice(f, &pf_at(f, 0)->d, &wb, bytes))
		return false;
	desc_complete(f, wb);
	return true;
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
		if (unlikely(f->chaos))
			t += chaos_desc_ns(f);
		f->pace_due = (now > f->pace_last ? now : f->pace_last) + t;
	}
	if (now < f->pace_due)
		return false;
	f->pace_last = f->pace_due;
	f->pace_due = 0;
	return true;
}

/* A poll of CTRL between descriptors, which chaos may put off. */
static inline bool
svc_ctrl_poll(struct plx_func *f)
{
	if (unlikely(f->chaos) && chaos_ctrl_deferred(f))
		return false;
	return ctrl_poll(f);
}

/* Outcome of looking at the head of the queue. */
enum plx_head {
	PLX_HEAD_RUN,
	PLX_HEAD_REFETCH,
	PLX_HEAD_STOP,
	PLX_HEAD_WAIT,
};

/*
 * Burst prefetch at an invalid head: a latched START (taken before or
 * while trying to stop) buys one re-read of the head alone; the snapshots
 * behind it stay as they were fetched.
 */
static enum plx_head
head_invalid_burst(struct plx_func *f, struct plx_pf_slot *s)
{
	if (!f->start_latch &&
			ctrl_commit(f, PLX_TR_STOP_INVALID, f->start_seq)) {
		plx_log(f, 1, "stopped at invalid descriptor %08x (burst)",
			s->addr_lo);
		intr_raise(f, PLX_INTR_INV_DESC);
		return PLX_HEAD_STOP;
	}
	f->start_latch = false;
	if (!desc_fetch(f, s->addr_lo, s)) {
		f->fetch_lo = f->next_lo;
		pf_drop(f);
	}
	return PLX_HEAD_REFETCH;
}

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
		if (unlikely(f->burst))
			return head_invalid_burst(f, s);
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
	/* Mid-descriptor (chunked): nothing to decide before going on. */
	if (unlikely(f->xfer_busy))
		return PLX_HEAD_RUN;
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

/* halt-on-fail: stop after the failed descriptor just written back. */
static bool
engine_halt(struct plx_func *f)
{
	f->halt_due = false;
	if (!ctrl_commit(f, PLX_TR_HALT, 0))
		return false;
	plx_log(f, 1, "halted after failed descriptor %08x",
		rd32(f, PLX_REG_DESC_RING_LAST_ADDR));
	return true;
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
		/* Where writes do not trap, one stays visible until here. */
		if (!views_trap_writes())
			memset(f->bar, 0xff, sim->bar_len);
		late_wb_deliver(f);
		return 0;
	}
	if (unlikely(f->glitch) && !glitch_over(f)) {
		svc->wait = true;
		return 0;
	}
	svc->active |= svc_ctrl_poll(f);
	svc->active |= requests_check(f);
	intr_raise(f, 0);
	if (!f->running)
		return 0;
	pthread_rwlock_rdlock(&sim->iommu_lock);
	xlate_sync(f);
	while (n < max_desc && bytes < max_bytes) {
		enum plx_head h;

		if (svc_ctrl_poll(f))
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
		if (unlikely(f->chunked)) {
			if (!desc_run_chunked(f, &bytes)) {
				active = true;
				continue;
			}
		} else {
			bytes += desc_run(f);
		}
		n++;
		if (unlikely(f->faults_armed)) {
			events_due(f);
			/* Gone, or CTRL all ones: not to be read as a write. */
			if (f->removed || f->glitch)
				break;
			if (f->halt_due && engine_halt(f))
				break;
		}
	}
	pthread_rwlock_unlock(&sim->iommu_lock);
	svc->active |= active || n > 0;
	return n;
}

unsigned int
plx_sim_step_bytes(struct plx_sim *sim, unsigned int fn,
		unsigned int max_desc, uint64_t max_bytes)
{
	struct plx_svc svc = { false, false };
	struct plx_func *f;
	unsigned int n;

	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	n = func_service(f, max_desc, max_bytes, &svc);
	pthread_mutex_unlock(&f->lock);
	return n;
}

unsigned int
plx_sim_step(struct plx_sim *sim, unsigned int fn, unsigned int max_desc)
{
	return plx_sim_step_bytes(sim, fn, max_desc, UINT64_MAX);
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
		func_service(f, f->chaos ? chaos_batch(f, PLX_BATCH_DESC) :
			PLX_BATCH_DESC, PLX_BATCH_BYTES, svc);
		pthread_mutex_unlock(&f->lock);
	}
}
