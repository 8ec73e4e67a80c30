/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's reference model: what the API contract allows a dma_plx
 * channel to answer, given what the application did and what the
 * simulated engine was told (faults, unmapped addresses) and has done
 * (its descriptor counter). See test_dma_plx_fuzz.h.
 *
 * Op k of a run is engine descriptor d0 + k: the engine runs a ring in
 * order and the run starts with the engine idle. So "the engine has run
 * op k" is plx_sim_desc_count() > d0 + k, read before or after a call.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_memzone.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

struct fz_world fz_w;
struct plx_sim *fz_sim;

static bool ran(const struct fz_chan *ch, uint64_t k, uint64_t done);

#define ST(s)		(RTE_DMA_STATUS_ ## s)
#define ST_BIT(s)	((unsigned int)(s) < 32 ? 1u << (s) : 0u)

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

/* The op the engine stops before (stall, vanish), or FZ_NEVER. */
static uint64_t
run_barrier(const struct fz_chan *ch)
{
	const struct fz_func *f = ch->f;
	uint64_t at = RTE_MIN(f->stall_at, f->surprise_at);

	return at >= ch->d0 && at != FZ_NEVER ? at - ch->d0 : FZ_NEVER;
}

/* How many ops of the run the engine will have run once it is idle. */
uint64_t
fz_run_target(const struct fz_chan *ch)
{
	if (ch->halt == FZ_RUN || ch->halt == FZ_HALT_LOST)
		return RTE_MIN(ch->sub, run_barrier(ch));
	return fz_run_done(ch, ch->d_end);
}

static const char *
halt_name(enum fz_halt h)
{
	static const char *const names[] = {
		[FZ_RUN] = "running",
		[FZ_HALT_STOP] = "stopped",
		[FZ_HALT_GONE] = "device vanished",
		[FZ_HALT_LOST] = "engine lost",
	};

	return names[h];
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
				plx_test_status_name(s));
	if (m == 0)
		snprintf(buf, len, "no report yet");
	return buf;
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
		low = RTE_MIN(low, f->cur->d0 + f->cur->rep);
	for (i = 0; i < f->nb_held; i++)
		low = RTE_MIN(low, f->held[i]->d0 + f->held[i]->rep);
	return low;
}

/* Keep the marks that match; j: how many are kept. */
static void
marks_keep(struct fz_func *f, uint64_t floor, int st_armed, uint64_t now)
{
	unsigned int i, j;

	for (i = j = 0; i < f->nb_marks; i++) {
		if (f->mark_at[i] < floor ||
				(f->mark_at[i] >= now && (st_armed < 0 ||
				f->mark_st[i] == st_armed)))
			continue;
		f->mark_at[j] = f->mark_at[i];
		f->mark_st[j++] = f->mark_st[i];
	}
	f->nb_marks = j;
}

void
fz_fault_armed(struct fz_func *f, int fault, uint64_t at)
{
	uint64_t now = fz_descs(f);
	uint8_t st;

	/* A removal that struck already is not re-armed but done. */
	if (!f->off_bus && f->surprise_at <= now)
		vanish(f, now);
	switch (fault) {
	case PLX_SIM_FAULT_READ_FAIL:
		st = ST(BUS_READ_ERROR);
		break;
	case PLX_SIM_FAULT_WRITE_FAIL:
		st = ST(BUS_WRITE_ERROR);
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
	default:
		return;
	}
	/* The simulator keeps one of each kind: a new one replaces it. */
	marks_keep(f, 0, st, now);
	if (f->nb_marks == FZ_MAX_MARKS)
		marks_keep(f, marks_floor(f), st, now);
	if (f->nb_marks == FZ_MAX_MARKS) {
		memmove(f->mark_at, f->mark_at + 1,
			sizeof(f->mark_at[0]) * (FZ_MAX_MARKS - 1));
		memmove(f->mark_st, f->mark_st + 1,
			sizeof(f->mark_st[0]) * (FZ_MAX_MARKS - 1));
		f->nb_marks--;
	}
	f->mark_at[f->nb_marks] = at;
	f->mark_st[f->nb_marks++] = st;
}

/* plx_sim_clear_faults() or a replug: what was armed is gone. */
void
fz_faults_cleared(struct fz_func *f)
{
	if (!f->off_bus && f->surprise_at <= fz_descs(f))
		vanish(f, fz_descs(f));
	marks_keep(f, 0, -1, fz_descs(f));
	f->stall_at = f->surprise_at = FZ_NEVER;
	f->pstuck_at = f->astuck_at = FZ_NEVER;
}

/* Statuses the engine may write back for op k of ch's run. */
static uint32_t
hw_statuses(const struct fz_chan *ch, uint64_t k)
{
	const struct fz_func *f = ch->f;
	uint64_t d = ch->d0 + k;
	uint32_t m = 0;
	unsigned int i;

	switch (ch->ops[k & (ch->ring - 1)].kind) {
	case FZ_K_BAD_SRC:
		m = ST_BIT(ST(BUS_READ_ERROR));
		break;
	case FZ_K_BAD_DST:
		m = ST_BIT(ST(BUS_WRITE_ERROR));
		break;
	case FZ_K_BAD_BOTH:
		m = ST_BIT(ST(BUS_READ_ERROR)) | ST_BIT(ST(BUS_WRITE_ERROR));
		break;
	}
	for (i = 0; i < f->nb_marks; i++)
		if (f->mark_at[i] == d)
			m |= ST_BIT(f->mark_st[i]);
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

	if (ch->first_unrun == FZ_NEVER || ch->halt == FZ_RUN)
		return 0;
	FZ_CHECK(FZ_C_EARLY, done <= ch->first_unrun,
		"%s: op %" PRIu64 " was reported as not run, then the engine ran it (%" PRIu64 " of the run's ops run)",
		ch->name, ch->first_unrun, done);
	return 0;
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
	if (r != NULL && (r->halt == FZ_RUN || r->halt == FZ_HALT_LOST))
		FZ_CHECK(FZ_C_ENGINE, fz_run_done(r, count) <= r->sub,
			"%s: the engine ran op %" PRIu64 ", only %" PRIu64 " were submitted",
			r->name, fz_run_done(r, count) - 1, r->sub);
	if (f->cur != NULL)
		FZ_OK(early_check(f->cur, count));
	for (i = 0; i < f->nb_held; i++)
		FZ_OK(early_check(f->held[i], count));
	return 0;
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
	ch->first_unrun = FZ_NEVER;
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
	/* A lost engine may still write there: keep it until a replug. */
	if (ch->halt == FZ_HALT_LOST && fz_run_done(ch, FZ_NEVER) <
			ch->sub && f->nb_quar < FZ_MAX_QUAR)
		f->quar[f->nb_quar++] = ch->dst_mz;
	else
		rte_memzone_free(ch->dst_mz);
	ch->dst_mz = NULL;
	ch->dst = NULL;
}

void
fz_chan_free(struct fz_chan *ch)
{
	dst_free(ch);
	free(ch->ops);
	free(ch->slots);
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

/* An allowed deviation left ch where the model cannot follow it. */
void
fz_chan_retire(struct fz_chan *ch)
{
	ch->retired = true;
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
	/* About 1 MiB of destination per channel, 128 B to 4 KiB a slot. */
	slot = RTE_MAX((1u << 20) / ring, 128u);
	slot = RTE_MIN(slot, 4096u);
	ch->ring = ring;
	ch->slot_len = slot;
	ch->max_len = slot - 2 * FZ_GUARD_LEN;
	ch->ops = calloc(ring, sizeof(*ch->ops));
	ch->slots = calloc(ring, sizeof(*ch->slots));
	snprintf(name, sizeof(name), "fz_dst_%u", seq++);
	ch->dst_mz = rte_memzone_reserve_aligned(name, (size_t)ring * slot,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 64);
	if (ch->ops == NULL || ch->slots == NULL || ch->dst_mz == NULL) {
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
	ch->first_unrun = FZ_NEVER;
	ch->vanished_after = false;
	ch->noticed = false;
	memset(ch->log_lines, 0, sizeof(ch->log_lines));
	f->runner = ch;
	f->may_run = true;
	fz_counts[FZ_N_STARTS]++;
}

/*
 * A stop or removal of ch's live run returned; begun: the descriptor
 * count before it was called. The engine has paused, aborted or been
 * given up on. Pause and abort fail only by injected faults: pause-stuck
 * with an engine that ran (so the driver must pause it) and abort-stuck
 * lose the engine. The pause and abort commands clear WRITE_BACK_EN, so
 * what an engine runs while it ignores them is never written back: those
 * ops may be reported as run or as not.
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
	stuck = f->pstuck_at <= count && f->astuck_at <= count;
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
	/* Whatever a stuck or stalled engine left, start afresh. */
	if (f->stall_at == count || f->pstuck_at <= count ||
			f->astuck_at <= count) {
		plx_sim_clear_faults(fz_sim, f->fn);
		fz_faults_cleared(f);
	}
	return 0;
}

/* --- destination slots --- */

static bool
all_bytes(const uint8_t *p, size_t len, uint8_t b)
{
	uint64_t w = UINT64_C(0x0101010101010101) * b, v;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, 8);
		if (v != w)
			return false;
	}
	for (; i < len; i++)
		if (p[i] != b)
			return false;
	return true;
}

static uint64_t
body_sum(const uint8_t *p, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(0x100000001b3);
	return h;
}

static uint8_t *
slot_at(const struct fz_chan *ch, uint64_t k)
{
	return ch->dst + (size_t)(k & (ch->ring - 1)) * ch->slot_len;
}

/* Guard bytes around the body of slot s are all intact. */
static bool
guards_ok(const struct fz_chan *ch, const struct fz_slot *s,
		const uint8_t *p)
{
	size_t end = (size_t)s->body + s->len;

	return all_bytes(p, s->body, GUARD) &&
		all_bytes(p + end, ch->slot_len - end, GUARD);
}

/* What slot i holds now agrees with what it held when reported. */
int
fz_slot_verify(const struct fz_chan *ch, unsigned int i)
{
	const struct fz_slot *s = &ch->slots[i];
	const uint8_t *p = ch->dst + (size_t)i * ch->slot_len;
	const uint8_t *body = p + s->body;
	bool ok;

	if (s->state == FZ_SLOT_PENDING)
		return 0;
	if (s->state == FZ_SLOT_CLEAN || s->status == ST(NOT_ATTEMPTED) ||
			(!s->src_ok && s->status != ST(SUCCESSFUL)))
		ok = all_bytes(body, s->len, s->fill);
	else if (s->status == ST(SUCCESSFUL))
		ok = memcmp(body, ch->f->src + s->src_off, s->len) == 0;
	else
		ok = body_sum(body, s->len) == s->sum;
	FZ_CHECK(FZ_C_LATE_WRITE, ok && guards_ok(ch, s, p),
		"%s: destination slot %u (%u bytes, reported %s) changed after its report",
		ch->name, i, s->len, s->state == FZ_SLOT_DONE ?
			plx_test_status_name(s->status) : "never written");
	return 0;
}

int
fz_slots_verify(const struct fz_chan *ch)
{
	unsigned int i;

	if (ch->dst == NULL)
		return 0;
	for (i = 0; i < ch->ring; i++)
		FZ_OK(fz_slot_verify(ch, i));
	return 0;
}

/*
 * What is in a body that should hold fill: how many bytes differ, from
 * where, and whether they are a copy of the function's source.
 */
static const char *
describe(const struct fz_chan *ch, const uint8_t *body, uint32_t len,
		uint8_t fill, char *buf, size_t size)
{
	const uint8_t *src = ch->f->src, *hit = NULL;
	uint32_t i, first = len, n = 0, run;

	for (i = 0; i < len; i++)
		if (body[i] != fill) {
			first = RTE_MIN(first, i);
			n++;
		}
	if (first == len)
		return "";
	run = RTE_MIN(len - first, 8u);
	if (run >= 4)
		hit = memmem(src, FZ_SRC_LEN, body + first, run);
	snprintf(buf, size,
		" (%u of %u bytes changed from byte %u: %02x %02x %02x %02x; %s)",
		n, len, first, body[first], first + 1 < len ? body[first + 1] : 0,
		first + 2 < len ? body[first + 2] : 0,
		first + 3 < len ? body[first + 3] : 0, hit != NULL ?
			"a copy of the source" : "not from the source");
	if (hit != NULL) {
		size_t at = strlen(buf) - 1;

		snprintf(buf + at, size - at, " at offset %u)",
			(unsigned int)(hit - src));
	}
	return buf;
}

/* The bytes of reported op k: correct, and nothing outside touched. */
static int
slot_reported(struct fz_chan *ch, uint64_t k, enum rte_dma_status_code st)
{
	struct fz_slot *s = &ch->slots[k & (ch->ring - 1)];
	const struct fz_op *o = &ch->ops[k & (ch->ring - 1)];
	const uint8_t *p = slot_at(ch, k), *body = p + s->body;
	const uint8_t *src = ch->f->src + s->src_off;
	uint32_t i;

	if (o->kind == FZ_K_BAD_DST || o->kind == FZ_K_BAD_BOTH)
		return 0;
	s->state = FZ_SLOT_DONE;
	s->status = st;
	FZ_CHECK(FZ_C_DATA, guards_ok(ch, s, p),
		"%s: op %" PRIu64 " (%s, %u bytes) wrote outside its destination",
		ch->name, k, plx_test_status_name(st), s->len);
	if (st == ST(SUCCESSFUL)) {
		FZ_CHECK(FZ_C_DATA, memcmp(body, src, s->len) == 0,
			"%s: op %" PRIu64 " reported SUCCESSFUL, but its %u bytes are not the source's",
			ch->name, k, s->len);
		return 0;
	}
	if (st == ST(NOT_ATTEMPTED) || !s->src_ok) {
		char what[160];

		FZ_CHECK(FZ_C_DATA, all_bytes(body, s->len, s->fill),
			"%s: op %" PRIu64 " reported %s, but its destination was written%s",
			ch->name, k, plx_test_status_name(st),
			describe(ch, body, s->len, s->fill, what, sizeof(what)));
		return 0;
	}
	/* Aborted or failed part way: each byte old or copied. */
	for (i = 0; i < s->len; i++)
		FZ_CHECK(FZ_C_DATA, body[i] == s->fill || body[i] == src[i],
			"%s: op %" PRIu64 " reported %s, byte %u is neither old nor the source's",
			ch->name, k, plx_test_status_name(st), i);
	s->sum = body_sum(body, s->len);
	return 0;
}

/* --- reports --- */

static void
count_status(enum rte_dma_status_code st)
{
	static const uint8_t idx[] = {
		[RTE_DMA_STATUS_SUCCESSFUL] = FZ_N_ST_OK,
		[RTE_DMA_STATUS_USER_ABORT] = FZ_N_ST_ABORT,
		[RTE_DMA_STATUS_NOT_ATTEMPTED] = FZ_N_ST_NA,
		[RTE_DMA_STATUS_BUS_READ_ERROR] = FZ_N_ST_BUS,
		[RTE_DMA_STATUS_BUS_WRITE_ERROR] = FZ_N_ST_BUS,
		[RTE_DMA_STATUS_DEV_LINK_ERROR] = FZ_N_ST_LINK,
	};

	fz_counts[FZ_N_REPORTED]++;
	if ((unsigned int)st < RTE_DIM(idx) && idx[st] != 0)
		fz_counts[idx[st]]++;
}

/*
 * Whether the engine has run op k, given done ops counted: the simulated
 * engine writes a descriptor back a moment before it counts it, so a
 * report of what only the engine can have written waits for the count.
 */
static bool
ran(const struct fz_chan *ch, uint64_t k, uint64_t done)
{
	uint64_t end = plx_test_now_us() + 100 * 1000;
	unsigned int spins = 0;

	while (k >= done) {
		done = fz_run_done(ch, fz_descs(ch->f));
		if (k < done || plx_test_now_us() > end)
			break;
		plx_test_idle(&spins);
	}
	return k < done;
}

/* One reported op k: a legal status, right bytes; the model moves on. */
/* Ops of the run the engine had run when its stop began. */
static uint64_t
done_at_stop(const struct fz_chan *ch)
{
	return fz_run_done(ch, ch->d_stop);
}

static int
op_reported(struct fz_chan *ch, uint64_t k, enum rte_dma_status_code st,
		uint64_t done_after)
{
	bool run = k < done_after || ((hw_statuses(ch, k) & ST_BIT(st)) &&
		!(unrun_statuses(ch, k) & ST_BIT(st)) && ran(ch, k, done_after));
	uint32_t legal = run ? hw_statuses(ch, k) : unrun_statuses(ch, k);
	char want[96];

	/* Run while the stop was under way: maybe not written back. */
	if (run && k >= done_at_stop(ch))
		legal |= unrun_statuses(ch, k);

	if (!(legal & ST_BIT(st)))
		FZ_OK(fz_fail(run || legal != 0 ? FZ_C_STATUS : FZ_C_EARLY,
			"%s: op %" PRIu64 " (id %u) reported %s, expected %s (run %s, engine has run %" PRIu64 ", %" PRIu64 " submitted, %" PRIu64 " handed out)",
			ch->name, k, (uint16_t)k, plx_test_status_name(st),
			mask_names(legal, want, sizeof(want)),
			halt_name(ch->halt), done_after, ch->sub, ch->handed));
	if (!run)
		ch->first_unrun = RTE_MIN(ch->first_unrun, k);
	if (st == ST(DEV_LINK_ERROR))
		ch->noticed = true;
	ch->st_rep++;
	ch->st_err += st != ST(SUCCESSFUL);
	ch->st_na_rep += st == ST(NOT_ATTEMPTED);
	count_status(st);
	return slot_reported(ch, k, st);
}

/* Ops a call made now must report (given nb_cpls): those now final. */
static uint64_t
must_report(const struct fz_chan *ch, uint64_t done_before)
{
	if (ch->halt == FZ_HALT_STOP)
		return ch->handed - ch->rep;
	done_before = RTE_MIN(done_before, done_at_stop(ch));
	return done_before > ch->rep ? done_before - ch->rep : 0;
}

/* completed(): how many successes from rep on it must report. */
static uint64_t
must_succeed(const struct fz_chan *ch, uint64_t done_before, uint64_t max)
{
	uint64_t k = ch->rep;

	done_before = RTE_MIN(done_before, done_at_stop(ch));
	while (k - ch->rep < max && k < done_before &&
			hw_statuses(ch, k) == ST_BIT(ST(SUCCESSFUL)))
		k++;
	return k - ch->rep;
}

/* completed() stopped at op k: whether k is known to have failed. */
static bool
known_failed(const struct fz_chan *ch, uint64_t k, uint64_t done)
{
	if (k >= ch->handed)
		return false;
	if (k < done)
		return !(hw_statuses(ch, k) & ST_BIT(ST(SUCCESSFUL)));
	return ch->halt == FZ_HALT_STOP;
}

/* completed() says has_error: op k may fail. */
static bool
may_fail(const struct fz_chan *ch, uint64_t k, uint64_t done)
{
	if (k >= ch->handed)
		return false;
	if (unrun_statuses(ch, k) != 0)
		return true;
	return (hw_statuses(ch, k) & ~ST_BIT(ST(SUCCESSFUL))) != 0 &&
		ran(ch, k, done);
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
			"%s: completed() set has_error, but op %" PRIu64 " (run %s, engine has run %" PRIu64 ") cannot have failed",
			ch->name, k, halt_name(ch->halt), done_after);
	else
		FZ_CHECK(FZ_C_HAS_ERROR, !known_failed(ch, k, done_before),
			"%s: completed() returned %u of %u without has_error, yet op %" PRIu64 " has failed (run %s)",
			ch->name, n, nb, k, halt_name(ch->halt));
	return 0;
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
	uint64_t left = ch->handed - ch->rep, done_before, done_after, must;
	uint16_t i;

	FZ_OK(fz_func_check(ch->f));
	done_before = fz_run_done(ch, before);
	done_after = fz_run_done(ch, after);
	if (n > RTE_MIN(left, nb)) {
		FZ_OK(fz_fail(FZ_C_ORDER,
			"%s: %s reported %u ops, %" PRIu64 " are outstanding (%u asked for)",
			ch->name, with_status ? "completed_status" : "completed",
			n, left, nb));
		n = RTE_MIN(left, nb);
	}
	FZ_CHECK(FZ_C_ORDER, last == (uint16_t)(ch->rep + n - 1),
		"%s: %s: last_idx %u after %u reports, expected %u",
		ch->name, with_status ? "completed_status" : "completed", last,
		n, (uint16_t)(ch->rep + n - 1));
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
		"%s: %s reported %u ops, %" PRIu64 " were final (run %s, engine has run %" PRIu64 " of %" PRIu64 " submitted)",
		ch->name, with_status ? "completed_status" : "completed", n,
		must, halt_name(ch->halt), done_before, ch->sub);
	ch->rep += n;
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
	} else if (ch->st == FZ_STARTED) {
		uint64_t target = RTE_MIN(ch->sub, ch->handed);

		/* IDLE: the last may be written back, not yet counted. */
		if (fz_run_done(ch, after) < target &&
				(vs != RTE_DMA_VCHAN_IDLE ||
				!ran(ch, target - 1, fz_run_done(ch, after))))
			exp = RTE_DMA_VCHAN_ACTIVE;
		else
			either = fz_run_done(ch, before) < target;
	}
	FZ_CHECK(FZ_C_VCHAN_STATUS, vs == exp || (either &&
			vs != RTE_DMA_VCHAN_HALTED_ERROR),
		"%s: vchan status %d, expected %d (%s, run %s, engine has run %" PRIu64 " of %" PRIu64 " submitted)",
		ch->name, vs, exp, ch->st == FZ_STARTED ? "started" :
			ch->st == FZ_REMOVED ? "removed" : "not started",
		halt_name(ch->halt), fz_run_done(ch, after), ch->sub);
	return 0;
}

int
fz_capacity_check(const struct fz_chan *ch, uint16_t cap)
{
	uint32_t exp = ch->ring != 0 ? ch->ring - (ch->handed - ch->rep) : 0;

	FZ_CHECK(FZ_C_CAPACITY, cap == exp,
		"%s: burst_capacity %u, expected %u (ring %u, %" PRIu64 " outstanding)",
		ch->name, cap, exp, ch->ring, ch->handed - ch->rep);
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
	static const uint32_t most[FZ_R_MAX] = { 1, 1, 1, 2, 1 };
	static const char *const names[FZ_R_MAX] = {
		"length", "IOVA", "not started", "removed", "ring full"
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
