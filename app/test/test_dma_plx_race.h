/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * What the files of test_dma_plx_race share: the two sides of the race,
 * the channel under test with its op accounting and traffic, and the
 * removal (test_dma_plx_race_sides.c); the cases (test_dma_plx_race.c)
 * and a cycle of one (test_dma_plx_race_cycle.c).
 */

#ifndef TEST_DMA_PLX_RACE_H
#define TEST_DMA_PLX_RACE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_dev.h>
#include <rte_dmadev.h>

#include "plx_dma_compat.h"

struct plx_sim;
struct plx_test_heap;

#define MIN_RING	32
#define MAX_RING	256
#define WAIT_US		(5 * 1000 * 1000)	/* longest wait without progress */

struct op_rec {
	uint16_t src_off;
	uint16_t len;
};

/*
 * The channel of a case and what the application saw of it. Ops are
 * numbered from the last rte_dma_stats_reset(); since the last start, op
 * k has id k - base and ring slot (k - base) & (ring - 1). Only the lcore
 * running its fast path touches it.
 */
struct rchan {
	unsigned int fn;
	char addr[RTE_DEV_NAME_MAX_LEN];
	int16_t id;
	uint16_t ring;
	uint64_t rnd;
	uint64_t base;		/* handed at the last start */
	uint64_t handed;	/* ids handed out by copy() */
	uint64_t sub;		/* of those, rung to the engine */
	uint64_t rep;		/* of those, reported */
	uint64_t err;		/* reported with a failure */
	/* The four above when the application last reset the stats. */
	uint64_t handed0, sub0, rep0, err0;
	bool fail_seen;		/* since the last start */
	uint64_t nb_st[3];	/* reported SUCCESSFUL, USER_ABORT, NOT_ATTEMPTED */
	unsigned int spins;	/* polls that found nothing */
	struct op_rec rec[MAX_RING];
};

/* --- time (randomness: plx_test_rnd(), test_plx_core.h) --- */

uint64_t now_ns(void);
/* Busy for ns nanoseconds (a random offset, never a synchronisation). */
void spin_ns(uint64_t ns);
/* rte_eal_wait_lcore(), leaving the CPU to the others meanwhile. */
int lcore_join(unsigned int lcore);


/* --- the channel --- */

/* The source and destination buffers, and the source pattern. */
int race_buffers_init(void);
void race_buffers_free(void);
/* Configure one vchan of nb_desc, stats reset, accounting from zero. */
int chan_configure(struct rchan *c, uint16_t nb_desc);
/* rte_dma_start() returned 0: ids restart at 0. */
void chan_started(struct rchan *c);
/* rte_dma_stats_reset() returned 0. */
void chan_stats_reset(struct rchan *c);
/*
 * One burst of copies, maybe a submit, one poll. *rc: 0, or what copy or
 * submit returned when it refused (-ENODEV once removed).
 */
int traffic_step(struct rchan *c, int *rc);
/* Traffic until the fast path refuses with -ENODEV (removal began). */
int traffic_until_removed(struct rchan *c, const RTE_ATOMIC(uint32_t) *abort);
/* Poll until every op handed out is reported. */
int chan_drain(struct rchan *c);
/* The counters agree with the reports (after chan_drain()). */
int chan_stats_match(const struct rchan *c);
/* Start, one verified copy, stop: the device works. */
int chan_smoke(struct rchan *c);

/* --- removal --- */

enum rm_path {
	RM_THREAD,	/* a worker lcore removes */
	RM_IRQ,		/* VFIO request -> event -> alarm removes */
	RM_MAX
};

struct removal {
	enum rm_path path;
	char addr[RTE_DEV_NAME_MAX_LEN];
	bool by_name;		/* rte_eal_hotplug_remove, else rte_dev_remove */
	uint64_t spin;		/* ns before removing */
	const RTE_ATOMIC(uint32_t) *go;	/* thread: released by it */
	RTE_ATOMIC(uint32_t) ready;	/* thread: waiting for go; irq: alarm began */
	RTE_ATOMIC(uint64_t) t0, t1;	/* around the removal, now_ns() */
	int rc;
	RTE_ATOMIC(uint32_t) events;	/* RTE_DEV_EVENT_REMOVE seen */
	RTE_ATOMIC(uint32_t) done;
};

/* rm receives the REMOVE events from now on; the interrupt thread goes
 * to CPU cpu (if >= 0). */
int removal_init(struct removal *rm, int cpu);
void removal_fini(void);
/* Thread path: the lcore function (arg: struct removal). */
int removal_lcore(void *arg);
/* Until the remover lcore waits for go, or the alarm has begun. */
int removal_ready(struct removal *rm);
/* IRQ path: raise the VFIO request of function fn. */
int removal_raise(unsigned int fn);
/* Wait until rm is done (a flag, not a sleep). */
int removal_wait(struct removal *rm);

/* --- the harness --- */

/* Main lcore and remover lcore on two CPUs; *remover_cpu: the latter's,
 * or -1 if the main lcore has one CPU only. */
int race_pin_sides(unsigned int remover, int *remover_cpu);
/* What a crash prints (plain: with a backtrace; ASan: after its report). */
void crash_note_set(const char *name, unsigned int cycle, uint64_t seed);
void crash_handlers(void);

/* --- cases and their cycles (test_dma_plx_race.c, _cycle.c) --- */

enum call {
	C_STOP, C_CLOSE, C_START, C_CONFIGURE, C_VCHAN_SETUP,
	C_STATS_GET, C_STATS_RESET, C_DUMP, C_VCHAN_STATUS, C_INFO_GET,
	C_MAX
};

extern const char *const call_names[C_MAX];

/* When the call ran, against the removal. */
enum order { ORD_BEFORE, ORD_OVERLAP, ORD_AFTER, ORD_MAX };

extern const char *const order_names[ORD_MAX];

struct race_case {
	char name[64];
	enum call call;
	enum rm_path path;
	bool traffic;
	unsigned int fn;
	/*
	 * The offset of the call from the removal: centre + a jitter within
	 * +-span (ns; > 0 delays the call, < 0 the removal); span follows
	 * how long the two sides take. After a cycle whose call came wholly
	 * before or after, the centre moves a quarter span toward the
	 * crossover. (On 2 shared cores either side also loses its CPU now
	 * and then, for a scheduler slice: that noise mixes orders too.)
	 */
	int64_t centre;
	uint64_t span;
	unsigned int orders[ORD_MAX];
	uint64_t nb_st[3];
};

extern struct plx_sim *sim;
extern unsigned int rm_lcore, w_lcore;	/* the remover's, the traffic's */
extern struct removal g_rm;
extern struct rchan g_chan;
extern uint64_t g_seed;

/* Cycle number cycle of case number kase; base: the heap, device removed. */
int cycle_run(struct race_case *k, unsigned int kase, unsigned int cycle,
	const struct plx_test_heap *base);

#endif /* TEST_DMA_PLX_RACE_H */
