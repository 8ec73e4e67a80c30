/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The data path of one lane: receive, copy (DMA or CPU), keep the order,
 * finalise (failed DMA copies redone by the CPU, MAC update), transmit.
 */

#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_memcpy.h>

#include "plx_fwd.h"

int
fwd_lane_init(struct fwd_lane *l, uint16_t idx, uint16_t port,
		uint16_t queue)
{
	/* Room for a full DMA ring of packets and the CPU copies behind. */
	uint32_t size = rte_align32pow2(2u * fwd_opts.ring_size +
		2u * fwd_opts.burst);

	memset(l, 0, sizeof(*l));
	l->idx = idx;
	l->port = port;
	l->queue = queue;
	l->ring = calloc(size, sizeof(*l->ring));
	if (l->ring == NULL)
		return -ENOMEM;
	l->mask = size - 1;
	l->sim_next = UINT64_MAX;
	rte_eth_macaddr_get(port, &l->mac);
	fwd_chan_init(&l->chan);
	return 0;
}

void
fwd_lane_free(struct fwd_lane *l)
{
	free(l->ring);
	l->ring = NULL;
	pthread_mutex_destroy(&l->chan.ctl_lock);
}

bool
fwd_lane_empty(const struct fwd_lane *l)
{
	return l->head == l->tail && l->nb_held == 0 && l->chan.inflight == 0;
}

/* --- copying --- */

static void
copy_cpu(const struct rte_mbuf *src, struct rte_mbuf *dst)
{
	for (; src != NULL; src = src->next, dst = dst->next)
		rte_memcpy(rte_pktmbuf_mtod(dst, void *),
			rte_pktmbuf_mtod(src, const void *), src->data_len);
}

static void
copy_metadata(const struct rte_mbuf *src, struct rte_mbuf *dst)
{
	dst->pkt_len = src->pkt_len;
	dst->port = src->port;
	dst->packet_type = src->packet_type;
	dst->vlan_tci = src->vlan_tci;
	dst->vlan_tci_outer = src->vlan_tci_outer;
	dst->hash = src->hash;
}

/*
 * A chain of new mbufs with the layout of src: same segment count, data
 * offsets and lengths (the mbufs come from the same pool). NULL when the
 * pool is empty.
 */
static struct rte_mbuf *
copy_alloc(const struct rte_mbuf *src)
{
	struct rte_mbuf *head = NULL, **link = &head;
	const struct rte_mbuf *s;

	for (s = src; s != NULL; s = s->next) {
		struct rte_mbuf *d = rte_pktmbuf_alloc(fwd_pool);

		if (d == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		d->data_off = s->data_off;
		d->data_len = s->data_len;
		*link = d;
		link = &d->next;
	}
	head->nb_segs = src->nb_segs;
	copy_metadata(src, head);
	return head;
}

static uint16_t
dma_segs(const struct rte_mbuf *m)
{
	uint16_t n = 0;

	for (; m != NULL; m = m->next)
		n += m->data_len != 0;
	return n;
}

static enum fwd_how
copy_how(const struct fwd_lane *l, const struct rte_mbuf *m)
{
	if (fwd_opts.mode == FWD_COPY_CPU ||
			(fwd_opts.mode == FWD_COPY_AUTO &&
			 m->pkt_len < fwd_opts.cpu_threshold))
		return FWD_HOW_CPU;
	if (l->chan.state != FWD_CHAN_ACTIVE)
		return FWD_HOW_FALLBACK;
	/* More segments than the whole ring would wait forever. */
	if (m->nb_segs > fwd_opts.ring_size)
		return FWD_HOW_CPU;
	return FWD_HOW_DMA;
}

/* --- the in-order queue --- */

static inline struct fwd_entry *
entry(const struct fwd_lane *l, uint32_t pos)
{
	return &l->ring[pos & l->mask];
}

/* Move dma_pos past every packet whose copy is fully reported. */
static void
skip_done(struct fwd_lane *l)
{
	while (l->dma_pos != l->tail && entry(l, l->dma_pos)->dma_left == 0)
		l->dma_pos++;
}

/* Attribute n DMA completions, in order, to the packets waiting for them. */
void
fwd_lane_account(struct fwd_lane *l, const enum rte_dma_status_code *status,
		uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct fwd_entry *e;

		skip_done(l);
		if (unlikely(l->dma_pos == l->tail)) {
			FWD_LOG(ERR, "lane %u: %u completions nobody waits for",
				l->idx, n - i);
			return;
		}
		e = entry(l, l->dma_pos);
		e->dma_left--;
		l->st.dma_status[RTE_MIN((unsigned int)status[i],
			FWD_STATUS_MAX - 1u)]++;
		if (status[i] != RTE_DMA_STATUS_SUCCESSFUL)
			e->redo = true;
	}
	skip_done(l);
}

static void
hold(struct fwd_lane *l, enum fwd_hold why)
{
	if (l->holding != why)
		l->st.holds[why]++;
	l->holding = why;
}

/* Put m into the queue and start its copy; false: it has to wait. */
static bool
queue_packet(struct fwd_lane *l, struct rte_mbuf *m)
{
	enum fwd_how how = copy_how(l, m);
	struct fwd_entry *e;
	struct rte_mbuf *dst;

	if (l->tail - l->head > l->mask) {
		hold(l, FWD_HOLD_QUEUE);
		return false;
	}
	if (how == FWD_HOW_DMA && !fwd_chan_room(l, dma_segs(m))) {
		if (l->chan.state == FWD_CHAN_ACTIVE) {
			hold(l, FWD_HOLD_RING);
			return false;
		}
		how = FWD_HOW_FALLBACK;
	}
	dst = copy_alloc(m);
	if (dst == NULL) {
		hold(l, FWD_HOLD_NOMEM);
		return false;
	}
	l->holding = FWD_HOLD_NONE;
	e = entry(l, l->tail++);
	e->src = m;
	e->dst = dst;
	e->dma_left = 0;
	e->how = how;
	e->redo = false;
	if (how == FWD_HOW_DMA)
		fwd_chan_enqueue(l, e);
	else
		copy_cpu(m, dst);
	return true;
}

static void
process_held(struct fwd_lane *l)
{
	while (l->held_pos < l->nb_held &&
			queue_packet(l, l->held[l->held_pos]))
		l->held_pos++;
	if (l->held_pos == l->nb_held)
		l->nb_held = l->held_pos = 0;
}

/*
 * Whether the pool can take a burst of jumbo frames. A port given no mbuf
 * drops the packet (net_pcap even after taking it from the file), so rx
 * waits while the copies in flight hold the pool.
 */
static bool
pool_low(struct fwd_lane *l)
{
	bool low = rte_mempool_avail_count(fwd_pool) <
		(unsigned int)fwd_opts.burst * FWD_RX_SEGS;

	if (low && !l->rx_paused)
		l->st.rx_paused++;
	l->rx_paused = low;
	return low;
}

static uint16_t
receive(struct fwd_lane *l)
{
	uint16_t n;

	if (unlikely(pool_low(l)))
		return 0;
	n = rte_eth_rx_burst(l->port, l->queue, l->held, fwd_opts.burst);
	if (n == 0)
		return 0;
	if (l->st.rx == 0)
		l->first_rx = rte_get_tsc_cycles();
	l->st.rx += n;
	l->nb_held = n;
	l->held_pos = 0;
	return n;
}

/* --- finalising and sending --- */

/* As examples/dma: to 02:00:00:00:00:<port>, from the port's address. */
static void
update_mac(struct rte_mbuf *m, const struct fwd_lane *l)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr dst = {
		.addr_bytes = { 0x02, 0, 0, 0, 0, (uint8_t)l->port },
	};

	if (m->data_len < sizeof(*eth))
		return;
	rte_ether_addr_copy(&dst, &eth->dst_addr);
	rte_ether_addr_copy(&l->mac, &eth->src_addr);
}

static void
finalise(struct fwd_lane *l, struct fwd_entry *e)
{
	if (e->redo) {
		copy_cpu(e->src, e->dst);
		e->how = FWD_HOW_RETRY;
	}
	l->st.copies[e->how]++;
	if (fwd_opts.mac_updating)
		update_mac(e->dst, l);
	rte_pktmbuf_free(e->src);
	e->src = NULL;
}

static void
finalise_ready(struct fwd_lane *l)
{
	skip_done(l);
	for (; l->ready != l->dma_pos; l->ready++)
		finalise(l, entry(l, l->ready));
}

static void
transmit(struct fwd_lane *l)
{
	struct rte_mbuf *pkts[FWD_MAX_BURST];
	uint32_t len[FWD_MAX_BURST];
	uint16_t n, i, sent;

	do {
		n = RTE_MIN(l->ready - l->head, (uint32_t)fwd_opts.burst);
		if (n == 0)
			return;
		for (i = 0; i < n; i++) {
			pkts[i] = entry(l, l->head + i)->dst;
			len[i] = pkts[i]->pkt_len;
		}
		sent = rte_eth_tx_burst(l->port, l->queue, pkts, n);
		l->head += sent;
		l->st.tx += sent;
		for (i = 0; i < sent; i++)
			l->st.tx_bytes += len[i];
		if (sent != 0)
			l->last_tx = rte_get_tsc_cycles();
	} while (sent == n);
}

/* One round: completions, sending, receiving, copying, submitting. */
void
fwd_lane_poll(struct fwd_lane *l, bool rx_on)
{
	uint16_t got = 0;

	bool blocked = rte_atomic_load_explicit(&l->rx_blocked, rte_memory_order_acquire);

	fwd_chan_poll(l);
	finalise_ready(l);
	transmit(l);
	if (l->nb_held == 0 && rx_on && !blocked)
		got = receive(l);
	if (l->nb_held != 0)
		process_held(l);
	fwd_chan_submit(l);
	if (got != 0 || blocked || !fwd_lane_empty(l))
		rte_atomic_store_explicit(&l->last_busy, rte_get_tsc_cycles(),
			rte_memory_order_relaxed);
	fwd_sim_poll(l);
}

/* Give up on whatever is left (exit timed out): count and free it. */
void
fwd_lane_drop_all(struct fwd_lane *l)
{
	for (; l->head != l->tail; l->head++) {
		struct fwd_entry *e = entry(l, l->head);

		l->st.drops[FWD_DROP_TX]++;
		rte_pktmbuf_free(e->src);
		rte_pktmbuf_free(e->dst);
	}
	l->ready = l->dma_pos = l->tail;
	for (; l->held_pos < l->nb_held; l->held_pos++) {
		l->st.drops[FWD_DROP_UNCOPIED]++;
		rte_pktmbuf_free(l->held[l->held_pos]);
	}
	l->nb_held = l->held_pos = 0;
}
