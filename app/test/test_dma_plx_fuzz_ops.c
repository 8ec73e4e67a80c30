/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The fuzzer's ops: each step draws its details (lengths, addresses,
 * nb_desc, nb_cpls, fault points...) from its own random word, calls the
 * API and hands what came back to the model (test_dma_plx_fuzz_model.c)
 * together with what the contract allows. Expected return codes are sets:
 * where the contract names several reasons that apply at once, any of
 * their codes is right.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>

#include "plx_dma_compat.h"
#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"

/* Return codes as bits, for sets of what is allowed. */
enum {
	R_OK = 1,
	R_EINVAL = 2,
	R_EBUSY = 4,
	R_ENODEV = 8,
	R_ENOSPC = 16,
	R_ENOTSUP = 32,
	R_OTHER = 64,
};

static uint32_t
rc_bit(int rc)
{
	switch (rc) {
	case -EINVAL: return R_EINVAL;
	case -EBUSY: return R_EBUSY;
	case -ENODEV: return R_ENODEV;
	case -ENOSPC: return R_ENOSPC;
	case -ENOTSUP: return R_ENOTSUP;
	default: return rc >= 0 ? R_OK : R_OTHER;
	}
}

static const char *
rc_names(uint32_t m, char *buf, size_t len)
{
	static const char *const names[] = {
		"0", "-EINVAL", "-EBUSY", "-ENODEV", "-ENOSPC", "-ENOTSUP",
		"other"
	};
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < RTE_DIM(names) && n < len; i++)
		if (m & FZ_BIT(i))
			n += snprintf(buf + n, len - n, "%s%s", n ? " or " : "",
				names[i]);
	return buf;
}

/* rc is one of exp; a control-path error comes with a log line. */
static int
rc_check(const struct fz_chan *ch, const char *call, int rc, uint32_t exp,
		uint64_t lines)
{
	char want[64];

	FZ_CHECK(FZ_C_RC, rc_bit(rc) & exp, "%s: %s returned %d, expected %s",
		ch->name, call, rc, rc_names(exp, want, sizeof(want)));
	FZ_CHECK(FZ_C_LOG, rc >= 0 || lines > 0,
		"%s: %s returned %d and logged nothing", ch->name, call, rc);
	return 0;
}

/* Allowed codes: the errors that apply, or success if none. */
static uint32_t
or_ok(uint32_t errs)
{
	return errs != 0 ? errs : R_OK;
}

static bool
started(const struct fz_chan *ch)
{
	return ch->st == FZ_STARTED;
}

/* A channel whose device cannot run a start. */
static bool
dead(const struct fz_chan *ch)
{
	return fz_vanished(ch) || ch->halt == FZ_HALT_LOST;
}

static int quiesce(struct fz_func *f);

/* --- control path --- */

static int
op_configure(struct fz_chan *ch, struct fz_rng *r)
{
	struct rte_dma_conf conf = { .nb_vchans = 1 };
	unsigned int v = fz_below(r, 12);
	uint32_t exp = 0;
	uint64_t l0;
	int rc;

	if (v == 0)
		conf.nb_vchans = 0;
	else if (v == 1)
		conf.nb_vchans = 2;
	else if (v == 2)
		plx_dma_conf_set_flags(&conf, RTE_DMA_CFG_FLAG_SILENT);
	if (ch->lib_started)
		exp |= R_EBUSY;
	if (v <= 2)
		exp |= R_EINVAL;
	if (exp == 0 && ch->st == FZ_REMOVED)
		exp = R_ENODEV;
	l0 = fz_log_lines();
	rc = rte_dma_configure(ch->id, &conf);
	fz_trace("configure(nb_vchans %u%s) -> %d", conf.nb_vchans,
		plx_dma_conf_flags(&conf) ? ", silent" : "", rc);
	FZ_OK(rc_check(ch, "configure", rc, or_ok(exp), fz_log_lines() - l0));
	if (rc == 0) {
		ch->lib_conf = true;
		if (ch->st == FZ_PROBED)
			ch->st = FZ_CONFIGURED;
	}
	return 0;
}

/* nb_desc: mostly small rings, now and then out of range. */
static uint32_t
draw_nb_desc(struct fz_rng *r)
{
	unsigned int v = fz_below(r, 100);

	if (v < 8)
		return fz_below(r, FZ_MIN_DESC);
	if (v < 12)
		return FZ_MAX_DESC + 1 + fz_below(r, UINT16_MAX - FZ_MAX_DESC);
	if (v < 60)
		return FZ_MIN_DESC + fz_below(r, 97);
	if (v < 88)
		return 129 + fz_below(r, 1024 - 128);
	if (v < 97)
		return 1025 + fz_below(r, 4096 - 1024);
	return 4097 + fz_below(r, FZ_MAX_DESC - 4096);
}

static int
vchan_setup(struct fz_chan *ch, uint32_t nb, uint16_t vchan,
		enum rte_dma_direction dir)
{
	struct rte_dma_vchan_conf conf = {
		.direction = dir,
		.nb_desc = nb,
	};
	bool bad = vchan != 0 || dir != RTE_DMA_DIR_MEM_TO_MEM ||
		nb < FZ_MIN_DESC || nb > FZ_MAX_DESC;
	uint32_t exp = 0;
	uint64_t l0;
	int rc;

	if (ch->lib_started)
		exp |= R_EBUSY;
	if (!ch->lib_conf || bad)
		exp |= R_EINVAL;
	if (exp == 0 && ch->st == FZ_REMOVED)
		exp = R_ENODEV;
	if (exp == 0 && fz_uncollected(ch))
		exp = R_EBUSY;
	if (exp == 0 && dead(ch))
		exp = R_OK | R_ENODEV;
	l0 = fz_log_lines();
	rc = rte_dma_vchan_setup(ch->id, vchan, &conf);
	fz_trace("vchan_setup(vchan %u, dir %d, nb_desc %u) -> %d", vchan, dir,
		nb, rc);
	FZ_OK(rc_check(ch, "vchan_setup", rc, or_ok(exp),
		fz_log_lines() - l0));
	if (rc != 0)
		return 0;
	/* Allowed against the contract: what became of the ops? */
	if (fz_uncollected(ch)) {
		fz_chan_retire(ch);
		return 0;
	}
	return fz_ring_set(ch, rte_align32pow2(nb));
}

static int
op_vchan_setup(struct fz_chan *ch, struct fz_rng *r)
{
	unsigned int v = fz_below(r, 40);
	enum rte_dma_direction dir = RTE_DMA_DIR_MEM_TO_MEM;

	if (v == 0)
		dir = RTE_DMA_DIR_MEM_TO_DEV;
	else if (v == 1)
		dir = (enum rte_dma_direction)9;
	return vchan_setup(ch, draw_nb_desc(r), v == 2 ? 1 : 0, dir);
}

static int
op_start(struct fz_chan *ch)
{
	uint32_t exp = 0;
	uint64_t l0;
	int rc;

	if (!ch->lib_conf)
		exp = R_EINVAL;
	else if (ch->lib_started)
		exp = R_OK;
	else if (ch->st == FZ_REMOVED)
		exp = R_ENODEV;
	else
		exp = (ch->ring == 0 ? R_EINVAL : 0) |
			(fz_uncollected(ch) ? R_EBUSY : 0) |
			(dead(ch) ? R_ENODEV : 0);
	l0 = fz_log_lines();
	rc = rte_dma_start(ch->id);
	fz_trace("start -> %d", rc);
	FZ_OK(rc_check(ch, "start", rc, or_ok(exp), fz_log_lines() - l0));
	if (rc == 0 && !ch->lib_started && ch->st != FZ_REMOVED) {
		ch->lib_started = true;
		ch->st = FZ_STARTED;
		fz_run_begin(ch);
	}
	return 0;
}

static int
op_stop(struct fz_chan *ch, struct fz_rng *r)
{
	uint64_t begun;
	int rc;

	/* Half the time with the engine idle: an outcome timing cannot
	 * change, so that a shortened sequence replays alike. */
	if (r != NULL && fz_pct(r, 50) && ch->f->runner == ch)
		FZ_OK(quiesce(ch->f));
	begun = fz_descs(ch->f);
	rc = rte_dma_stop(ch->id);

	fz_trace("stop -> %d", rc);
	FZ_OK(rc_check(ch, "stop", rc, R_OK, 0));
	if (rc != 0 || !ch->lib_started)
		return 0;
	ch->lib_started = false;
	fz_counts[FZ_N_STOPS]++;
	if (ch->st != FZ_STARTED)
		return 0;
	FZ_OK(fz_run_halt(ch, false, begun));
	ch->st = FZ_CONFIGURED;
	return 0;
}

/* The dmadev is gone (closed, or released by a removal). */
static int
released(struct fz_chan *ch, const char *how)
{
	int ret = fz_slots_verify(ch);

	if (ret == 0)
		FZ_CHECK(FZ_C_DEVICE, !rte_dma_is_valid(ch->id),
			"%s: dmadev %d still valid after its %s", ch->name,
			ch->id, how);
	fz_chan_detach(ch);
	fz_chan_free(ch);
	return ret;
}

static int
op_close(struct fz_chan *ch)
{
	uint64_t l0 = fz_log_lines();
	int rc = rte_dma_close(ch->id);

	fz_trace("close -> %d", rc);
	FZ_OK(rc_check(ch, "close", rc, ch->lib_started ? R_EBUSY : R_OK,
		fz_log_lines() - l0));
	if (rc != 0)
		return 0;
	return released(ch, "close");
}

/* Stop and close (a held channel, to make room). */
static int
finish(struct fz_chan *ch)
{
	FZ_OK(op_stop(ch, NULL));
	return op_close(ch);
}

static int
op_stats_reset(struct fz_chan *ch)
{
	int rc;

	/* Never-submitted ops of a halted run may count as submitted at the
	 * halt or when reported: a reset between would blur that. */
	if (ch->halt != FZ_RUN && ch->handed > RTE_MAX(ch->sub, ch->rep))
		return 0;
	rc = rte_dma_stats_reset(ch->id, 0);
	fz_trace("stats_reset -> %d", rc);
	FZ_OK(rc_check(ch, "stats_reset", rc, ch->lib_conf ? R_OK : R_EINVAL,
		1));
	if (rc == 0)
		ch->st_rung = ch->st_na_rep = ch->st_rep = ch->st_err = 0;
	return 0;
}

static int
info_check(const struct fz_chan *ch)
{
	const uint64_t capa = RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY |
		RTE_DMA_CAPA_HANDLES_ERRORS;
	char removed[RTE_DEV_NAME_MAX_LEN + 16];
	struct rte_dma_info info;
	int rc = rte_dma_info_get(ch->id, &info);

	FZ_CHECK(FZ_C_RC, rc == 0, "%s: info_get: %d", ch->name, rc);
	if (rc != 0)
		return 0;
	snprintf(removed, sizeof(removed), "%s-removed", ch->f->addr);
	FZ_CHECK(FZ_C_DEVICE, ch->st == FZ_REMOVED ?
			strncmp(info.dev_name, removed, strlen(removed)) == 0 :
			strcmp(info.dev_name, ch->f->addr) == 0,
		"%s: dmadev %d is named %s", ch->name, ch->id, info.dev_name);
	FZ_CHECK(FZ_C_DEVICE,
		rte_dma_get_dev_id_by_name(info.dev_name) == ch->id &&
			info.nb_vchans == (ch->lib_conf ? 1 : 0) &&
			info.max_vchans == 1 && info.min_desc == FZ_MIN_DESC &&
			info.max_desc == FZ_MAX_DESC &&
			(info.dev_capa & capa) == capa &&
			!(info.dev_capa & RTE_DMA_CAPA_SILENT),
		"%s: info of dmadev %d: %u vchans of %u, %u..%u descriptors, capa 0x%" PRIx64,
		ch->name, ch->id, info.nb_vchans, info.max_vchans,
		info.min_desc, info.max_desc, info.dev_capa);
	return 0;
}

/* info, stats, dump, vchan status: they work in every state. */
static int
op_info(struct fz_chan *ch)
{
	static FILE *null_f;
	enum rte_dma_vchan_status vs;
	uint64_t before, after;
	int rc;

	FZ_OK(info_check(ch));
	FZ_OK(fz_stats_check(ch));
	if (null_f == NULL)
		null_f = fopen("/dev/null", "w");
	if (null_f != NULL)
		FZ_CHECK(FZ_C_RC, (rc = rte_dma_dump(ch->id, null_f)) == 0,
			"%s: dump: %d", ch->name, rc);
	before = fz_descs(ch->f);
	rc = rte_dma_vchan_status(ch->id, 0, &vs);
	after = fz_descs(ch->f);
	fz_trace("info, stats, dump; vchan_status -> %d, %d", rc, vs);
	if (!ch->lib_conf) {
		FZ_CHECK(FZ_C_RC, rc == -EINVAL,
			"%s: vchan_status before configure: %d", ch->name, rc);
		return 0;
	}
	FZ_CHECK(FZ_C_RC, rc == 0, "%s: vchan_status: %d", ch->name, rc);
	return rc == 0 ? fz_vchan_status_check(ch, vs, before, after) : 0;
}

/* --- fast path --- */

struct fz_copy {
	uint64_t src;
	uint64_t dst;
	uint32_t len;
	uint64_t flags;
	struct fz_op op;
	bool slot;		/* lands in its ring slot */
	uint32_t reasons;	/* FZ_BIT(enum fz_refusal) of bad input */
};

static uint64_t
iova_unmapped(struct fz_rng *r, uint32_t len)
{
	/* Below the lowest mappable page, or above user space. */
	if (len <= 0x8000 && fz_pct(r, 50))
		return 0x1000 + fz_below(r, 0x10000 - 0x1000 - len);
	return (UINT64_C(1) << 47) + ((fz_rand(r) & ((UINT64_C(1) << 46) - 1)) &
		~UINT64_C(7));
}

static uint64_t
iova_beyond(struct fz_rng *r)
{
	switch (fz_below(r, 3)) {
	case 0:
		return UINT64_C(1) << FZ_IOVA_BITS;
	case 1:
		return UINT64_MAX - fz_below(r, 4096);
	default:
		return (UINT64_C(1) << FZ_IOVA_BITS) |
			(fz_rand(r) >> (64 - FZ_IOVA_BITS));
	}
}

static uint32_t
draw_len(struct fz_rng *r, uint32_t max)
{
	unsigned int v = fz_below(r, 100);
	uint32_t len;

	if (v < 60)
		len = 1 + fz_below(r, 64);
	else if (v < 85)
		len = 65 + fz_below(r, 448);
	else if (v < 95)
		len = 1 + fz_below(r, max);
	else
		len = v < 98 ? max : 1;
	return RTE_MIN(len, max);
}

/* Where one address points: 0 ok, 1 unmapped, 2 beyond 48 bits. */
static unsigned int
draw_where(struct fz_rng *r, bool good)
{
	unsigned int v = good ? 99 : fz_below(r, 100);

	return v < 4 ? 1 : v < 8 ? 2 : 0;
}

static void
draw_copy(const struct fz_chan *ch, struct fz_rng *r, bool good,
		struct fz_copy *c)
{
	const struct fz_func *f = ch->f;
	uint32_t max = ch->max_len != 0 ? ch->max_len : 64;
	unsigned int v = good ? 99 : fz_below(r, 100);
	unsigned int ws = draw_where(r, good), wd = draw_where(r, good);
	uint64_t k = ch->handed;

	memset(c, 0, sizeof(*c));
	c->len = draw_len(r, max);
	c->op.len = c->len;
	c->op.fill = 0x11 + fz_below(r, 0x80);
	c->op.body = 8 + fz_below(r, 9);
	if (v < 2)
		c->len = 0;
	else if (v < 4)
		c->len = FZ_MAX_LEN + 1 + fz_below(r, UINT32_MAX - FZ_MAX_LEN);
	else if (v < 5)
		c->len = FZ_MAX_LEN, ws = wd = 1;
	if (c->len == 0 || c->len > FZ_MAX_LEN)
		c->reasons |= FZ_BIT(FZ_R_LEN);
	c->op.src_off = fz_below(r, FZ_SRC_LEN - c->op.len + 1);
	c->src = ws == 0 ? f->src_iova + c->op.src_off :
		ws == 1 ? iova_unmapped(r, c->len) : iova_beyond(r);
	c->dst = ch->ring != 0 ? ch->dst_iova +
		(size_t)(k & (ch->ring - 1)) * ch->slot_len + c->op.body :
		iova_unmapped(r, c->len);
	if (wd == 1 || ch->ring == 0)
		c->dst = iova_unmapped(r, c->len);
	else if (wd == 2)
		c->dst = iova_beyond(r);
	if (ws == 2 || wd == 2)
		c->reasons |= FZ_BIT(FZ_R_IOVA);
	c->op.kind = ws == 1 ? (wd == 1 || ch->ring == 0 ? FZ_K_BAD_BOTH :
		FZ_K_BAD_SRC) : (wd == 1 || ch->ring == 0 ? FZ_K_BAD_DST :
		FZ_K_OK);
	c->slot = c->op.kind == FZ_K_OK || c->op.kind == FZ_K_BAD_SRC;
	if (fz_pct(r, good ? 0 : 25))
		c->flags |= RTE_DMA_OP_FLAG_SUBMIT;
	if (fz_pct(r, 5))
		c->flags |= RTE_DMA_OP_FLAG_FENCE;
}

/* Make op k's slot ready: what it held is intact, then guard + fill. */
static int
slot_prepare(struct fz_chan *ch, const struct fz_copy *c)
{
	uint32_t i = ch->handed & (ch->ring - 1);
	struct fz_slot *s = &ch->slots[i];
	uint8_t *p = ch->dst + (size_t)i * ch->slot_len;

	FZ_OK(fz_slot_verify(ch, i));
	if (s->state != FZ_SLOT_CLEAN || s->len != 0)
		memset(p, GUARD, ch->slot_len);
	memset(p + c->op.body, c->op.fill, c->op.len);
	*s = (struct fz_slot){
		.state = FZ_SLOT_CLEAN,
		.fill = c->op.fill,
		.src_ok = c->op.kind == FZ_K_OK,
		.body = c->op.body,
		.len = c->op.len,
		.src_off = c->op.src_off,
	};
	return 0;
}

/* The codes copy() may return now, and the refusal reasons. */
static uint32_t
copy_expect(struct fz_chan *ch, struct fz_copy *c)
{
	uint32_t errs = c->reasons ? R_EINVAL : 0;

	if (ch->st == FZ_REMOVED) {
		c->reasons |= FZ_BIT(FZ_R_NODEV);
		return errs | R_ENODEV;
	}
	if (!started(ch)) {
		c->reasons |= FZ_BIT(FZ_R_STOPPED);
		return errs | R_EINVAL | (fz_vanished(ch) ? R_ENODEV : 0);
	}
	if (ch->handed - ch->rep >= ch->ring) {
		c->reasons |= FZ_BIT(FZ_R_FULL);
		errs |= R_ENOSPC;
	}
	if (fz_vanished(ch)) {
		c->reasons |= FZ_BIT(FZ_R_NODEV);
		if (ch->noticed)
			errs |= R_ENODEV;
		else if (errs == 0)
			return R_OK | R_ENODEV;
		else
			errs |= R_ENODEV;
	}
	return or_ok(errs);
}

/* The refusal reason that goes with rc. */
static enum fz_refusal
refusal_of(int rc, uint32_t reasons)
{
	if (rc == -ENODEV)
		return FZ_R_NODEV;
	if (rc == -ENOSPC)
		return FZ_R_FULL;
	if (reasons & FZ_BIT(FZ_R_STOPPED))
		return FZ_R_STOPPED;
	return (reasons & FZ_BIT(FZ_R_LEN)) ? FZ_R_LEN : FZ_R_IOVA;
}

static int
refused(struct fz_chan *ch, int rc, uint32_t reasons, uint64_t lines)
{
	fz_counts[FZ_N_COPY_REFUSED]++;
	if (rc == -ENODEV && fz_vanished(ch))
		ch->noticed = true;
	return fz_log_check(ch, refusal_of(rc, reasons), reasons, lines);
}

static void
submitted(struct fz_chan *ch)
{
	ch->st_rung += ch->handed - ch->sub;
	ch->sub = ch->handed;
}

static int
copy_one(struct fz_chan *ch, struct fz_copy *c, int *rcp)
{
	uint32_t input = c->reasons, exp = copy_expect(ch, c);
	bool prep = c->slot && (exp & R_OK) && input == 0;
	uint64_t k = ch->handed, l0;
	char want[64];
	int rc;

	if (prep)
		FZ_OK(slot_prepare(ch, c));
	l0 = fz_log_lines();
	rc = rte_dma_copy(ch->id, 0, c->src, c->dst, c->len, c->flags);
	*rcp = rc;
	/* The device may have vanished since: judge by the state after. */
	FZ_OK(fz_func_check(ch->f));
	c->reasons = input;
	exp = copy_expect(ch, c);
	fz_trace("copy(src 0x%" PRIx64 ", dst 0x%" PRIx64 ", len %u%s%s) -> %d",
		c->src, c->dst, c->len,
		(c->flags & RTE_DMA_OP_FLAG_SUBMIT) ? ", SUBMIT" : "",
		(c->flags & RTE_DMA_OP_FLAG_FENCE) ? ", FENCE" : "", rc);
	if (!(rc_bit(rc) & exp) || (rc >= 0 && rc != (uint16_t)k))
		FZ_OK(fz_fail(FZ_C_FAST_RC,
			"%s: copy(len %u, src 0x%" PRIx64 ", dst 0x%" PRIx64 ") returned %d, expected %s%s (%s, %" PRIu64 " of %u slots in use)",
			ch->name, c->len, c->src, c->dst, rc,
			rc_names(exp, want, sizeof(want)),
			(exp & R_OK) ? " (the next id)" : "",
			started(ch) ? "started" : "not started",
			ch->handed - ch->rep, ch->ring));
	if (rc < 0)
		return refused(ch, rc, c->reasons, fz_log_lines() - l0);
	if (ch->ring == 0 || ch->handed - ch->rep >= ch->ring) {
		/* Accepted against the model: tolerated, but no slot. */
		return fz_fail(FZ_C_SETUP,
			"%s: copy accepted with no free slot", ch->name);
	}
	if (!prep)
		c->op.kind = c->op.kind == FZ_K_OK ? FZ_K_BAD_DST : c->op.kind;
	ch->ops[k & (ch->ring - 1)] = c->op;
	if (prep)
		ch->slots[k & (ch->ring - 1)].state = FZ_SLOT_PENDING;
	ch->handed++;
	fz_counts[FZ_N_COPY_OK]++;
	if (c->flags & RTE_DMA_OP_FLAG_SUBMIT)
		submitted(ch);
	return 0;
}

static int
op_copy(struct fz_chan *ch, struct fz_rng *r)
{
	struct fz_copy c;
	int rc;

	draw_copy(ch, r, false, &c);
	return copy_one(ch, &c, &rc);
}

/* Good copies until refused (a full ring), the last with SUBMIT. */
static int
op_burst(struct fz_chan *ch, struct fz_rng *r)
{
	unsigned int n = 1 + fz_below(r, RTE_MIN(ch->ring + 8u, 96u));
	bool submit = fz_pct(r, 75);
	struct fz_copy c;
	unsigned int i;
	int rc = 0;

	bool tracing = fz_tracing;
	uint64_t first = ch->handed;
	int ret = 0;

	fz_tracing = false;
	for (i = 0; i < n && rc >= 0 && ret == 0; i++) {
		draw_copy(ch, r, true, &c);
		if (submit && i + 1 == n)
			c.flags |= RTE_DMA_OP_FLAG_SUBMIT;
		ret = copy_one(ch, &c, &rc);
	}
	fz_tracing = tracing;
	fz_trace("%u good copies%s: %" PRIu64 " accepted (ids from %u), the last -> %d",
		i, submit ? ", the last with SUBMIT" : "", ch->handed - first,
		(uint16_t)first, rc);
	return ret;
}

static int
op_submit(struct fz_chan *ch)
{
	uint32_t exp, reasons = 0;
	uint64_t l0 = fz_log_lines();
	char want[64];
	int rc;

	rc = rte_dma_submit(ch->id, 0);
	FZ_OK(fz_func_check(ch->f));
	if (ch->st == FZ_REMOVED)
		exp = R_ENODEV, reasons = FZ_BIT(FZ_R_NODEV);
	else if (!started(ch))
		exp = R_OK | R_EINVAL | (fz_vanished(ch) ? R_ENODEV : 0),
		reasons = FZ_BIT(FZ_R_STOPPED);
	else if (fz_vanished(ch))
		exp = ch->noticed ? R_ENODEV : R_OK | R_ENODEV,
		reasons = FZ_BIT(FZ_R_NODEV);
	else
		exp = R_OK;
	fz_trace("submit -> %d", rc);
	FZ_CHECK(FZ_C_FAST_RC, rc_bit(rc) & exp,
		"%s: submit returned %d, expected %s", ch->name, rc,
		rc_names(exp, want, sizeof(want)));
	if (rc < 0)
		return refused(ch, rc, reasons, fz_log_lines() - l0);
	if (started(ch))
		submitted(ch);
	return 0;
}

static uint16_t
draw_nb_cpls(const struct fz_chan *ch, struct fz_rng *r)
{
	unsigned int v = fz_below(r, 100);

	if (v < 8)
		return 0;
	if (v < 48)
		return 1 + fz_below(r, 8);
	if (v < 80)
		return 9 + fz_below(r, 56);
	if (v < 95)
		return 1 + fz_below(r, RTE_MAX(ch->ring, 1u));
	return 1 + fz_below(r, FZ_MAX_CPLS);
}

/* One completed() or completed_status() call, checked; *n reports. */
static int
collect(struct fz_chan *ch, bool with_status, uint16_t nb, bool nulls,
		uint16_t *n)
{
	static enum rte_dma_status_code st[FZ_MAX_CPLS];
	uint16_t last = 0x5a5a;
	bool has_error = false;
	uint64_t before, after;

	nb = RTE_MIN(nb, FZ_MAX_CPLS);
	memset(st, 0xff, sizeof(st[0]) * nb);
	before = fz_descs(ch->f);
	if (with_status)
		*n = rte_dma_completed_status(ch->id, 0, nb, nulls ? NULL :
			&last, st);
	else
		*n = rte_dma_completed(ch->id, 0, nb, nulls ? NULL : &last,
			nulls ? NULL : &has_error);
	after = fz_descs(ch->f);
	fz_trace("%s(%u) -> %u, last %u%s%s", with_status ?
		"completed_status" : "completed", nb, *n, last,
		has_error ? ", has_error" : "",
		with_status && *n > 0 ? plx_test_status_name(st[*n - 1]) :
			"");
	if (nulls)
		last = (uint16_t)(ch->rep + RTE_MIN(*n, nb) - 1);
	return fz_reports(ch, with_status, nb, *n, last,
		nulls ? -1 : has_error, st, before, after);
}

static int
op_completed(struct fz_chan *ch, struct fz_rng *r, bool with_status)
{
	uint16_t n;

	return collect(ch, with_status, draw_nb_cpls(ch, r), fz_pct(r, 5), &n);
}

static int
op_capacity(struct fz_chan *ch)
{
	uint16_t cap = rte_dma_burst_capacity(ch->id, 0);

	fz_trace("burst_capacity -> %u", cap);
	return fz_capacity_check(ch, cap);
}

/* Reports the contract guarantees will come, from what is final now. */
static uint64_t
drain_target(const struct fz_chan *ch)
{
	switch (ch->halt) {
	case FZ_HALT_STOP:
		return ch->handed;
	case FZ_HALT_GONE:
		return ch->sub;
	case FZ_HALT_LOST:
		return fz_run_done(ch, ch->d_halt);
	default:
		return fz_run_target(ch);
	}
}

/* Poll until what must come is reported (completed() first, maybe). */
static int
op_drain(struct fz_chan *ch, struct fz_rng *r)
{
	struct plx_wait w = plx_wait_begin(FZ_WAIT_US);
	bool use_ok = fz_pct(r, 30), err = false;
	uint16_t n;

	fz_trace("drain to %" PRIu64 " of %" PRIu64, drain_target(ch),
		ch->handed);
	while (ch->rep < drain_target(ch)) {
		uint64_t rep = ch->rep;

		FZ_OK(collect(ch, !use_ok || err, draw_nb_cpls(ch, r) | 1,
			false, &n));
		/* completed() stopped short: the rest by status. */
		err = ch->rep == rep && use_ok;
		if (!plx_waiting(&w, n))
			FZ_OK(fz_fail(FZ_C_LIVENESS,
				"%s: %" PRIu64 " ops (to %" PRIu64 ") not reported %u s after the last report (run %s, engine has run %" PRIu64 ", %" PRIu64 " submitted)",
				ch->name, drain_target(ch) - ch->rep,
				drain_target(ch), FZ_WAIT_US / 1000000,
				ch->halt == FZ_RUN ? "running" : "halted",
				fz_run_done(ch, fz_descs(ch->f)), ch->sub));
	}
	return 0;
}

static int
op_unsupported(struct fz_chan *ch, struct fz_rng *r)
{
	struct rte_dma_sge sge = { .addr = ch->f->src_iova, .length = 64 };
	int rc;

	if (fz_pct(r, 50))
		rc = rte_dma_fill(ch->id, 0, fz_rand(r), ch->f->src_iova, 64,
			0);
	else
		rc = rte_dma_copy_sg(ch->id, 0, &sge, &sge, 1, 1, 0);
	fz_trace("fill or copy_sg -> %d", rc);
	FZ_CHECK(FZ_C_FAST_RC, rc == -EINVAL || rc == -ENOTSUP,
		"%s: an op the device lacks (fill, copy_sg) returned %d",
		ch->name, rc);
	return 0;
}

/* --- PCI, removal, simulator --- */

static const char *
func_args(void)
{
	return fz_w.devargs;
}

/* Close the oldest held channel when no room is left for another. */
static int
make_room(struct fz_func *f)
{
	if (f->nb_held < FZ_MAX_HELD)
		return 0;
	return finish(f->held[0]);
}

/* A removal of f's PCI device returned 0; begun: descriptors before. */
static int
removed(struct fz_func *f, uint64_t begun)
{
	char prefix[RTE_DEV_NAME_MAX_LEN + 16];
	struct fz_chan *ch = f->cur;
	struct rte_dma_info info;

	f->probed = false;
	fz_counts[FZ_N_REMOVES]++;
	FZ_CHECK(FZ_C_DEVICE, rte_dma_get_dev_id_by_name(f->addr) < 0,
		"%s: a dmadev still has the address of the removed device",
		f->addr);
	if (ch == NULL)
		return 0;
	if (ch->st == FZ_PROBED)
		return released(ch, "removal before configure");
	if (ch->st == FZ_STARTED)
		FZ_OK(fz_run_halt(ch, true, begun));
	ch->st = FZ_REMOVED;
	if (!rte_dma_is_valid(ch->id)) {
		FZ_OK(fz_fail(FZ_C_DEVICE,
			"%s: dmadev %d released by the removal; the application holds it from configure to close (%" PRIu64 " ops not reported)",
			ch->name, ch->id, ch->handed - ch->rep));
		ch->id = -1;
		fz_chan_detach(ch);
		fz_chan_free(ch);
		return 0;
	}
	snprintf(prefix, sizeof(prefix), "%s-removed", f->addr);
	FZ_CHECK(FZ_C_DEVICE, rte_dma_info_get(ch->id, &info) == 0 &&
			strncmp(info.dev_name, prefix, strlen(prefix)) == 0,
		"%s: held dmadev %d not renamed %sN", ch->name, ch->id, prefix);
	snprintf(ch->name, sizeof(ch->name), "%s", info.dev_name);
	f->cur = NULL;
	f->held[f->nb_held++] = ch;
	return 0;
}

static int
op_remove(struct fz_func *f, struct fz_rng *r)
{
	bool by_name = fz_pct(r, 50);
	uint64_t begun;
	int rc;

	if (!f->probed)
		return 0;
	FZ_OK(make_room(f));
	if (fz_pct(r, 50))
		FZ_OK(quiesce(f));
	begun = fz_descs(f);
	rc = plx_test_pci_remove(f->addr, by_name);
	fz_trace("remove %s%s -> %d", f->addr, by_name ? " by name" : "", rc);
	FZ_CHECK(FZ_C_DEVICE, rc == 0, "%s: removal: %d", f->addr, rc);
	return removed(f, begun);
}

/* The engine is reset (probe, replug): lost runs are over. */
static void
engine_reset(struct fz_func *f)
{
	struct fz_chan *r = f->runner;

	f->frozen = fz_descs(f);
	f->may_run = false;
	if (r != NULL && r->d_end == FZ_NEVER)
		r->d_end = f->frozen;
	fz_quarantine_free(f);
}

static int
op_probe(struct fz_func *f)
{
	struct fz_chan *ch;
	unsigned int i;
	int rc;

	if (f->probed)
		return 0;
	FZ_OK(make_room(f));
	rc = plx_test_pci_probe(f->addr, func_args());
	fz_trace("probe %s%s -> %d", f->addr, f->off_bus ? " (off the bus)" :
		"", rc);
	fz_counts[FZ_N_PROBES]++;
	if (f->off_bus) {
		FZ_CHECK(FZ_C_DEVICE, rc < 0 &&
				rte_dma_get_dev_id_by_name(f->addr) < 0,
			"%s: probe of a function off the bus: %d", f->addr, rc);
		return 0;
	}
	FZ_CHECK(FZ_C_DEVICE, rc == 0, "%s: probe: %d", f->addr, rc);
	f->probed = true;
	engine_reset(f);
	rc = fz_chan_new(f, &ch);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	for (i = 0; i < f->nb_held; i++)
		FZ_CHECK(FZ_C_DEVICE, f->held[i]->id != ch->id,
			"%s: re-probed as dmadev %d, the id of held %s", f->addr,
			ch->id, f->held[i]->name);
	f->cur = ch;
	return 0;
}

static int
op_replug(struct fz_func *f)
{
	int rc;

	if (f->probed)
		return 0;
	FZ_OK(fz_func_check(f));
	rc = plx_sim_replug(fz_sim, f->fn);
	fz_trace("replug %s -> %d", f->addr, rc);
	FZ_CHECK(FZ_C_SETUP, rc == 0, "%s: replug: %d", f->addr, rc);
	fz_faults_cleared(f);
	f->off_bus = false;
	engine_reset(f);
	return 0;
}

/* Until the engine has run what it will run of f's live run. */
static int
quiesce(struct fz_func *f)
{
	struct fz_chan *r = f->runner;
	struct plx_wait w = plx_wait_begin(FZ_WAIT_US);

	if (r == NULL || (r->halt != FZ_RUN && r->halt != FZ_HALT_LOST))
		return 0;
	while (fz_run_done(r, fz_descs(f)) < fz_run_target(r)) {
		FZ_OK(fz_func_check(f));
		if (r->halt != FZ_RUN && r->halt != FZ_HALT_LOST)
			break;
		if (!plx_waiting(&w, 0))
			return fz_fail(FZ_C_LIVENESS,
				"%s: the engine stopped at op %" PRIu64 " of %" PRIu64 " submitted",
				r->name, fz_run_done(r, fz_descs(f)),
				fz_run_target(r));
	}
	return 0;
}

static int
inject(struct fz_func *f, enum plx_sim_fault k, uint64_t after)
{
	int rc = plx_sim_inject(fz_sim, f->fn, k, after);

	FZ_CHECK(FZ_C_SETUP, rc == 0, "%s: inject %s: %d", f->addr,
		plx_sim_fault_name(k), rc);
	fz_fault_armed(f, k, fz_descs(f) + after);
	return 0;
}

/*
 * A fault, to strike after a random number of descriptors. The engine
 * is let finish first, so that "after" counts from a known descriptor.
 */
static int
op_fault(struct fz_func *f, struct fz_rng *r)
{
	static const enum plx_sim_fault kinds[] = {
		PLX_SIM_FAULT_READ_FAIL, PLX_SIM_FAULT_READ_FAIL,
		PLX_SIM_FAULT_READ_FAIL, PLX_SIM_FAULT_WRITE_FAIL,
		PLX_SIM_FAULT_WRITE_FAIL, PLX_SIM_FAULT_WRITE_FAIL,
		PLX_SIM_FAULT_STALL, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		PLX_SIM_FAULT_PAUSE_STUCK, PLX_SIM_FAULT_ABORT_STUCK,
	};
	enum plx_sim_fault k = kinds[fz_below(r, RTE_DIM(kinds))];
	struct fz_chan *ch = f->runner;
	uint32_t span = ch != NULL && ch->ring != 0 ? ch->ring : 32;
	uint64_t after = fz_below(r, fz_pct(r, 70) ? 8 : 2 * span);

	if (!(fz_w.faults & FZ_BIT(k)))
		return 0;
	FZ_OK(quiesce(f));
	fz_trace("fault %s after %" PRIu64 " (at descriptor %" PRIu64 ")",
		k == PLX_SIM_FAULT_ABORT_STUCK ? "pause-stuck+abort-stuck" :
			plx_sim_fault_name(k), after, fz_descs(f) + after);
	fz_counts[FZ_N_FAULTS]++;
	/* Abort-stuck only with pause-stuck: the engine is then lost at the
	 * next stop, for sure (see fz_run_halt()). */
	if (k == PLX_SIM_FAULT_ABORT_STUCK)
		FZ_OK(inject(f, PLX_SIM_FAULT_PAUSE_STUCK, after));
	FZ_OK(inject(f, k, after));
	return fz_func_check(f);
}

static int
op_clear(struct fz_func *f)
{
	/* A removal due now strikes first, or the count says nothing. */
	FZ_OK(quiesce(f));
	FZ_OK(fz_func_check(f));
	plx_sim_clear_faults(fz_sim, f->fn);
	fz_faults_cleared(f);
	fz_trace("clear faults");
	return 0;
}

/* --- administrator unbind: VFIO request, REMOVE event, alarm --- */

static uint32_t unbind_events[FZ_MAX_FUNCS];
static bool unbind_registered;

struct unbind_job {
	const char *addr;
	bool by_name;
	int result;
	uint32_t done;
};

static void
unbind_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	int fn = plx_sim_func_of_addr(name);

	RTE_SET_USED(arg);
	if (type == RTE_DEV_EVENT_REMOVE && fn >= 0 && fn < FZ_MAX_FUNCS)
		__atomic_fetch_add(&unbind_events[fn], 1, __ATOMIC_RELEASE);
}

/* Where DPDK lets an application remove a device (not the event). */
static void
unbind_alarm(void *arg)
{
	struct unbind_job *j = arg;

	j->result = plx_test_pci_remove(j->addr, j->by_name);
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
}

int
fz_unbind_init(void)
{
	unsigned int i;

	if (!unbind_registered && rte_dev_event_callback_register(NULL,
			unbind_event, NULL) != 0)
		return fz_fail(FZ_C_SETUP, "cannot register a device event callback");
	unbind_registered = true;
	for (i = 0; i < fz_w.nb_funcs; i++)
		fz_w.funcs[i].unbind_seen = __atomic_load_n(&unbind_events[i],
			__ATOMIC_ACQUIRE);
	return 0;
}

void
fz_unbind_fini(void)
{
	if (unbind_registered)
		rte_dev_event_callback_unregister(NULL, unbind_event, NULL);
	unbind_registered = false;
}

static int
wait_flag(const uint32_t *flag, uint32_t past, const char *what,
		const struct fz_func *f)
{
	struct plx_wait w = plx_wait_begin(FZ_WAIT_US);

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == past)
		if (!plx_waiting(&w, 0))
			return fz_fail(FZ_C_SETUP, "%s: no %s in %u s", f->addr,
				what, FZ_WAIT_US / 1000000);
	return 0;
}

static int
op_unbind(struct fz_func *f, struct fz_rng *r)
{
	struct unbind_job job = { f->addr, fz_pct(r, 50), -EINPROGRESS, 0 };
	uint32_t seen = f->unbind_seen;
	uint64_t begun;
	int rc;

	if (!f->probed)
		return 0;
	FZ_OK(make_room(f));
	begun = fz_descs(f);
	rc = plx_sim_inject(fz_sim, f->fn, PLX_SIM_FAULT_UNBIND_REQUEST, 0);
	FZ_CHECK(FZ_C_SETUP, rc == 0, "%s: unbind request: %d", f->addr, rc);
	FZ_OK(wait_flag(&unbind_events[f->fn], seen, "REMOVE event", f));
	f->unbind_seen = __atomic_load_n(&unbind_events[f->fn],
		__ATOMIC_ACQUIRE);
	FZ_CHECK(FZ_C_SETUP, rte_eal_alarm_set(1, unbind_alarm, &job) == 0,
		"%s: cannot set an alarm", f->addr);
	FZ_OK(wait_flag(&job.done, 0, "removal from the alarm", f));
	fz_trace("unbind request %s: REMOVE event, removal -> %d", f->addr,
		job.result);
	fz_counts[FZ_N_UNBINDS]++;
	FZ_CHECK(FZ_C_DEVICE, job.result == 0, "%s: removal from the alarm: %d",
		f->addr, job.result);
	return removed(f, begun);
}

/* --- advance: one step of the life cycle towards a running channel --- */

static int
advance_chan(struct fz_chan *ch, struct fz_rng *r)
{
	switch (ch->st) {
	case FZ_PROBED:
		return op_configure(ch, r);
	case FZ_CONFIGURED:
		if (dead(ch))
			return op_remove(ch->f, r);
		if (fz_uncollected(ch))
			return op_drain(ch, r);
		if (ch->ring == 0)
			return vchan_setup(ch, FZ_MIN_DESC + fz_below(r, 480), 0,
				RTE_DMA_DIR_MEM_TO_MEM);
		return op_start(ch);
	case FZ_STARTED:
		if (fz_vanished(ch))
			return fz_pct(r, 50) ? op_drain(ch, r) : op_stop(ch, r);
		return op_burst(ch, r);
	default:
		return op_drain(ch, r);
	}
}

static int
op_advance(struct fz_func *f, struct fz_rng *r)
{
	struct fz_chan *h = f->nb_held > 0 ? f->held[0] : NULL;

	if (h != NULL && fz_pct(r, 50))
		return fz_uncollected(h) && fz_pct(r, 50) ? op_drain(h, r) :
			finish(h);
	if (!f->probed)
		return f->off_bus ? op_replug(f) : op_probe(f);
	if (f->cur == NULL)
		return op_remove(f, r);
	return advance_chan(f->cur, r);
}

/* --- dispatch --- */

static const char *const op_names[FZ_OP_MAX] = {
	[FZ_OP_COPY] = "copy",
	[FZ_OP_BURST] = "burst",
	[FZ_OP_SUBMIT] = "submit",
	[FZ_OP_COMPLETED] = "completed",
	[FZ_OP_COMPLETED_STATUS] = "completed_status",
	[FZ_OP_CAPACITY] = "burst_capacity",
	[FZ_OP_DRAIN] = "drain",
	[FZ_OP_INFO] = "info",
	[FZ_OP_ADVANCE] = "advance",
	[FZ_OP_CONFIGURE] = "configure",
	[FZ_OP_VCHAN_SETUP] = "vchan_setup",
	[FZ_OP_START] = "start",
	[FZ_OP_STOP] = "stop",
	[FZ_OP_CLOSE] = "close",
	[FZ_OP_STATS_RESET] = "stats_reset",
	[FZ_OP_FAULT] = "fault",
	[FZ_OP_CLEAR] = "clear_faults",
	[FZ_OP_REMOVE] = "remove",
	[FZ_OP_UNBIND] = "unbind",
	[FZ_OP_PROBE] = "probe",
	[FZ_OP_REPLUG] = "replug",
	[FZ_OP_VERIFY] = "verify",
	[FZ_OP_UNSUPPORTED] = "unsupported",
};

const char *
fz_op_name(enum fz_op_kind k)
{
	return k < FZ_OP_MAX ? op_names[k] : "?";
}

/* Ops on a function as a whole. */
static int
exec_func(struct fz_func *f, const struct fz_step *s, struct fz_rng *r)
{
	switch (s->kind) {
	case FZ_OP_ADVANCE:
		return op_advance(f, r);
	case FZ_OP_FAULT:
		return op_fault(f, r);
	case FZ_OP_CLEAR:
		return op_clear(f);
	case FZ_OP_REMOVE:
		return op_remove(f, r);
	case FZ_OP_UNBIND:
		return op_unbind(f, r);
	case FZ_OP_PROBE:
		return op_probe(f);
	case FZ_OP_REPLUG:
		return op_replug(f);
	default:
		return 1;
	}
}

static int
exec_chan(struct fz_chan *ch, const struct fz_step *s, struct fz_rng *r)
{
	switch (s->kind) {
	case FZ_OP_COPY: return op_copy(ch, r);
	case FZ_OP_BURST: return op_burst(ch, r);
	case FZ_OP_SUBMIT: return op_submit(ch);
	case FZ_OP_COMPLETED: return op_completed(ch, r, false);
	case FZ_OP_COMPLETED_STATUS: return op_completed(ch, r, true);
	case FZ_OP_CAPACITY: return op_capacity(ch);
	case FZ_OP_DRAIN: return op_drain(ch, r);
	case FZ_OP_INFO: return op_info(ch);
	case FZ_OP_CONFIGURE: return op_configure(ch, r);
	case FZ_OP_VCHAN_SETUP: return op_vchan_setup(ch, r);
	case FZ_OP_START: return op_start(ch);
	case FZ_OP_STOP: return op_stop(ch, r);
	case FZ_OP_CLOSE: return op_close(ch);
	case FZ_OP_STATS_RESET: return op_stats_reset(ch);
	case FZ_OP_VERIFY: return fz_slots_verify(ch);
	case FZ_OP_UNSUPPORTED: return op_unsupported(ch, r);
	default: return 0;
	}
}

static void
retire_one(struct fz_chan *ch)
{
	fz_trace("retired %s: stop, close", ch->name);
	rte_dma_stop(ch->id);
	rte_dma_close(ch->id);
	fz_chan_detach(ch);
	fz_chan_free(ch);
}

/* Channels the model gave up on are only closed. */
static void
drop_retired(struct fz_func *f)
{
	unsigned int i;

	if (f->cur != NULL && f->cur->retired)
		retire_one(f->cur);
	for (i = f->nb_held; i-- > 0;)
		if (f->held[i]->retired)
			retire_one(f->held[i]);
}

int
fz_exec(const struct fz_step *s)
{
	struct fz_func *f = &fz_w.funcs[s->fn % fz_w.nb_funcs];
	struct fz_rng r = { s->r };
	struct fz_chan *ch;
	int ret;

	fz_counts[FZ_N_STEPS]++;
	drop_retired(f);
	ret = exec_func(f, s, &r);
	if (ret <= 0)
		return ret;
	ch = fz_chan_pick(f, fz_rand(&r));
	if (ch == NULL) {
		fz_trace("(no dmadev)");
		return 0;
	}
	return exec_chan(ch, s, &r);
}

/* Between steps: the engines did nothing they must not, no stray event. */
int
fz_between_steps(void)
{
	unsigned int i;

	for (i = 0; i < fz_w.nb_funcs; i++) {
		struct fz_func *f = &fz_w.funcs[i];
		uint32_t ev = __atomic_load_n(&unbind_events[i],
			__ATOMIC_ACQUIRE);

		FZ_OK(fz_func_check(f));
		FZ_CHECK(FZ_C_DEVICE, ev == f->unbind_seen,
			"%s: a REMOVE event nobody asked for", f->addr);
	}
	return 0;
}
