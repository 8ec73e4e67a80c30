/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "plx_fwd.h"

/* Every counter of struct fwd_lane_stats is a uint64_t. */
#define NB_COUNTERS	(sizeof(struct fwd_lane_stats) / sizeof(uint64_t))
static_assert(sizeof(struct fwd_lane_stats) % sizeof(uint64_t) == 0,
	"fwd_lane_stats holds uint64_t counters only");

static const char *const hold_names[FWD_HOLD_MAX] = {
	[FWD_HOLD_QUEUE] = "queue full",
	[FWD_HOLD_RING] = "DMA ring full",
	[FWD_HOLD_NOMEM] = "no mbuf",
};

static const char *const drop_names[FWD_DROP_MAX] = {
	[FWD_DROP_TX] = "port took no more",
	[FWD_DROP_UNCOPIED] = "never copied",
};

/* Add the counters of the lanes of port (or of all, port < 0). */
static void
sum_lanes(struct fwd_lane_stats *sum, int port)
{
	uint64_t *to = (uint64_t *)sum;
	unsigned int i, k;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < fwd_nb_lanes; i++) {
		const uint64_t *from = (const uint64_t *)&fwd_lanes[i].st;

		if (port >= 0 && fwd_lanes[i].port != port)
			continue;
		for (k = 0; k < NB_COUNTERS; k++)
			to[k] += rte_atomic_load_explicit(&from[k], rte_memory_order_relaxed);
	}
}

static uint64_t
sum_of(const uint64_t *v, unsigned int n)
{
	uint64_t s = 0;

	while (n-- > 0)
		s += v[n];
	return s;
}

static uint64_t
cpu_copies(const struct fwd_lane_stats *s)
{
	return s->copies[FWD_HOW_CPU] + s->copies[FWD_HOW_FALLBACK] +
		s->copies[FWD_HOW_RETRY];
}

static uint64_t
dma_failures(const struct fwd_lane_stats *s)
{
	return sum_of(s->dma_status, FWD_STATUS_MAX) -
		s->dma_status[RTE_DMA_STATUS_SUCCESSFUL] + s->dma_rejected;
}

/* --- the progress line --- */

static uint64_t
inflight(void)
{
	uint64_t n = 0;
	uint16_t i;

	for (i = 0; i < fwd_nb_lanes; i++)
		n += rte_atomic_load_explicit(&fwd_lanes[i].chan.inflight,
			rte_memory_order_relaxed);
	return n;
}

void
fwd_stats_tick(uint64_t now)
{
	static uint64_t start, next, last_tx;
	uint64_t hz = rte_get_tsc_hz();
	struct fwd_lane_stats s;

	if (fwd_opts.stats_interval == 0)
		return;
	if (start == 0) {
		start = now;
		next = now + fwd_opts.stats_interval * hz;
	}
	if (now < next)
		return;
	sum_lanes(&s, -1);
	printf("[%7.1f s] rx %" PRIu64 " tx %" PRIu64 " (%.0f pkt/s)"
		" | dma %" PRIu64 " cpu %" PRIu64 " (fallback %" PRIu64
		", retried %" PRIu64 ") | dma failures %" PRIu64
		" | waits %" PRIu64 " dropped %" PRIu64 " | in flight %" PRIu64
		"\n", (double)(now - start) / hz, s.rx, s.tx,
		(s.tx - last_tx) / fwd_opts.stats_interval,
		s.copies[FWD_HOW_DMA], cpu_copies(&s),
		s.copies[FWD_HOW_FALLBACK], s.copies[FWD_HOW_RETRY],
		dma_failures(&s), sum_of(s.holds, FWD_HOLD_MAX),
		sum_of(s.drops, FWD_DROP_MAX), inflight());
	last_tx = s.tx;
	next += fwd_opts.stats_interval * hz;
	if (next < now)
		next = now + fwd_opts.stats_interval * hz;
}

/* --- final statistics --- */

static void
print_port(uint16_t port)
{
	struct fwd_lane_stats s;
	struct rte_eth_stats es;

	sum_lanes(&s, port);
	printf("Port %u: rx %" PRIu64 ", tx %" PRIu64 ", dma copies %" PRIu64
		", cpu copies %" PRIu64 ", dma failures %" PRIu64
		", drops %" PRIu64 "\n", port, s.rx, s.tx,
		s.copies[FWD_HOW_DMA], cpu_copies(&s), dma_failures(&s),
		sum_of(s.drops, FWD_DROP_MAX));
	if (rte_eth_stats_get(port, &es) == 0)
		printf("    ethdev: rx %" PRIu64 ", tx %" PRIu64 ", rx missed %"
			PRIu64 ", rx errors %" PRIu64 ", rx no mbuf %" PRIu64
			", tx errors %" PRIu64 "\n", es.ipackets, es.opackets,
			es.imissed, es.ierrors, es.rx_nombuf, es.oerrors);
}

static const char *const status_names[FWD_STATUS_MAX] = {
	[RTE_DMA_STATUS_SUCCESSFUL] = "successful",
	[RTE_DMA_STATUS_USER_ABORT] = "user abort",
	[RTE_DMA_STATUS_NOT_ATTEMPTED] = "not attempted",
	[RTE_DMA_STATUS_INVALID_SRC_ADDR] = "invalid source",
	[RTE_DMA_STATUS_INVALID_DST_ADDR] = "invalid destination",
	[RTE_DMA_STATUS_INVALID_LENGTH] = "invalid length",
	[RTE_DMA_STATUS_BUS_READ_ERROR] = "bus read error",
	[RTE_DMA_STATUS_BUS_WRITE_ERROR] = "bus write error",
	[RTE_DMA_STATUS_DEV_LINK_ERROR] = "device link error",
	[RTE_DMA_STATUS_ERROR_UNKNOWN] = "other error",
};

/* "title: name n, name n" for the named, non-zero counters (all: any). */
static void
print_list(const char *title, const uint64_t *v, const char *const *names,
		unsigned int n, bool all)
{
	const char *sep = " ";
	unsigned int i;

	printf("    %s:", title);
	for (i = 0; i < n; i++) {
		if (names[i] == NULL || (!all && v[i] == 0))
			continue;
		printf("%s%s %" PRIu64, sep, names[i], v[i]);
		sep = ", ";
	}
	printf("\n");
}

static void
print_lane(const struct fwd_lane *l)
{
	const struct fwd_lane_stats *s = &l->st;
	const struct fwd_chan *c = &l->chan;

	printf("Channel %u (port %u queue %u): DMA device %s\n", l->idx,
		l->port, l->queue, c->name[0] != '\0' ? c->name : "none");
	printf("    rx %" PRIu64 ", tx %" PRIu64 "; copies: dma %" PRIu64
		", cpu %" PRIu64 ", cpu fallback %" PRIu64 ", cpu retry %"
		PRIu64 "\n", s->rx, s->tx, s->copies[FWD_HOW_DMA],
		s->copies[FWD_HOW_CPU], s->copies[FWD_HOW_FALLBACK],
		s->copies[FWD_HOW_RETRY]);
	printf("    dma: segments %" PRIu64 " (%" PRIu64 " packets as one "
		"scatter-gather op), failures %" PRIu64
		" (refused %" PRIu64 "), channel lost %" PRIu64
		", stalled %" PRIu64 ", re-probed %" PRIu64 "\n", s->dma_ops,
		s->dma_sg_ops, dma_failures(s), s->dma_rejected, s->removals, s->stalls,
		s->reprobes);
	printf("    dmadev: submitted %" PRIu64 ", completed %" PRIu64
		", errors %" PRIu64 "\n", c->closed.submitted,
		c->closed.completed, c->closed.errors);
	print_list("dma statuses", s->dma_status, status_names,
		FWD_STATUS_MAX, false);
	print_list("waited (packets)", s->holds, hold_names, FWD_HOLD_MAX, true);
	printf("    rx paused for mbufs: %" PRIu64 "\n", s->rx_paused);
	print_list("drops", s->drops, drop_names, FWD_DROP_MAX, true);
}

static void
print_rate(uint64_t pkts, uint64_t bytes)
{
	uint64_t first = UINT64_MAX, last = 0;
	uint16_t i;
	double secs;

	for (i = 0; i < fwd_nb_lanes; i++) {
		if (fwd_lanes[i].st.rx == 0)
			continue;
		first = RTE_MIN(first, fwd_lanes[i].first_rx);
		last = RTE_MAX(last, fwd_lanes[i].last_tx);
	}
	if (last <= first)
		return;
	secs = (double)(last - first) / rte_get_tsc_hz();
	printf("Rate: %" PRIu64 " packets, %" PRIu64 " bytes in %.3f s "
		"(first rx to last tx): %.0f pkt/s, %.3f Gbit/s\n", pkts, bytes,
		secs, pkts / secs, bytes * 8 / secs / 1e9);
}

/* Call with the dmadevs closed (their counters kept in the lanes). */
void
fwd_stats_final(void)
{
	struct fwd_lane_stats s;
	uint16_t i, port = UINT16_MAX;

	printf("\n== final statistics ==\n");
	for (i = 0; i < fwd_nb_lanes; i++) {
		if (fwd_lanes[i].port != port)
			print_port(fwd_lanes[i].port);
		port = fwd_lanes[i].port;
	}
	for (i = 0; i < fwd_nb_lanes; i++)
		print_lane(&fwd_lanes[i]);
	sum_lanes(&s, -1);
	print_rate(s.tx, s.tx_bytes);
	printf("totals: rx=%" PRIu64 " tx=%" PRIu64 " dma=%" PRIu64
		" cpu=%" PRIu64 " fallback=%" PRIu64 " retry=%" PRIu64
		" dma_segments=%" PRIu64 " dma_sg=%" PRIu64
		" dma_failures=%" PRIu64
		" lost=%" PRIu64 " stalled=%" PRIu64 " reprobed=%" PRIu64
		" waits=%" PRIu64 " dropped=%" PRIu64 "\n",
		s.rx, s.tx, s.copies[FWD_HOW_DMA], s.copies[FWD_HOW_CPU],
		s.copies[FWD_HOW_FALLBACK], s.copies[FWD_HOW_RETRY], s.dma_ops,
		s.dma_sg_ops, dma_failures(&s), s.removals, s.stalls, s.reprobes,
		sum_of(s.holds, FWD_HOLD_MAX), sum_of(s.drops, FWD_DROP_MAX));
}
