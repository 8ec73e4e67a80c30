/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/* One channel under test and the account of its ops: test_plx_chan.h. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dmadev.h>

#include "test_plx_common.h"

int
plx_test_chan_init(struct plx_test_chan *c, struct plx_sim *sim,
		const char *addr, uint64_t wait_us)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->id = -1;
	c->sim = sim;
	c->wait_us = wait_us;
	c->fn = plx_sim_func_of_addr(c->addr);
	CHECK_MSG(c->fn >= 0, "%s is no simulated function", c->addr);
	return 0;
}

int
plx_test_chan_attach(struct plx_test_chan *c)
{
	return plx_test_dev_id(c->addr, &c->id);
}

void
plx_test_chan_reset(struct plx_test_chan *c)
{
	c->handed = c->sub = c->rep = c->errors = c->not_attempted = 0;
	c->last_rc = 0;
	c->last_flags = 0;
}

int
plx_test_chan_start(struct plx_test_chan *c, uint16_t nb_desc)
{
	CHECK_OK(plx_test_start(c->id, nb_desc, &c->nb_desc));
	plx_test_chan_reset(c);
	return 0;
}

int
plx_test_chan_fresh(struct plx_test_chan *c)
{
	uint16_t last = 0;
	bool err = true;

	plx_test_chan_reset(c);
	c->nb_desc = rte_dma_burst_capacity(c->id, 0);
	CHECK_EQ(rte_dma_completed(c->id, 0, 1, &last, &err), 0);
	CHECK_EQ(last, UINT16_MAX);
	CHECK(!err);
	return 0;
}

uint16_t
plx_test_chan_last_idx(const struct plx_test_chan *c)
{
	return (uint16_t)(c->rep - 1);
}

uint64_t
plx_test_chan_descs(const struct plx_test_chan *c)
{
	return plx_sim_desc_count(c->sim, c->fn);
}

int
plx_test_chan_wait_descs(const struct plx_test_chan *c, uint64_t target)
{
	return plx_test_wait_descs(c->sim, c->fn, target, c->wait_us);
}

/* An enqueue returned rc: if it took the op, with the next id. */
static int
enqueued(struct plx_test_chan *c, const char *what, int rc, uint64_t flags)
{
	uint64_t k = c->handed;

	c->last_rc = rc;
	c->last_flags = flags;
	if (rc < 0)
		return 0;
	CHECK_MSG(k - c->rep < c->nb_desc,
		"%s on %s accepted with all %u slots in use", what, c->addr,
		c->nb_desc);
	CHECK_MSG(rc == (uint16_t)k, "%s on %s returned id %d, expected %u",
		what, c->addr, rc, (uint16_t)k);
	c->handed = k + 1;
	if (flags & RTE_DMA_OP_FLAG_SUBMIT)
		c->sub = c->handed;
	return 0;
}

int
plx_test_chan_copy(struct plx_test_chan *c, rte_iova_t src, rte_iova_t dst,
		uint32_t len, uint64_t flags, int *rc)
{
	*rc = rte_dma_copy(c->id, 0, src, dst, len, flags);
	return enqueued(c, "copy", *rc, flags);
}

int
plx_test_chan_copy_sg(struct plx_test_chan *c, struct rte_dma_sge *src,
		struct rte_dma_sge *dst, uint16_t nb_src, uint16_t nb_dst,
		uint64_t flags, int *rc)
{
	*rc = rte_dma_copy_sg(c->id, 0, src, dst, nb_src, nb_dst, flags);
	return enqueued(c, "copy_sg", *rc, flags);
}

int
plx_test_chan_submit(struct plx_test_chan *c)
{
	int rc = rte_dma_submit(c->id, 0);

	if (rc == 0)
		c->sub = c->handed;
	return rc;
}

/* A poll (what) reported n ops, the last one last: the account agrees. */
static int
reported(struct plx_test_chan *c, const char *what, uint16_t n,
		uint16_t last)
{
	CHECK_MSG(n <= c->handed - c->rep,
		"%s on %s reported %u ops, only %" PRIu64 " were handed out and not yet reported (the last copy%s returned %d)",
		what, c->addr, n, c->handed - c->rep,
		(c->last_flags & RTE_DMA_OP_FLAG_SUBMIT) ? ", with SUBMIT," :
			"", c->last_rc);
	CHECK_MSG(last == (uint16_t)(c->rep + n - 1),
		"%s on %s: last_idx %u after %u ops, expected %u", what,
		c->addr, last, n, (uint16_t)(c->rep + n - 1));
	return 0;
}

int
plx_test_chan_completed(struct plx_test_chan *c, uint16_t max, uint16_t *n,
		bool *err)
{
	uint16_t last = 0x5a5a, i;
	uint64_t k = c->rep;

	*err = false;
	*n = rte_dma_completed(c->id, 0, max, &last, err);
	CHECK_OK(reported(c, "completed", *n, last));
	c->rep += *n;
	for (i = 0; c->check != NULL && i < *n; i++)
		CHECK_OK(c->check(c, k + i, RTE_DMA_STATUS_SUCCESSFUL));
	return 0;
}

int
plx_test_chan_completed_status(struct plx_test_chan *c, uint16_t max,
		uint16_t *n, enum rte_dma_status_code *st)
{
	enum rte_dma_status_code buf[PLX_TEST_CHAN_BURST];
	uint16_t last = 0x5a5a, i;
	uint64_t k = c->rep;

	if (st == NULL) {
		st = buf;
		max = RTE_MIN(max, (uint16_t)PLX_TEST_CHAN_BURST);
	}
	*n = rte_dma_completed_status(c->id, 0, max, &last, st);
	CHECK_OK(reported(c, "completed_status", *n, last));
	c->rep += *n;
	for (i = 0; i < *n; i++) {
		if (st[i] != RTE_DMA_STATUS_SUCCESSFUL)
			c->errors++;
		if (st[i] == RTE_DMA_STATUS_NOT_ATTEMPTED)
			c->not_attempted++;
		if (c->check != NULL)
			CHECK_OK(c->check(c, k + i, st[i]));
	}
	return 0;
}

int
plx_test_chan_wait_completed(struct plx_test_chan *c, unsigned int n)
{
	struct plx_wait w = plx_wait_begin(c->wait_us);
	unsigned int got = 0;

	while (got < n) {
		uint16_t k;
		bool err;

		CHECK_OK(plx_test_chan_completed(c, RTE_MIN(n - got, 65535u),
			&k, &err));
		CHECK_MSG(!err, "%s: error after %u of %u completions",
			c->addr, got, n);
		got += k;
		CHECK_MSG(plx_waiting(&w, k),
			"%s: timeout after %u of %u completions", c->addr, got,
			n);
	}
	return 0;
}

int
plx_test_chan_wait_status(struct plx_test_chan *c,
		enum rte_dma_status_code *st, unsigned int n)
{
	struct plx_wait w = plx_wait_begin(c->wait_us);
	unsigned int got = 0;

	while (got < n) {
		uint16_t k;

		CHECK_OK(plx_test_chan_completed_status(c,
			RTE_MIN(n - got, 65535u), &k, st + got));
		got += k;
		CHECK_MSG(plx_waiting(&w, k),
			"%s: timeout after %u of %u statuses", c->addr, got, n);
	}
	return 0;
}

int
plx_test_chan_drain(struct plx_test_chan *c, bool use_ok, uint16_t burst)
{
	struct plx_wait w = plx_wait_begin(c->wait_us);
	bool err = false;
	uint16_t n;

	while (c->rep < c->handed) {
		if (use_ok && !err)
			CHECK_OK(plx_test_chan_completed(c, burst, &n, &err));
		else
			CHECK_OK(plx_test_chan_completed_status(c, burst, &n,
				NULL));
		CHECK_MSG(plx_waiting(&w, n),
			"%s: %" PRIu64 " of %" PRIu64 " ops still unreported after %" PRIu64 " s",
			c->addr, c->handed - c->rep, c->handed,
			c->wait_us / 1000000);
	}
	return 0;
}

int
plx_test_chan_stats_match(const struct plx_test_chan *c, int16_t id)
{
	/* An op disposed of as NOT_ATTEMPTED counts as submitted too. */
	return plx_test_stats_are(id, c->sub + c->not_attempted, c->rep,
		c->errors);
}
