/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's reference model: what the API contract allows a dma_plx
 * channel to answer, given what the application did and what the
 * simulated engine was told (faults, unmapped addresses) and has done
 * (its descriptor counter). See test_dma_plx_fuzz.h.
 *
 * Descriptor j of a run is engine descriptor d0 + j: the engine runs a
 * ring in order and the run starts with the engine idle. An op is one
 * descriptor per piece (fz_pieces()), so "the engine has run op k" is
 * plx_sim_desc_count() >= d0 + d + n for its descriptors d .. d + n,
 * read before or after a call. The model's reports are in
 * test_dma_plx_fuzz_report.c, its destination data in _data.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_io.h>
#include <rte_memzone.h>

#include "plx_dma_hw.h"
#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

struct fz_world fz_w;
struct plx_sim *fz_sim;

#define ST(s)		(RTE_DMA_STATUS_ ## s)

uint64_t
fz_descs(const struct fz_func *f)
{
	return plx_sim_desc_count(fz_sim, f->fn);
}

uint64_t
fz_run_done(const struct fz_chan *ch, uint64_t count)
{
	uint64_t c = RTE_MIN(count, ch->d_end);

	return c > ch->d0 ? c - ch->d0 : 0;
}

/* Attached to a function that left the bus. */
bool
fz_vanished(const struct fz_chan *ch)
{
	return ch->f->off_bus && ch->f->cur == ch;
}

bool
fz_uncollected(const struct fz_chan *ch)
{
	return ch->rep < ch->handed;
}

/* The descriptor the engine stops before (stall, vanish), or FZ_NEVER. */
static uint64_t
run_barrier(const struct fz_chan *ch)
{
	const struct fz_func *f = ch->f;
	uint64_t at = RTE_MIN(f->stall_at, f->surprise_at);

	return at >= ch->d0 && at != FZ_NEVER ? at - ch->d0 : FZ_NEVER;
}

/* Descriptors of the run the engine will have run once it is idle. */
uint64_t
fz_run_target(const struct fz_chan *ch)
{
	if (ch->halt == FZ_HALT_LOST && ch->looping && ch->d_end == FZ_NEVER)
		return run_barrier(ch);
	if (ch->halt == FZ_RUN ||
			(ch->halt == FZ_HALT_LOST && ch->d_end == FZ_NEVER))
		return RTE_MIN(ch->sd, run_barrier(ch));
	return fz_run_done(ch, ch->d_end);
}

const char *
fz_halt_name(enum fz_halt h)
{
	static const char *const names[] = {
		[FZ_RUN] = "running",
		[FZ_HALT_STOP] = "stopped",
		[FZ_HALT_GONE] = "device vanished",
		[FZ_HALT_LOST] = "engine lost",
	};

	return names[h];
}

/* --- faults --- */

static void vanish(struct fz_func *f, uint64_t count);

/* Descriptors below this no unreported op of f's channels is at. */
static uint64_t
marks_floor(const struct fz_func *f)
{
	uint64_t low = fz_descs(f);
	unsigned int i;

	if (f->cur != NULL && f->cur->ring != 0)
		low = RTE_MIN(low, f->cur->d0 + f->cur->rd);
	for (i = 0; i < f->nb_held; i++)
		low = RTE_MIN(low, f->held[i]->d0 + f->held[i]->rd);
	return low;
}

/* Keep the marks that match; j: how many are kept. */
static void
marks_keep(struct fz_func *f, uint64_t floor, int kind_armed, uint64_t now)
{
	unsigned int i, j;

	for (i = j = 0; i < f->nb_marks; i++) {
		if (f->mark_at[i] < floor ||
				(f->mark_at[i] >= now && (kind_armed < 0 ||
				f->mark_kind[i] == kind_armed)))
			continue;
		f->mark_at[j] = f->mark_at[i];
		f->mark_kind[j++] = f->mark_kind[i];
	}
	f->nb_marks = j;
}

/*
 * The status the PMD owes for a descriptor a write-back fault struck
 * (doc/guides/dmadevs/plx.rst): a success short of its size and a word
 * with no status bit are no success, both failure bits a bus error.
 */
enum rte_dma_status_code
fz_mark_status(uint8_t kind)
{
	switch (kind) {
	case PLX_SIM_FAULT_READ_FAIL:
		return ST(BUS_READ_ERROR);
	case PLX_SIM_FAULT_WRITE_FAIL:
		return ST(BUS_WRITE_ERROR);
	case PLX_SIM_FAULT_WB_BOTH_FAIL:
		return ST(BUS_ERROR);
	default:	/* wb-no-status, wb-short */
		return ST(ERROR_UNKNOWN);
	}
}

void
fz_fault_armed(struct fz_func *f, int fault, uint64_t at)
{
	uint64_t now = fz_descs(f);

	/* A removal that struck already is not re-armed but done. */
	if (!f->off_bus && f->surprise_at <= now)
		vanish(f, now);
	switch (fault) {
	case PLX_SIM_FAULT_READ_FAIL:
	case PLX_SIM_FAULT_WRITE_FAIL:
	case PLX_SIM_FAULT_WB_NO_STATUS:
	case PLX_SIM_FAULT_WB_BOTH_FAIL:
	case PLX_SIM_FAULT_WB_SHORT:
		break;
	case PLX_SIM_FAULT_STALL:
		f->stall_at = at;
		return;
	case PLX_SIM_FAULT_SURPRISE_REMOVAL:
		f->surprise_at = at;
		return;
	/* Once struck, pause and abort stay ignored until cleared. */
	case PLX_SIM_FAULT_PAUSE_STUCK:
		f->pstuck_at = f->pstuck_at <= now ? f->pstuck_at : at;
		return;
	case PLX_SIM_FAULT_ABORT_STUCK:
		f->astuck_at = f->astuck_at <= now ? f->astuck_at : at;
		return;
	case PLX_SIM_FAULT_RESET_STUCK:
		f->rstuck_at = f->rstuck_at <= now ? f->rstuck_at : at;
		return;
	default:
		return;
	}
	/* The simulator keeps one of each kind: a new one replaces it. */
	marks_keep(f, 0, fault, now);
	if (f->nb_marks == FZ_MAX_MARKS)
		marks_keep(f, marks_floor(f), fault, now);
	if (f->nb_marks == FZ_MAX_MARKS) {
		memmove(f->mark_at, f->mark_at + 1,
			sizeof(f->mark_at[0]) * (FZ_MAX_MARKS - 1));
		memmove(f->mark_kind, f->mark_kind + 1,
			sizeof(f->mark_kind[0]) * (FZ_MAX_MARKS - 1));
		f->nb_marks--;
	}
	f->mark_at[f->nb_marks] = at;
	f->mark_kind[f->nb_marks++] = fault;
}

/*
 * plx_sim_clear_faults() or a replug: what was armed is gone; now: the
 * descriptor count before, as a stall the clear releases lets the engine
 * run on at once, past faults that no longer strike.
 */
void
fz_faults_cleared(struct fz_func *f, uint64_t now)
{
	if (!f->off_bus && f->surprise_at <= now)
		vanish(f, now);
	marks_keep(f, 0, -1, now);
	f->stall_at = f->surprise_at = FZ_NEVER;
	f->pstuck_at = f->astuck_at = f->rstuck_at = FZ_NEVER;
}

/* Clear f's faults in the simulator and the model alike. */
void
fz_clear_faults(struct fz_func *f)
{
	uint64_t now = fz_descs(f);

	plx_sim_clear_faults(fz_sim, f->fn);
	fz_faults_cleared(f, now);
}

/* --- the function: vanishing, engine activity --- */

/* Surprise removal struck: the engine stops, nothing is written back. */
static void
vanish(struct fz_func *f, uint64_t count)
{
	struct fz_chan *r = f->runner;

	f->off_bus = true;
	f->surprise_at = FZ_NEVER;
	fz_counts[FZ_N_VANISHED]++;
	f->may_run = false;
	f->frozen = count;
	if (r != NULL && r->halt == FZ_RUN) {
		r->halt = FZ_HALT_GONE;
		r->d_end = r->d_halt = count;
		r->d_stop = RTE_MIN(r->d_stop, count);
	} else if (r != NULL && r->halt == FZ_HALT_LOST) {
		r->d_end = count;
	}
	if (f->cur != NULL && f->cur->halt != FZ_HALT_GONE)
		f->cur->vanished_after = true;
}

static int
early_check(const struct fz_chan *ch, uint64_t count)
{
	uint64_t done = fz_run_done(ch, count);

	if (ch->unrun_op == FZ_NEVER || ch->halt == FZ_RUN)
		return 0;
	FZ_CHECK(FZ_C_EARLY, done <= ch->unrun_desc,
		"%s: op %" PRIu64 " was reported unfinished, then the engine finished it (%" PRIu64 " of the run's descriptors run)",
		ch->name, ch->unrun_op, done);
	return 0;
}

/*
 * A lost engine writes nothing back, so what it ran stays VALID: with no
 * gate after the last submitted descriptor, in a ring full of
 * descriptors it ran after the stop began, it finds the next one valid
 * again and runs the ring round and round (until a stall, a vanish or a
 * reset). The buffers it rewrites are those of ops never reported.
 * An engine that ignores the stop's pause does the same while the stop
 * still waits for it, before an abort or a reset takes: the stop has
 * begun (d_stop), its outcome is not known yet (FZ_RUN).
 */
static bool
may_loop(const struct fz_chan *ch)
{
	const struct fz_func *f = ch->f;
	bool ignoring = ch->halt == FZ_HALT_LOST ||
		(ch->halt == FZ_RUN && ch->d_stop != FZ_NEVER &&
		 f->pstuck_at <= fz_descs(f));

	return ignoring && ch->d_end == FZ_NEVER && ch->hd == ch->sd &&
		ch->sd >= ch->ring + fz_run_done(ch, ch->d_stop);
}

/* Between steps and inside them: what the engine did is allowed. */
int
fz_func_check(struct fz_func *f)
{
	uint64_t count = fz_descs(f);
	struct fz_chan *r = f->runner;
	unsigned int i;

	if (!f->off_bus && f->surprise_at <= count)
		vanish(f, count);
	if (!f->may_run && count != f->frozen) {
		uint64_t was = f->frozen;

		f->frozen = count;
		FZ_OK(fz_fail(FZ_C_ENGINE,
			"%s: the engine ran %" PRIu64 " descriptors while no channel of it ran",
			f->addr, count - was));
	}
	if (r != NULL && fz_run_done(r, count) > r->sd && may_loop(r))
		r->looping = true;
	if (r != NULL && (r->halt == FZ_RUN || r->halt == FZ_HALT_LOST) &&
			!r->looping)
		FZ_CHECK(FZ_C_ENGINE, fz_run_done(r, count) <=
				RTE_MAX(r->sd, r->sd_call),
			"%s: the engine ran descriptor %" PRIu64 " of the run, only %" PRIu64 " were submitted (%" PRIu64 " ops)",
			r->name, fz_run_done(r, count) - 1, r->sd, r->sub);
	if (f->cur != NULL)
		FZ_OK(early_check(f->cur, count));
	for (i = 0; i < f->nb_held; i++)
		FZ_OK(early_check(f->held[i], count));
	return 0;
}

/*
 * The engine of f has stopped running: its CTRL, as the engine last
 * published it (a value with IMM_PAUSE_DONE is software's write not yet
 * taken, the model never publishes that bit), lacks IN_PROGRESS.
 */
uint32_t
fz_engine_ctrl(const struct fz_func *f)
{
	const volatile void *ctrl =
		RTE_PTR_ADD((uintptr_t)plx_sim_bar0(fz_sim, f->fn), PLX_REG_CTRL);

	return rte_read32(ctrl);
}

static bool
engine_idle(const struct fz_func *f)
{
	return !(fz_engine_ctrl(f) &
		(PLX_CTRL_IMM_PAUSE_DONE | PLX_CTRL_IN_PROGRESS));
}

/*
 * An engine idle short of its target, its channel running: a weak
 * prefetch latch (dpdk-plx-sim --burst-prefetch) strands submitted
 * descriptors until the PMD writes START again, which it does when asked
 * for the vchan status, as an application that waits would ask.
 */
void
fz_unstrand(struct fz_chan *r)
{
	enum rte_dma_vchan_status vs;

	if (r->halt == FZ_RUN && r->st == FZ_STARTED && engine_idle(r->f))
		(void)rte_dma_vchan_status(r->id, 0, &vs);
}

/*
 * A lost engine short of its target may have stopped for good: a stop
 * that wrote its pause over a START the engine had not taken yet leaves
 * it idle at an earlier batch's gate, as on hardware. Once it shows idle
 * its count is final (the count is published before the stop), and the
 * run is over there.
 */
bool
fz_lost_settled(struct fz_chan *ch)
{
	if (ch->halt != FZ_HALT_LOST || ch->d_end != FZ_NEVER ||
			!engine_idle(ch->f))
		return false;
	ch->d_end = fz_descs(ch->f);
	return true;
}

/* An engine lost, looping (or maybe), that nothing waits for. */
bool
fz_lost_looping(const struct fz_func *f)
{
	const struct fz_chan *r = f->runner;

	if (r != NULL)
		return r->halt == FZ_HALT_LOST && r->d_end == FZ_NEVER &&
			(r->looping || may_loop(r)) &&
			run_barrier(r) == FZ_NEVER;
	return f->lost_end == FZ_LOOPING;
}

/* The lost engine of a closed channel is still running its ring. */
bool
fz_lost_busy(struct fz_func *f)
{
	if (f->lost_end == 0)
		return false;
	if (fz_descs(f) >= f->lost_end || engine_idle(f)) {
		f->lost_end = 0;
		return false;
	}
	return true;
}

/* --- channels --- */

int
fz_chan_new(struct fz_func *f, struct fz_chan **out)
{
	struct fz_chan *ch = calloc(1, sizeof(*ch));
	int id = rte_dma_get_dev_id_by_name(f->addr);

	if (ch == NULL)
		return fz_fail(FZ_C_SETUP, "out of memory");
	ch->f = f;
	ch->id = id;
	ch->st = FZ_PROBED;
	ch->halt = FZ_HALT_STOP;
	ch->d_end = ch->d_halt = ch->d_stop = 0;
	ch->unrun_op = ch->unrun_desc = FZ_NEVER;
	snprintf(ch->name, sizeof(ch->name), "%s", f->addr);
	*out = ch;
	if (id < 0) {
		free(ch);
		*out = NULL;
		return fz_fail(FZ_C_DEVICE, "%s probed, but no dmadev has its name",
			f->addr) < 0 ? -1 : 1;
	}
	return 0;
}

static void
dst_free(struct fz_chan *ch)
{
	struct fz_func *f = ch->f;

	if (ch->dst_mz == NULL)
		return;
	/* A lost engine may still write there: keep it until a reset. An
	 * overflow leaks it rather than let the engine write freed memory. */
	if (ch->halt == FZ_HALT_LOST && ch->d_end == FZ_NEVER) {
		if (f->nb_quar < FZ_MAX_QUAR)
			f->quar[f->nb_quar++] = ch->dst_mz;
	} else {
		rte_memzone_free(ch->dst_mz);
	}
	ch->dst_mz = NULL;
	ch->dst = NULL;
}

void
fz_chan_free(struct fz_chan *ch)
{
	dst_free(ch);
	free(ch->ops);
	free(ch->slots);
	free(ch->lists);
	free(ch);
}

/* Take ch off its function's lists (closed or released). */
void
fz_chan_detach(struct fz_chan *ch)
{
	struct fz_func *f = ch->f;
	unsigned int i;

	if (f->cur == ch)
		f->cur = NULL;
	for (i = 0; i < f->nb_held; i++)
		if (f->held[i] == ch) {
			memmove(&f->held[i], &f->held[i + 1],
				sizeof(f->held[0]) * (f->nb_held - i - 1));
			f->nb_held--;
			break;
		}
	/* A lost engine goes on with the ring the model no longer has. */
	if (f->runner == ch && ch->halt == FZ_HALT_LOST &&
			ch->d_end == FZ_NEVER)
		f->lost_end = ch->looping || may_loop(ch) ? FZ_LOOPING :
			ch->d0 + fz_run_target(ch);
	if (f->runner == ch)
		f->runner = NULL;
	ch->st = FZ_RELEASED;
}

/* The current channel mostly, now and then a held one. */
struct fz_chan *
fz_chan_pick(struct fz_func *f, uint32_t r)
{
	if (f->nb_held > 0 && (f->cur == NULL || r % 4 == 0))
		return f->held[(r / 4) % f->nb_held];
	return f->cur;
}

void
fz_quarantine_free(struct fz_func *f)
{
	while (f->nb_quar > 0)
		rte_memzone_free(f->quar[--f->nb_quar]);
}

/* A new ring of ring descriptors (vchan_setup succeeded). */
int
fz_ring_set(struct fz_chan *ch, uint16_t ring)
{
	static unsigned int seq;
	char name[RTE_MEMZONE_NAMESIZE];
	uint32_t slot;

	if (ch->ring != 0)
		FZ_OK(fz_slots_verify(ch));
	dst_free(ch);
	free(ch->ops);
	free(ch->slots);
	free(ch->lists);
	/* About 1 MiB of destination per channel, 128 B to 4 KiB a slot. */
	slot = RTE_MAX((1u << 20) / ring, 128u);
	slot = RTE_MIN(slot, 4096u);
	ch->ring = ring;
	ch->slot_len = slot;
	ch->max_len = slot - 2 * FZ_GUARD_LEN;
	ch->ops = calloc(ring, sizeof(*ch->ops));
	ch->slots = calloc(ring, sizeof(*ch->slots));
	ch->lists = calloc(ring, sizeof(*ch->lists));
	snprintf(name, sizeof(name), "fz_dst_%u", seq++);
	ch->dst_mz = rte_memzone_reserve_aligned(name, (size_t)ring * slot,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 64);
	if (ch->ops == NULL || ch->slots == NULL || ch->lists == NULL ||
			ch->dst_mz == NULL) {
		ch->ring = 0;
		return fz_fail(FZ_C_SETUP, "no memory for a %u-slot destination",
			ring);
	}
	ch->dst = ch->dst_mz->addr;
	ch->dst_iova = ch->dst_mz->iova;
	memset(ch->dst, GUARD, (size_t)ring * slot);
	return 0;
}

/* rte_dma_start() succeeded: a new run, ids from 0. */
void
fz_run_begin(struct fz_chan *ch)
{
	struct fz_func *f = ch->f;
	struct fz_chan *prev = f->runner;

	ch->d0 = fz_descs(f);
	if (prev != NULL && prev != ch && prev->d_end == FZ_NEVER)
		prev->d_end = ch->d0;
	ch->halt = FZ_RUN;
	ch->d_end = ch->d_halt = ch->d_stop = FZ_NEVER;
	ch->handed = ch->sub = ch->rep = 0;
	ch->hd = ch->sd = ch->rd = ch->sd_call = 0;
	ch->unrun_op = ch->unrun_desc = FZ_NEVER;
	ch->vanished_after = false;
	ch->noticed = false;
	ch->looping = false;
	memset(ch->log_lines, 0, sizeof(ch->log_lines));
	f->runner = ch;
	f->may_run = true;
	fz_counts[FZ_N_STARTS]++;
}

/*
 * Pause, abort and function reset all fail now: the pause is ignored
 * (pause-stuck) or never acknowledged (the engine stalled at submitted
 * work), the abort and the reset are ignored.
 */
bool
fz_unstoppable(const struct fz_func *f)
{
	const struct fz_chan *r = f->runner;
	uint64_t count = fz_descs(f);
	bool stalled = r != NULL && f->stall_at == count &&
		fz_run_done(r, count) < r->sd;

	return (f->pstuck_at <= count || stalled) && f->astuck_at <= count &&
		f->rstuck_at <= count;
}

/* The same, when a lost engine may be stalled at a ring of a closed
 * channel, which the model no longer follows. */
bool
fz_maybe_unstoppable(const struct fz_func *f)
{
	uint64_t count = fz_descs(f);

	return (f->pstuck_at <= count || f->stall_at == count) &&
		f->astuck_at <= count && f->rstuck_at <= count;
}

/*
 * A stop or removal of ch's live run returned; begun: the descriptor
 * count before it was called. The engine has paused, aborted, been reset
 * or been given up on. Pause, abort and the function reset fail only by
 * injected faults: pause-stuck with an engine that ran (so the driver
 * must pause it), abort-stuck and reset-stuck lose the engine; without
 * reset-stuck the reset takes and the run ends as by a stop. The pause
 * and abort commands clear WRITE_BACK_EN, so what an engine runs while
 * it ignores them is never written back: those ops may be reported as
 * run or as not.
 */
int
fz_run_halt(struct fz_chan *ch, bool removal, uint64_t begun)
{
	struct fz_func *f = ch->f;
	enum rte_dma_vchan_status vs;
	bool stuck, lost;
	uint64_t count;

	ch->d_stop = RTE_MIN(ch->d_stop, begun);
	FZ_OK(fz_func_check(f));
	count = fz_descs(f);
	stuck = fz_unstoppable(f);
	if (ch->halt == FZ_RUN) {
		lost = stuck && ch->sub > 0;
		/* Nothing was submitted: the driver may see nothing to
		 * pause; only the channel says whether it lost the engine. */
		if (stuck && ch->sub == 0 && !removal &&
				rte_dma_vchan_status(ch->id, 0, &vs) == 0)
			lost = vs == RTE_DMA_VCHAN_HALTED_ERROR;
		ch->halt = lost ? FZ_HALT_LOST : FZ_HALT_STOP;
		ch->d_halt = count;
		if (!lost) {
			ch->d_end = count;
			f->may_run = false;
			f->frozen = count;
		} else {
			fz_counts[FZ_N_LOST]++;
		}
	}
	/*
	 * Whatever a stuck or stalled engine left, start afresh. A stall
	 * armed for later too: an abort kills it with the transfer, and
	 * whether the stop had to abort (its pause may merely have timed
	 * out on a busy CPU) is the driver's secret. But not under a lost
	 * engine, which would then take the pause or abort it ignored at
	 * some descriptor of its own choosing: it runs on until a clear or
	 * a replug.
	 */
	if (ch->halt != FZ_HALT_LOST && (f->stall_at != FZ_NEVER ||
			f->pstuck_at <= count || f->astuck_at <= count ||
			f->rstuck_at <= count)) {
		fz_clear_faults(f);
	}
	return 0;
}
