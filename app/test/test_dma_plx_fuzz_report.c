/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's model of reports: which status each op may be reported
 * with, given how far the engine got through its descriptors (one per
 * piece, plx_sim_desc_count()) and how the run ended; how many reports a
 * call must bring; has_error; and the counters, the vchan status, the
 * capacity and the log lines that go with them (test_dma_plx_fuzz.h).
 *
 * Op k is descriptors d .. d + n of its run. The engine writes back in
 * order, so the pieces of an op written back are a prefix of it: an op
 * is reported with the status of its first failed piece, and if none of
 * that prefix failed and it is not the whole op, with what stopped the
 * run (USER_ABORT, NOT_ATTEMPTED, DEV_LINK_ERROR).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dmadev.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

#define ST(s)		(RTE_DMA_STATUS_ ## s)
/* Sets of statuses are 32-bit masks: ERROR_UNKNOWN (0x100) takes bit 31. */
#define ST_UNKNOWN_BIT	31
#define ST_BIT(s)	((unsigned int)(s) == ST(ERROR_UNKNOWN) ? \
			 1u << ST_UNKNOWN_BIT : (unsigned int)(s) < ST_UNKNOWN_BIT ? \
			 1u << ((unsigned int)(s) & 31) : 0u)

static const struct fz_op *
op_of(const struct fz_chan *ch, uint64_t k)
{
	return &ch->ops[k & (ch->ring - 1)];
}

/* "SUCCESSFUL|USER_ABORT" for a mask of status bits. */
static const char *
mask_names(uint32_t m, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int s;

	buf[0] = '\0';
	for (s = 0; s < 32 && n < len; s++)
		if (m & FZ_BIT(s))
			n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
				plx_test_status_name(s == ST_UNKNOWN_BIT ?
					ST(ERROR_UNKNOWN) : s));
	if (m == 0)
		snprintf(buf, len, "no report yet");
	return buf;
}

/* Statuses the engine may write back for piece j (p) of op k. */
static uint32_t
piece_statuses(const struct fz_chan *ch, uint64_t k, unsigned int j,
		const struct fz_piece *p)
{
	const struct fz_func *f = ch->f;
	uint64_t d = ch->d0 + op_of(ch, k)->d + j;
	uint32_t m = 0;
	unsigned int i;

	if (p->src_bad)
		m |= ST_BIT(ST(BUS_READ_ERROR));
	if (p->dst_bad)
		m |= ST_BIT(ST(BUS_WRITE_ERROR));
	for (i = 0; i < f->nb_marks; i++)
		if (f->mark_at[i] == d)
			m |= ST_BIT(fz_mark_status(f->mark_kind[i]));
	return m != 0 ? m : ST_BIT(ST(SUCCESSFUL));
}

/* Statuses op k may be reported with while the engine has not run it. */
static uint32_t
unrun_statuses(const struct fz_chan *ch, uint64_t k)
{
	bool submitted = k < ch->sub;
	uint32_t link = ch->vanished_after ? ST_BIT(ST(DEV_LINK_ERROR)) : 0;

	if (!submitted)
		return ch->halt == FZ_RUN ? 0 : ST_BIT(ST(NOT_ATTEMPTED));
	switch (ch->halt) {
	case FZ_HALT_STOP:
		return ST_BIT(ST(USER_ABORT)) | link;
	case FZ_HALT_GONE:
		return ST_BIT(ST(DEV_LINK_ERROR));
	case FZ_HALT_LOST:
		return link;
	default:
		return 0;
	}
}

/*
 * Statuses op k may be reported with if the engine wrote back a prefix
 * of a to b of its pieces. A part of an op only once the engine can no
 * longer write the rest: when its unrun statuses allow a report.
 */
static uint32_t
op_statuses(const struct fz_chan *ch, uint64_t k, uint64_t a, uint64_t b)
{
	struct fz_piece p[FZ_MAX_PIECES];
	unsigned int n = fz_pieces(&ch->lists[k & (ch->ring - 1)], p), j;
	uint32_t unrun = unrun_statuses(ch, k), legal = 0, first = 0;

	b = RTE_MIN(b, (uint64_t)n);
	for (j = 0; j <= b; j++) {
		if (j >= a && j == n)
			legal |= first != 0 ? first : ST_BIT(ST(SUCCESSFUL));
		else if (j >= a && unrun != 0)
			legal |= first != 0 ? first : unrun;
		if (j < n && first == 0) {
			uint32_t m = piece_statuses(ch, k, j, &p[j]);

			first = (m & ST_BIT(ST(SUCCESSFUL))) ? 0 : m;
		}
	}
	return legal;
}

/* Statuses the engine may write back for the whole of op k. */
static uint32_t
hw_statuses(const struct fz_chan *ch, uint64_t k)
{
	return op_statuses(ch, k, op_of(ch, k)->n, op_of(ch, k)->n);
}

static void
count_status(enum rte_dma_status_code st)
{
	static const uint8_t idx[] = {
		[RTE_DMA_STATUS_SUCCESSFUL] = FZ_N_ST_OK,
		[RTE_DMA_STATUS_USER_ABORT] = FZ_N_ST_ABORT,
		[RTE_DMA_STATUS_NOT_ATTEMPTED] = FZ_N_ST_NA,
		[RTE_DMA_STATUS_BUS_READ_ERROR] = FZ_N_ST_BUS,
		[RTE_DMA_STATUS_BUS_WRITE_ERROR] = FZ_N_ST_BUS,
		[RTE_DMA_STATUS_BUS_ERROR] = FZ_N_ST_BUS,
		[RTE_DMA_STATUS_DEV_LINK_ERROR] = FZ_N_ST_LINK,
	};

	fz_counts[FZ_N_REPORTED]++;
	if ((unsigned int)st < RTE_DIM(idx) && idx[st] != 0)
		fz_counts[idx[st]]++;
	else if (st == RTE_DMA_STATUS_ERROR_UNKNOWN)
		fz_counts[FZ_N_ST_UNKNOWN]++;
}

/*
 * Whether the engine has run descriptor d of the run, given done counted:
 * the simulated engine writes a descriptor back a moment before it
 * counts it, so a report of what only the engine can have written waits
 * for the count.
 */
static bool
ran(const struct fz_chan *ch, uint64_t d, uint64_t done)
{
	uint64_t end = plx_test_now_us() + 100 * 1000;
	unsigned int spins = 0;

	while (d >= done) {
		done = fz_run_done(ch, fz_descs(ch->f));
		if (d < done || plx_test_now_us() > end)
			break;
		plx_test_idle(&spins);
	}
	return d < done;
}

/* Descriptors of the run the engine had run when its stop began. */
static uint64_t
done_at_stop(const struct fz_chan *ch)
{
	return fz_run_done(ch, ch->d_stop);
}

/* Ops of the run whose every descriptor is below done. */
uint64_t
fz_ops_done(const struct fz_chan *ch, uint64_t done)
{
	uint64_t lo = ch->rep, hi = ch->handed;

	/* Ops are in descriptor order: the first one not done. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const struct fz_op *o = op_of(ch, mid);

		if (o->d + o->n <= done)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Pieces of op o below descriptor count done. */
static uint64_t
pieces_below(const struct fz_op *o, uint64_t done)
{
	return done > o->d ? RTE_MIN(done - o->d, (uint64_t)o->n) : 0;
}

/* One reported op k: a legal status, right bytes; the model moves on. */
static int
op_reported(struct fz_chan *ch, uint64_t k, enum rte_dma_status_code st,
		uint64_t done_after)
{
	const struct fz_op *o = op_of(ch, k);
	uint64_t a = pieces_below(o, done_at_stop(ch));
	uint64_t b = pieces_below(o, done_after);
	uint32_t legal;
	char want[96];

	/* Written back, maybe, and not counted yet: wait for the count. */
	while (!((legal = op_statuses(ch, k, a, b)) & ST_BIT(st)) &&
			b < o->n && ran(ch, o->d + b, done_after))
		b++;
	if (!(legal & ST_BIT(st)))
		return fz_fail(legal != 0 || b == o->n ? FZ_C_STATUS :
				FZ_C_EARLY,
			"%s: op %" PRIu64 " (id %u, %u descriptors) reported %s, expected %s (run %s, engine has run %" PRIu64 " of its descriptors, %" PRIu64 " ops submitted, %" PRIu64 " handed out)",
			ch->name, k, (uint16_t)k, o->n, plx_test_status_name(st),
			mask_names(legal, want, sizeof(want)),
			fz_halt_name(ch->halt), b, ch->sub, ch->handed);
	if (b < o->n && ch->unrun_op == FZ_NEVER) {
		/* Reported unfinished: the engine must never finish it. */
		ch->unrun_op = k;
		ch->unrun_desc = o->d + o->n - 1;
	}
	if (st == ST(DEV_LINK_ERROR))
		ch->noticed = true;
	ch->st_rep++;
	ch->st_err += st != ST(SUCCESSFUL);
	ch->st_na_rep += st == ST(NOT_ATTEMPTED);
	count_status(st);
	return fz_slot_reported(ch, k, st);
}

/* Ops a call made now must report (given nb_cpls): those now final. */
static uint64_t
must_report(const struct fz_chan *ch, uint64_t done_before)
{
	if (ch->halt == FZ_HALT_STOP)
		return ch->handed - ch->rep;
	done_before = RTE_MIN(done_before, done_at_stop(ch));
	return fz_ops_done(ch, done_before) - ch->rep;
}

/* completed(): how many successes from rep on it must report. */
static uint64_t
must_succeed(const struct fz_chan *ch, uint64_t done_before, uint64_t max)
{
	uint64_t k = ch->rep, end;

	end = fz_ops_done(ch, RTE_MIN(done_before, done_at_stop(ch)));
	while (k - ch->rep < max && k < end &&
			hw_statuses(ch, k) == ST_BIT(ST(SUCCESSFUL)))
		k++;
	return k - ch->rep;
}

/*
 * Of op o, the prefix the engine surely wrote back, a, and the longest it
 * may have, b: what a lost engine ran after the stop's pause reached it
 * is never written back, and that was before the stop returned.
 */
static void
written_back(const struct fz_chan *ch, const struct fz_op *o, uint64_t done,
		uint64_t *a, uint64_t *b)
{
	*b = pieces_below(o, done);
	if (ch->halt == FZ_HALT_LOST)
		*b = RTE_MIN(*b, pieces_below(o, fz_run_done(ch, ch->d_halt)));
	*a = RTE_MIN(pieces_below(o, done_at_stop(ch)), *b);
}

/* completed() stopped at op k: whether k is known to have failed. */
static bool
known_failed(const struct fz_chan *ch, uint64_t k, uint64_t done)
{
	const struct fz_op *o = op_of(ch, k);
	uint64_t a, b;
	uint32_t legal;

	if (k >= ch->handed)
		return false;
	written_back(ch, o, done, &a, &b);
	/* Reported only if written back whole, for a lost engine; after a
	 * vanish the driver may not have noticed yet. */
	if ((ch->halt == FZ_HALT_LOST || ch->halt == FZ_HALT_GONE) &&
			a < o->n)
		return false;
	legal = op_statuses(ch, k, a, b);
	return legal != 0 && !(legal & ST_BIT(ST(SUCCESSFUL)));
}

/* completed() says has_error: op k may fail. */
static bool
may_fail(const struct fz_chan *ch, uint64_t k, uint64_t done)
{
	const struct fz_op *o = op_of(ch, k);
	uint64_t a, b;

	if (k >= ch->handed)
		return false;
	if (unrun_statuses(ch, k) != 0)
		return true;
	written_back(ch, o, done, &a, &b);
	if (ch->halt == FZ_HALT_LOST && b < o->n)
		return false;
	return (hw_statuses(ch, k) & ~ST_BIT(ST(SUCCESSFUL))) != 0 &&
		ran(ch, o->d + o->n - 1, done);
}

static int
has_error_check(const struct fz_chan *ch, uint16_t nb, uint16_t n,
		bool seen, bool has_error, uint64_t done_before,
		uint64_t done_after)
{
	uint64_t k = ch->rep + n;

	if (n == nb || !seen)
		return 0;
	if (has_error)
		FZ_CHECK(FZ_C_HAS_ERROR, may_fail(ch, k, done_after),
			"%s: completed() set has_error, but op %" PRIu64 " (run %s, engine has run %" PRIu64 " descriptors) cannot have failed",
			ch->name, k, fz_halt_name(ch->halt), done_after);
	else
		FZ_CHECK(FZ_C_HAS_ERROR, !known_failed(ch, k, done_before),
			"%s: completed() returned %u of %u without has_error, yet op %" PRIu64 " has failed (run %s)",
			ch->name, n, nb, k, fz_halt_name(ch->halt));
	return 0;
}

/* n more ops reported: the model's positions move on. */
static void
advance_reported(struct fz_chan *ch, uint16_t n)
{
	ch->rep += n;
	ch->rd = ch->rep < ch->handed ? op_of(ch, ch->rep)->d : ch->hd;
}

/*
 * completed() (with_status false: n successes) or completed_status()
 * returned n reports; before and after: the engine's descriptor count
 * around the call. has_error: 0 or 1, -1 when the caller passed NULL.
 */
int
fz_reports(struct fz_chan *ch, bool with_status, uint16_t nb, uint16_t n,
		uint16_t last, int has_error,
		const enum rte_dma_status_code *st, uint64_t before,
		uint64_t after)
{
	const char *call = with_status ? "completed_status" : "completed";
	uint64_t left = ch->handed - ch->rep, done_before, done_after, must;
	uint16_t i;

	FZ_OK(fz_func_check(ch->f));
	done_before = fz_run_done(ch, before);
	done_after = fz_run_done(ch, after);
	FZ_CHECK(FZ_C_ORDER, n <= RTE_MIN(left, nb),
		"%s: %s reported %u ops, %" PRIu64 " are outstanding (%u asked for)",
		ch->name, call, n, left, nb);
	FZ_CHECK(FZ_C_ORDER, last == (uint16_t)(ch->rep + n - 1),
		"%s: %s: last_idx %u after %u reports, expected %u",
		ch->name, call, last, n, (uint16_t)(ch->rep + n - 1));
	if (!with_status) {
		must = must_succeed(ch, done_before, nb);
		for (i = 0; i < n; i++)
			FZ_OK(op_reported(ch, ch->rep + i, ST(SUCCESSFUL),
				done_after));
		FZ_OK(has_error_check(ch, nb, n, has_error >= 0,
			has_error > 0, done_before, done_after));
	} else {
		must = RTE_MIN(must_report(ch, done_before), nb);
		for (i = 0; i < n; i++)
			FZ_OK(op_reported(ch, ch->rep + i, st[i], done_after));
	}
	FZ_CHECK(FZ_C_LIVENESS, n >= must,
		"%s: %s reported %u ops, %" PRIu64 " were final (run %s, engine has run %" PRIu64 " of %" PRIu64 " descriptors submitted)",
		ch->name, call, n, must, fz_halt_name(ch->halt), done_before,
		ch->sd);
	advance_reported(ch, n);
	return 0;
}

/* --- counters, status, capacity, logging --- */

int
fz_stats_check(struct fz_chan *ch)
{
	struct rte_dma_stats s;
	uint64_t lo = ch->st_rung + ch->st_na_rep, hi = lo;
	int rc = rte_dma_stats_get(ch->id, 0, &s);

	FZ_OK(fz_func_check(ch->f));
	if (!ch->lib_conf) {
		FZ_CHECK(FZ_C_RC, rc == -EINVAL,
			"%s: stats_get before configure: %d", ch->name, rc);
		return 0;
	}
	FZ_CHECK(FZ_C_RC, rc == 0, "%s: stats_get: %d", ch->name, rc);
	/* Never-submitted ops count once disposed of: at the halt, or as
	 * they are reported. */
	if (ch->halt != FZ_RUN && ch->handed > RTE_MAX(ch->sub, ch->rep))
		hi += ch->handed - RTE_MAX(ch->sub, ch->rep);
	FZ_CHECK(FZ_C_STATS, s.completed == ch->st_rep &&
			s.errors == ch->st_err && s.submitted >= lo &&
			s.submitted <= hi,
		"%s: stats submitted %" PRIu64 ", completed %" PRIu64 ", errors %" PRIu64 "; expected %" PRIu64 "..%" PRIu64 ", %" PRIu64 ", %" PRIu64,
		ch->name, s.submitted, s.completed, s.errors, lo, hi,
		ch->st_rep, ch->st_err);
	return 0;
}

int
fz_vchan_status_check(struct fz_chan *ch, enum rte_dma_vchan_status vs,
		uint64_t before, uint64_t after)
{
	enum rte_dma_vchan_status exp = RTE_DMA_VCHAN_IDLE;
	bool halted, either = false;

	FZ_OK(fz_func_check(ch->f));
	halted = ch->st == FZ_REMOVED || fz_vanished(ch) ||
		ch->halt == FZ_HALT_LOST;
	/* Until the driver has seen the device gone, a read of CTRL right
	 * after its own doorbell write may return that write: the
	 * simulated BAR is memory, refilled with all ones by the engine
	 * thread only. */
	if (halted && ch->st == FZ_STARTED && !ch->noticed &&
			vs != RTE_DMA_VCHAN_HALTED_ERROR)
		return 0;
	if (halted) {
		exp = RTE_DMA_VCHAN_HALTED_ERROR;
		ch->noticed = true;
	} else if (ch->st == FZ_STARTED && ch->sub > ch->rep) {
		/* IDLE: the last may be written back, not yet counted. */
		if (fz_run_done(ch, after) < ch->sd &&
				(vs != RTE_DMA_VCHAN_IDLE ||
				!ran(ch, ch->sd - 1, fz_run_done(ch, after))))
			exp = RTE_DMA_VCHAN_ACTIVE;
		else
			either = fz_run_done(ch, before) < ch->sd;
	}
	FZ_CHECK(FZ_C_VCHAN_STATUS, vs == exp || (either &&
			vs != RTE_DMA_VCHAN_HALTED_ERROR),
		"%s: vchan status %d, expected %d (%s, run %s, engine has run %" PRIu64 " of %" PRIu64 " descriptors submitted)",
		ch->name, vs, exp, ch->st == FZ_STARTED ? "started" :
			ch->st == FZ_REMOVED ? "removed" : "not started",
		fz_halt_name(ch->halt), fz_run_done(ch, after), ch->sd);
	return 0;
}

/* Free descriptors: an op takes one per piece until it is reported. */
int
fz_capacity_check(const struct fz_chan *ch, uint16_t cap)
{
	uint32_t exp = ch->ring != 0 ? ch->ring - (ch->hd - ch->rd) : 0;

	FZ_CHECK(FZ_C_CAPACITY, cap == exp,
		"%s: burst_capacity %u, expected %u (ring %u, %" PRIu64 " descriptors of %" PRIu64 " ops outstanding)",
		ch->name, cap, exp, ch->ring, ch->hd - ch->rd,
		ch->handed - ch->rep);
	return 0;
}

/*
 * A fast-path refusal with rc, for the reasons in the mask (FZ_BIT of
 * enum fz_refusal), logged lines lines: one log line per reason and
 * channel, not one per call.
 */
int
fz_log_check(struct fz_chan *ch, enum fz_refusal why, uint32_t reasons,
		uint64_t lines)
{
	static const uint32_t most[FZ_R_MAX] = { 1, 1, 1, 1, 2, 1 };
	static const char *const names[FZ_R_MAX] = {
		"length", "IOVA", "scatter-gather list", "not started",
		"removed", "ring full"
	};
	bool first = ch->refusals[why]++ == 0;

	ch->log_lines[why] += lines;
	FZ_CHECK(FZ_C_LOG, ch->log_lines[why] <= most[why] + 1,
		"%s: %u log lines for %" PRIu32 " \"%s\" refusals since the start: one per reason, not one per call",
		ch->name, ch->log_lines[why], ch->refusals[why], names[why]);
	if (first && why <= FZ_R_STOPPED && reasons == FZ_BIT(why))
		FZ_CHECK(FZ_C_LOG, lines >= 1,
			"%s: a \"%s\" refusal logged nothing", ch->name,
			names[why]);
	return 0;
}
