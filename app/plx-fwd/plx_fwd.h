/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_FWD_H
#define PLX_FWD_H

/*
 * dpdk-plx-fwd: forward every packet of every port back out of the same
 * port and queue as a copy made by a DMA channel (dma_plx) or the CPU.
 *
 * A lane is one rx/tx queue pair of one port. It owns one DMA channel and
 * an in-order queue of the packets it has received and not yet sent:
 *
 *   head ........ ready ........ dma_pos ........ tail
 *   copied and     copied,        oldest packet    next free entry
 *   finalised,     not yet        whose DMA copy
 *   waiting for    finalised      is not fully
 *   tx                            reported
 *
 * DMA completions arrive in order per channel; a packet copied by the CPU
 * waits in the queue behind the DMA copies issued before it, so packets
 * leave in the order they arrived.
 */

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>

#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_log.h>

#include "plx_dma_compat.h"

#define RTE_LOGTYPE_PLX_FWD	RTE_LOGTYPE_USER1
#define FWD_LOG(level, fmt, ...) \
	RTE_LOG(level, PLX_FWD, fmt "\n", ##__VA_ARGS__)

#define FWD_MAX_BURST		256
/* Segments a received packet may take (9000-byte frames take 5). */
#define FWD_RX_SEGS		8
/* Segments of one scatter-gather op, at most (of those of a packet). */
#define FWD_MAX_SGES		16
#define FWD_MAX_LANES		64
#define FWD_STATUS_MAX		(RTE_DMA_STATUS_ERROR_UNKNOWN + 1)

enum fwd_copy_mode {
	FWD_COPY_DMA,
	FWD_COPY_CPU,
	FWD_COPY_AUTO,		/* CPU below the size threshold, else DMA */
};

/* Who copied a packet; counted when the packet is finalised. */
enum fwd_how {
	FWD_HOW_DMA,		/* the DMA channel */
	FWD_HOW_CPU,		/* the CPU, by copy mode or size */
	FWD_HOW_FALLBACK,	/* the CPU: the lane had no usable channel */
	FWD_HOW_RETRY,		/* the CPU, after the DMA copy failed */
	FWD_HOW_MAX
};

/* Why a packet was dropped (only when the exit drain times out). */
enum fwd_drop {
	FWD_DROP_TX,		/* copied, but the port took no more */
	FWD_DROP_UNCOPIED,	/* received, but never copied */
	FWD_DROP_MAX
};

/* Why a received packet had to wait before being copied. */
enum fwd_hold {
	FWD_HOLD_NONE,
	FWD_HOLD_QUEUE,		/* the lane's in-order queue is full */
	FWD_HOLD_RING,		/* the DMA ring is full */
	FWD_HOLD_NOMEM,		/* no mbuf for the copy */
	FWD_HOLD_MAX
};

struct fwd_opts {
	uint64_t portmask;
	uint16_t nb_queues;
	uint16_t burst;
	uint16_t ring_size;		/* DMA descriptors per channel */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	uint32_t max_frame;		/* 0: the port's default */
	enum fwd_copy_mode mode;
	uint32_t cpu_threshold;		/* auto: CPU below this many bytes */
	int mac_updating;
	double stats_interval;		/* seconds, 0: no periodic line */
	uint32_t exit_on_idle_ms;	/* 0: run until a signal */
	uint32_t dma_timeout_ms;	/* no completion for that long: stall */
	uint32_t drain_timeout_ms;	/* at exit */
};

extern struct fwd_opts fwd_opts;
extern struct rte_mempool *fwd_pool;
extern volatile bool fwd_quit;

enum fwd_chan_state {
	FWD_CHAN_NONE,		/* no DMA channel: the CPU copies */
	FWD_CHAN_ACTIVE,	/* copies go to the DMA channel */
	FWD_CHAN_DRAINING,	/* lost: collecting what it was given */
};

struct fwd_chan {
	int16_t dev_id;			/* -1: none */
	enum fwd_chan_state state;
	char name[RTE_DEV_NAME_MAX_LEN];	/* PCI address */
	uint16_t unsubmitted;
	uint16_t max_sges;		/* segments of one SG op, 0: no SG */
	uint64_t inflight;		/* copies accepted, not yet reported */
	uint64_t last_progress;		/* TSC */
	struct rte_dma_stats closed;	/* of dmadevs closed before */
	/* Shared with the interrupt thread (device events, alarms). */
	pthread_mutex_t ctl_lock;	/* removal, re-probe, stop and close */
	bool remove_req;		/* the device is to be removed */
	bool removed;			/* ... and its removal has run */
	int16_t new_dev_id;		/* re-probed dmadev, -1: none */
};

struct fwd_entry {
	struct rte_mbuf *src;
	struct rte_mbuf *dst;
	uint16_t dma_left;		/* DMA copies not yet reported */
	uint8_t how;			/* enum fwd_how */
	bool redo;			/* copy again on the CPU */
};

struct fwd_lane_stats {
	uint64_t rx;
	uint64_t tx;
	uint64_t tx_bytes;
	uint64_t copies[FWD_HOW_MAX];	/* packets, by who copied them */
	uint64_t dma_ops;		/* segment copies given to the channel */
	uint64_t dma_sg_ops;		/* of them, packets given as one SG op */
	uint64_t dma_status[FWD_STATUS_MAX];	/* reported, by status */
	uint64_t dma_rejected;		/* rte_dma_copy/submit refused */
	uint64_t holds[FWD_HOLD_MAX];	/* packets that had to wait */
	uint64_t drops[FWD_DROP_MAX];
	uint64_t removals;		/* DMA channel lost */
	uint64_t stalls;		/* DMA channel timed out */
	uint64_t reprobes;		/* DMA channel back */
	uint64_t rx_paused;		/* times rx waited for the pool */
};

struct fwd_lane {
	uint16_t idx;
	uint16_t port;
	uint16_t queue;
	struct rte_ether_addr mac;	/* of the port, for --mac-updating */
	struct fwd_chan chan;
	/* The in-order queue (see the top of this file). */
	struct fwd_entry *ring;
	uint32_t mask;
	uint32_t head;
	uint32_t ready;
	uint32_t dma_pos;
	uint32_t tail;
	/* Received packets not yet in the queue. */
	struct rte_mbuf *held[FWD_MAX_BURST];
	uint16_t nb_held;
	uint16_t held_pos;
	uint8_t holding;		/* enum fwd_hold of held[held_pos] */
	bool rx_paused;			/* the pool is low */
	bool rx_blocked;		/* --sim-replug: until the re-probe */
	uint64_t last_busy;		/* TSC, read by the main lcore */
	uint64_t first_rx;		/* TSC */
	uint64_t last_tx;		/* TSC */
	uint64_t sim_next;		/* rx count of the next simulator event */
	struct fwd_lane_stats st;
};

extern struct fwd_lane fwd_lanes[FWD_MAX_LANES];
extern uint16_t fwd_nb_lanes;

/* args.c */
int fwd_parse_args(int argc, char **argv);

/* lane.c */
int fwd_lane_init(struct fwd_lane *l, uint16_t idx, uint16_t port,
		uint16_t queue);
void fwd_lane_free(struct fwd_lane *l);
void fwd_lane_poll(struct fwd_lane *l, bool rx_on);
bool fwd_lane_empty(const struct fwd_lane *l);
void fwd_lane_drop_all(struct fwd_lane *l);
void fwd_lane_account(struct fwd_lane *l,
		const enum rte_dma_status_code *status, uint16_t n);

/* chan.c */
void fwd_chan_init(struct fwd_chan *c);
int fwd_chan_start(struct fwd_lane *l, int16_t dev_id);
void fwd_chan_poll(struct fwd_lane *l);
void fwd_chan_enqueue(struct fwd_lane *l, struct fwd_entry *e);
void fwd_chan_submit(struct fwd_lane *l);
bool fwd_chan_room(struct fwd_lane *l, uint16_t n);
void fwd_chan_reprobe(struct fwd_lane *l);
void fwd_chan_halt(struct fwd_lane *l);
int fwd_chan_events_register(void);
void fwd_chan_events_unregister(void);
void fwd_chan_finish(struct fwd_lane *l);

/* stats.c */
void fwd_stats_tick(uint64_t now);
void fwd_stats_final(void);

/* sim.c: fault injection through the simulated switch (test only) */
enum fwd_sim_opt {
	FWD_SIM_OPT_FAULT,	/* [LANE:]KIND@PACKETS */
	FWD_SIM_OPT_UNPLUG,	/* [LANE:]PACKETS */
	FWD_SIM_OPT_REPLUG,	/* [LANE:]PACKETS */
};

#ifdef PLX_FWD_SIM
int fwd_sim_parse(enum fwd_sim_opt opt, const char *arg);
int fwd_sim_init(void);
void fwd_sim_fire(struct fwd_lane *l);
void fwd_sim_stop(void);
#else
static inline int
fwd_sim_init(void)
{
	return 0;
}

static inline void
fwd_sim_fire(struct fwd_lane *l)
{
	l->sim_next = UINT64_MAX;
}

static inline void
fwd_sim_stop(void)
{
}
#endif

/* Simulator events due on this lane. */
static inline void
fwd_sim_poll(struct fwd_lane *l)
{
	if (unlikely(l->st.rx >= l->sim_next))
		fwd_sim_fire(l);
}

#endif /* PLX_FWD_H */
