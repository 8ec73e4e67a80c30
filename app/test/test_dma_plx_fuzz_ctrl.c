/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* The fuzzer's control-path ops: configure to close, stats, info. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>

#include "plx_sim_host.h"
#include "test_plx_common.h"
#include "test_dma_plx_fuzz.h"
#include "test_dma_plx_fuzz_ops.h"

/* --- control path --- */

int
fz_op_configure(struct fz_chan *ch, struct fz_rng *r)
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
	FZ_OK(fz_rc_check(ch, "configure", rc, fz_or_ok(exp), fz_log_lines() - l0));
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

int
fz_vchan_setup(struct fz_chan *ch, uint32_t nb, uint16_t vchan,
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
	if (exp == 0 && (fz_uncollected(ch) || ch->halt == FZ_HALT_LOST))
		exp = R_EBUSY | (fz_vanished(ch) ? R_ENODEV : 0);
	if (exp == 0 && fz_dead(ch))
		exp = R_OK | R_ENODEV;
	l0 = fz_log_lines();
	rc = rte_dma_vchan_setup(ch->id, vchan, &conf);
	fz_trace("vchan_setup(vchan %u, dir %d, nb_desc %u) -> %d", vchan, dir,
		nb, rc);
	FZ_OK(fz_rc_check(ch, "vchan_setup", rc, fz_or_ok(exp),
		fz_log_lines() - l0));
	if (rc != 0)
		return 0;
	return fz_ring_set(ch, rte_align32pow2(nb));
}

int
fz_op_vchan_setup(struct fz_chan *ch, struct fz_rng *r)
{
	unsigned int v = fz_below(r, 40);
	enum rte_dma_direction dir = RTE_DMA_DIR_MEM_TO_MEM;

	if (v == 0)
		dir = RTE_DMA_DIR_MEM_TO_DEV;
	else if (v == 1)
		dir = (enum rte_dma_direction)9;
	return fz_vchan_setup(ch, draw_nb_desc(r), v == 2 ? 1 : 0, dir);
}

int
fz_op_start(struct fz_chan *ch)
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
			(fz_dead(ch) ? R_ENODEV : 0);
	l0 = fz_log_lines();
	rc = rte_dma_start(ch->id);
	fz_trace("start -> %d", rc);
	FZ_OK(fz_rc_check(ch, "start", rc, fz_or_ok(exp), fz_log_lines() - l0));
	if (rc == 0 && !ch->lib_started && ch->st != FZ_REMOVED) {
		ch->lib_started = true;
		ch->st = FZ_STARTED;
		fz_run_begin(ch);
	}
	return 0;
}

int
fz_op_stop(struct fz_chan *ch, struct fz_rng *r)
{
	uint64_t begun;
	int rc;

	/* Half the time with the engine idle: an outcome timing cannot
	 * change, so that a shortened sequence replays alike. */
	if (r != NULL && fz_pct(r, 50) && ch->f->runner == ch)
		FZ_OK(fz_quiesce(ch->f));
	begun = fz_descs(ch->f);
	rc = rte_dma_stop(ch->id);

	fz_trace("stop -> %d", rc);
	FZ_OK(fz_rc_check(ch, "stop", rc, R_OK, 0));
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
int
fz_released(struct fz_chan *ch, const char *how)
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

int
fz_op_close(struct fz_chan *ch)
{
	uint64_t l0 = fz_log_lines();
	int rc = rte_dma_close(ch->id);

	fz_trace("close -> %d", rc);
	FZ_OK(fz_rc_check(ch, "close", rc, ch->lib_started ? R_EBUSY : R_OK,
		fz_log_lines() - l0));
	if (rc != 0)
		return 0;
	return fz_released(ch, "close");
}

/* Stop and close (a held channel, to make room). */
int
fz_finish(struct fz_chan *ch)
{
	FZ_OK(fz_op_stop(ch, NULL));
	return fz_op_close(ch);
}

int
fz_op_stats_reset(struct fz_chan *ch)
{
	int rc;

	/* Never-submitted ops of a halted run may count as submitted at the
	 * halt or when reported: a reset between would blur that. */
	if (ch->halt != FZ_RUN && ch->handed > RTE_MAX(ch->sub, ch->rep))
		return 0;
	rc = rte_dma_stats_reset(ch->id, 0);
	fz_trace("stats_reset -> %d", rc);
	FZ_OK(fz_rc_check(ch, "stats_reset", rc, ch->lib_conf ? R_OK : R_EINVAL,
		1));
	if (rc == 0)
		ch->st_rung = ch->st_na_rep = ch->st_rep = ch->st_err = 0;
	return 0;
}

static int
info_check(const struct fz_chan *ch)
{
	const uint64_t capa = RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY |
		RTE_DMA_CAPA_OPS_COPY_SG | RTE_DMA_CAPA_HANDLES_ERRORS;
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
			info.max_sges == FZ_MAX_SGES &&
			(info.dev_capa & capa) == capa &&
			!(info.dev_capa & RTE_DMA_CAPA_SILENT),
		"%s: info of dmadev %d: %u vchans of %u, %u..%u descriptors, %u segments, capa 0x%" PRIx64,
		ch->name, ch->id, info.nb_vchans, info.max_vchans,
		info.min_desc, info.max_desc, info.max_sges, info.dev_capa);
	return 0;
}

/* info, stats, dump, vchan status: they work in every state. */
int
fz_op_info(struct fz_chan *ch)
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
