/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * One channel under test: vchan 0 of the dmadev of a simulated function,
 * and the account of its ops since the last start. Op k got id
 * (uint16_t)k; every completion poll is checked against the account
 * (never more ops than are outstanding, last_idx where the count says).
 * Whoever runs the channel's fast path owns it (one lcore at a time).
 * Included by test_plx_common.h.
 */

#ifndef TEST_PLX_CHAN_H
#define TEST_PLX_CHAN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_dev.h>
#include <rte_dmadev.h>

struct plx_sim;

/* Statuses one poll collects at most when the caller gives no array. */
#define PLX_TEST_CHAN_BURST	1024

struct plx_test_chan {
	struct plx_sim *sim;	/* or NULL, not under dpdk-plx-sim */
	int fn;			/* simulator function */
	int16_t id;
	char addr[RTE_DEV_NAME_MAX_LEN];	/* "0000:03:00.1" */
	uint16_t nb_desc;	/* ring size since the last start */
	uint64_t wait_us;	/* longest wait without progress */
	uint64_t handed;	/* ids handed out by copy() */
	uint64_t sub;		/* of those, submitted */
	uint64_t rep;		/* of those, reported */
	uint64_t errors;	/* reported with a failure */
	uint64_t not_attempted;	/* reported NOT_ATTEMPTED: never submitted */
	int last_rc;		/* of the last copy, and its flags */
	uint64_t last_flags;
	/* If set: checks each op k the channel reports, in report order. */
	int (*check)(struct plx_test_chan *c, uint64_t k,
		enum rte_dma_status_code st);
};

/* The channel of function addr; no dmadev looked up yet. */
int plx_test_chan_init(struct plx_test_chan *c, struct plx_sim *sim,
	const char *addr, uint64_t wait_us);
/* The dmadev now named addr. */
int plx_test_chan_attach(struct plx_test_chan *c);
/* Ids begin again at 0 (after a start). */
void plx_test_chan_reset(struct plx_test_chan *c);
/* Configure (nb_desc, rounded up) and start; the account begins anew. */
int plx_test_chan_start(struct plx_test_chan *c, uint16_t nb_desc);
/* Right after a start: nothing completed, last_idx UINT16_MAX. */
int plx_test_chan_fresh(struct plx_test_chan *c);

/* The id of the last op reported. */
uint16_t plx_test_chan_last_idx(const struct plx_test_chan *c);
/* Descriptors the function's engine has processed. */
uint64_t plx_test_chan_descs(const struct plx_test_chan *c);
/* Until the engine has processed exactly target descriptors. */
int plx_test_chan_wait_descs(const struct plx_test_chan *c, uint64_t target);

/*
 * rte_dma_copy(): *rc what it returned. An op it accepts must have the
 * next id and a free slot; it is counted (and submitted with SUBMIT).
 */
int plx_test_chan_copy(struct plx_test_chan *c, rte_iova_t src,
	rte_iova_t dst, uint32_t len, uint64_t flags, int *rc);
/* rte_dma_copy_sg(), likewise: one op, one id. */
int plx_test_chan_copy_sg(struct plx_test_chan *c,
	struct rte_dma_sge *src, struct rte_dma_sge *dst,
	uint16_t nb_src, uint16_t nb_dst, uint64_t flags, int *rc);
/* rte_dma_submit(); what it returned. */
int plx_test_chan_submit(struct plx_test_chan *c);

/* One completed() call: *n successful ops, *err as the PMD says. */
int plx_test_chan_completed(struct plx_test_chan *c, uint16_t max,
	uint16_t *n, bool *err);
/*
 * One completed_status() call: *n ops reported, their statuses in st
 * (NULL: at most PLX_TEST_CHAN_BURST, not kept).
 */
int plx_test_chan_completed_status(struct plx_test_chan *c, uint16_t max,
	uint16_t *n, enum rte_dma_status_code *st);
/* Collect n successful completions. */
int plx_test_chan_wait_completed(struct plx_test_chan *c, unsigned int n);
/* Collect n statuses into st. */
int plx_test_chan_wait_status(struct plx_test_chan *c,
	enum rte_dma_status_code *st, unsigned int n);
/*
 * Poll until every op handed out is reported, burst at a time: with
 * completed() until it flags an error when use_ok (as an application
 * that only looks at failures would), else with completed_status().
 */
int plx_test_chan_drain(struct plx_test_chan *c, bool use_ok,
	uint16_t burst);
/* The PMD's counters of dmadev id agree with what the channel saw. */
int plx_test_chan_stats_match(const struct plx_test_chan *c, int16_t id);

#endif /* TEST_PLX_CHAN_H */
