/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The START latch (plx_hw.rst, :ref:`plx_hw_prefetch`). A descriptor is
 * made valid while the engine copies large ones before it, after the
 * engine has had the chance to prefetch it as invalid; the question is
 * whether a START written then rescues it. That needs the engine to
 * prefetch at all, so a control run first makes the descriptor valid
 * without START: it must be left behind at least once, or there is
 * nothing for a latch to do. A run in which the large copies were already
 * written back when the START went out says nothing and is repeated.
 */

#include <errno.h>
#include <inttypes.h>

#include <rte_cycles.h>

#include "plx_selftest.h"

#define ST_LATCH_TRIES		64	/* runs, each stage, at most */
#define ST_LATCH_RUNS		3	/* rescues needed for a PASS */
/* Large copies before the late descriptor: as many as are fetched ahead. */
#define ST_LATCH_BIG		(PLX_PREF_LIMIT_4_DESC / 2 - 1)
/* Time for the engine to fetch ahead once it runs. */
#define ST_LATCH_PREFETCH_US	20

enum st_latch {
	ST_LATCH_MISSED,	/* the large copy was done too soon */
	ST_LATCH_RAN,
	ST_LATCH_STRANDED,
	ST_LATCH_ERROR,
};

/*
 * Large copies 0 .. ST_LATCH_BIG - 1, then the small one that is made
 * valid late: with four descriptors fetched ahead, the engine holds a
 * snapshot of it from the start and works through every large copy before
 * it reaches it, which leaves the host that long to race it.
 */
static enum st_latch
latch_try(struct st_dev *d, bool with_start)
{
	const unsigned int last = ST_LATCH_BIG - 1, late = ST_LATCH_BIG;
	uint32_t ctrl, wb;
	unsigned int i;
	bool busy;

	st_ring_program(d, 0);
	for (i = 0; i <= last; i++)
		st_desc(d, i, d->big_src_iova, d->big_dst_iova,
			(uint32_t)d->big_len, true);
	st_desc(d, late, d->small_src_iova, d->small_dst_iova, 64, false);
	st_start(d);
	if (st_ctrl_settled(d, &ctrl) != 0)
		return ST_LATCH_ERROR;
	rte_delay_us_block(ST_LATCH_PREFETCH_US);
	st_desc_set_valid(d, late);
	if (with_start)
		st_start(d);
	busy = st_desc_flags(d, last) & PLX_DESC_VALID;
	if (st_wait_desc(d, last) != 0 || st_wait_stopped(d, &ctrl) != 0)
		return ST_LATCH_ERROR;
	/* Stopped, either after the late one or at it. */
	wb = st_desc_flags(d, late);
	if (!busy)
		return ST_LATCH_MISSED;
	return (wb & PLX_DESC_VALID) ? ST_LATCH_STRANDED : ST_LATCH_RAN;
}

/* Without START: 1 if a descriptor was left behind, 0 if never, < 0. */
static int
latch_control(struct st_dev *d, unsigned int *ran)
{
	unsigned int i;

	*ran = 0;
	for (i = 0; i < ST_LATCH_TRIES; i++) {
		enum st_latch r = latch_try(d, false);

		if (st_stop(d) != 0 || r == ST_LATCH_ERROR)
			return -EIO;
		if (r == ST_LATCH_STRANDED)
			return 1;
		if (r == ST_LATCH_RAN)
			(*ran)++;
	}
	return 0;
}

void
st_check_start_latch(struct st_dev *d, struct st_outcome *o)
{
	unsigned int i, ran = 0, rescued = 0;
	int ret = latch_control(d, &ran);

	if (ret < 0) {
		st_set(o, ST_DIFFERS, "a large copy did not complete within "
			"%" PRIu64 " ms", d->timeout_us / 1000);
		return;
	}
	if (ret == 0 && ran > 0) {
		st_set(o, ST_SKIPPED, "the engine never left behind a "
			"descriptor made valid during a copy, even without "
			"START: nothing to latch");
		return;
	}
	if (ret == 0) {
		st_set(o, ST_SKIPPED, "copies of %zu bytes end too soon to "
			"race the engine", d->big_len);
		return;
	}
	for (i = 0; i < ST_LATCH_TRIES && rescued < ST_LATCH_RUNS; i++) {
		enum st_latch r = latch_try(d, true);

		if (st_stop(d) != 0 || r == ST_LATCH_ERROR) {
			st_set(o, ST_DIFFERS, "the engine did not stop "
				"after a large copy");
			return;
		}
		if (r == ST_LATCH_STRANDED) {
			st_set(o, ST_DIFFERS, "a START written during a copy "
				"was forgotten: the descriptor made valid "
				"before it was left behind");
			return;
		}
		rescued += r == ST_LATCH_RAN;
	}
	if (rescued < ST_LATCH_RUNS)
		st_set(o, ST_SKIPPED, "copies of %zu bytes end too soon to "
			"race the engine", d->big_len);
	else
		st_set(o, ST_PASS, "left behind without START, fetched again "
			"with it (%u of %u)", rescued, rescued);
}
