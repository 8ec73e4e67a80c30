/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * CTRL and INTR_STATUS of a function as software writes them to plain
 * memory: how the engine recognises each write, interprets it, and
 * publishes its own state changes without overwriting one. The engine
 * (plx_sim_engine.c) polls them through the inline halves in
 * plx_sim_priv.h.
 */

#include <pthread.h>

#include "plx_sim_priv.h"

/* --- CTRL: recognising software writes to plain memory --- */

static uint32_t
ctrl_compose(const struct plx_func *f)
{
	return f->cfg | f->status | PLX_CTRL32_OF_CTRL2(f->ctrl2) |
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
	f->ring_hi = rd32(f, PLX_REG_DESC_RING_ADDR_HI) & PLX_RING_ADDR_HI_MASK;
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
	/* Deeper than the ring, a snapshot would alias the head's slot. */
	if (count != 0 && f->pf_depth > count)
		f->pf_depth = count;
	f->burst = plx_sim_load(&f->sim->conf.burst_prefetch,
		memory_order_relaxed);
	f->start_latch = false;
	pf_drop(f);
	f->running = true;
	plx_log(f, 1, "start: ring %#x:%08x count %u next %08x prefetch %u%s",
		f->ring_hi, f->ring_lo, count, f->next_lo, f->pf_depth,
		f->burst ? " (burst)" : "");
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
	uint32_t c = PLX_CTRL32_CTRL(w);

	plx_log(f, 2, "CTRL write %08x", w);
	if (c == PLX_CTRL32_CTRL(f->ctrl_pub)) {
		f->ctrl2 = PLX_CTRL32_CTRL2(w) & ~PLX_CTRL2_IN_PROGRESS;
		return;
	}
	if ((c & PLX_CTRL_START) && f->lost_starts != 0) {
		f->lost_starts--;
		c &= ~PLX_CTRL_START;
		plx_log(f, 1, "START of CTRL write %08x lost (lost-start)", w);
	}
	f->status &= ~(c & PLX_CTRL_STATUS_MASK);
	f->cfg = c & PLX_CTRL_CFG_MASK;
	f->ctrl2 = PLX_CTRL32_CTRL2(w) & ~PLX_CTRL2_IN_PROGRESS;
	/* GRACEFUL_PAUSE is a level: writing it (again) asks for a pause,
	 * writing it 0 withdraws one that has not completed yet. */
	f->pause_req = (c & PLX_CTRL_GRACEFUL_PAUSE) != 0;
	if (c & PLX_CTRL_ABORT)
		f->abort_req = true;
	if (c & PLX_CTRL_START) {
		f->start_seq++;
		if (f->running)
			f->start_latch = true;
		else if (!f->halted)
			engine_start(f);
		else
			plx_log(f, 1, "START ignored: halted after a failure");
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
__attribute__((noinline)) bool
ctrl_take(struct plx_func *f, uint32_t cur)
{
	uint32_t *reg = reg32(f, PLX_REG_CTRL);
	uint32_t next;

	for (;;) {
		ctrl_interpret(f, cur);
		next = ctrl_compose(f);
		if (plx_sim_cas(reg, &cur, next))
			break;
	}
	f->ctrl_pub = next;
	return true;
}


/* Whether the engine may make transition tr in its current state. */
static bool
transition_ok(const struct plx_func *f, enum plx_transition tr,
		uint64_t snap_seq)
{
	switch (tr) {
	case PLX_TR_STOP_INVALID:
		/* A START since the snapshot: re-read instead of stopping. */
		return f->running && (f->start_seq == snap_seq ||
			variant_on(f, PLX_SIM_VAR_NO_START_LATCH));
	case PLX_TR_STOP_FETCH_FAIL:
	case PLX_TR_STOP_ERROR:
	case PLX_TR_HALT:
		return f->running;
	case PLX_TR_PAUSE_DONE:
		/* Graceful: the descriptor in progress is finished first. */
		return f->pause_req && !f->pause_stuck && !f->stalled &&
			!f->xfer_busy;
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
	bool halted;
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
		f->halted = false;
		break;
	case PLX_TR_ABORT_DONE:
		f->status |= PLX_CTRL_ABORT_DONE;
		f->abort_req = false;
		f->pause_req = false;
		f->halted = false;
		break;
	case PLX_TR_STOP_ERROR:
		break;
	case PLX_TR_HALT:
		f->halted = true;
		break;
	}
	if ((tr == PLX_TR_PAUSE_DONE || tr == PLX_TR_ABORT_DONE) &&
			variant_on(f, PLX_SIM_VAR_IMM_PAUSE_DONE_SET))
		f->status |= PLX_CTRL_IMM_PAUSE_DONE;
}

/*
 * Publish transition tr unless a software write seen first makes it moot.
 * A write that races with the CAS happened before the transition became
 * visible, so it is interpreted against the state before the transition,
 * which is then reconsidered. Returns whether the transition was made.
 */
bool
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
			f->pause_req, f->abort_req, f->halted };
		transition_apply(f, tr);
		next = ctrl_compose(f);
		expect = f->ctrl_pub;
		if (plx_sim_cas(reg, &expect, next))
			break;
		f->status = saved.status;
		f->running = saved.running;
		f->pause_req = saved.pause_req;
		f->abort_req = saved.abort_req;
		f->halted = saved.halted;
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

/* --- all-ones glitch: CTRL reads all ones while the engine stands still --- */

/*
 * Take pending writes first, so that the glitch does not eat one. It ends
 * us microseconds from now (0: once cleared), or at the next step of a
 * manual switch if us is given.
 */
void
glitch_begin(struct plx_func *f, uint64_t us)
{
	uint32_t *reg = reg32(f, PLX_REG_CTRL);
	uint32_t expect;

	do {
		ctrl_poll(f);
		expect = f->ctrl_pub;
	} while (!plx_sim_cas(reg, &expect, PLX_GONE_U32));
	f->glitch = true;
	f->glitch_val = 0;
	f->glitch_mask = 0;
	f->glitch_end = us != 0 ? now_ns() + us * 1000 : PLX_NEVER;
}

/*
 * Halves of CTRL that software wrote during the glitch (a half still all
 * ones is the glitch's: software never writes CTRL or CTRL2 as 0xffff)
 * are held, as a link in retrain holds posted writes, and all ones put
 * back; the rest of the word stays as it was published.
 */
static uint32_t
glitch_merge(struct plx_func *f, uint32_t cur)
{
	if ((cur & 0xffff) != 0xffff) {
		f->glitch_val = (f->glitch_val & 0xffff0000) | (cur & 0xffff);
		f->glitch_mask |= 0xffff;
	}
	if ((cur >> 16) != 0xffff) {
		f->glitch_val = (f->glitch_val & 0xffff) | (cur & 0xffff0000);
		f->glitch_mask |= 0xffff0000;
	}
	return (f->ctrl_pub & ~f->glitch_mask) |
		(f->glitch_val & f->glitch_mask);
}

/*
 * While the glitch lasts, keep CTRL all ones; once it is over, publish
 * it again with the writes held delivered, to be taken as writes.
 */
bool
glitch_over(struct plx_func *f)
{
	uint32_t *reg = reg32(f, PLX_REG_CTRL);
	uint32_t cur = plx_sim_load(reg, memory_order_acquire);
	bool over = (f->sim->conf.manual && f->glitch_end != PLX_NEVER) ||
		now_ns() >= f->glitch_end;
	uint32_t next;

	do {
		next = glitch_merge(f, cur);
		if (!over)
			next = PLX_GONE_U32;
	} while (!plx_sim_cas(reg, &cur, next));
	if (!over)
		return false;
	f->glitch = false;
	plx_log(f, 1, "all-ones glitch over");
	return true;
}

/* --- INTR_STATUS: same scheme, simpler (nothing but W1C) --- */

/*
 * A software write shows as INTR_STATUS differing from what was published;
 * its 1 bits clear causes. Writing back exactly the value read cannot be
 * told from no write; writing 0xffff always clears everything. set == 0
 * just takes a pending write.
 */
__attribute__((noinline)) void
intr_update(struct plx_func *f, uint16_t set, uint16_t cur)
{
	uint16_t *reg = reg16(f, PLX_REG_INTR_STATUS);
	uint16_t st = f->intr_pub;

	for (;;) {
		uint16_t next;

		if (cur != f->intr_pub)
			st &= ~cur;
		next = st | set;
		if (plx_sim_cas(reg, &cur, next)) {
			f->intr_pub = next;
			return;
		}
	}
}
