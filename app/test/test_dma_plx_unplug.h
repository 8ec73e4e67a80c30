/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * What the unplug tests (test_dma_plx_unplug*.c, issue 4) share: the
 * channels under test with the check of every op they report, the
 * device life cycle and the administrator's unbind (_harness.c), the
 * torture's workers and cycles (_torture.c), the captured log.
 */

#ifndef TEST_DMA_PLX_UNPLUG_H
#define TEST_DMA_PLX_UNPLUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_memzone.h>

#include "test_plx_common.h"

#define MAX_CHANS	4	/* channels, and worker lcores, per cycle */
#define MAX_FUNCS	PLX_SIM_MAX_FUNCS
#define MIN_RING	32
#define MAX_RING	512	/* largest ring of the torture */
#define SMOKE_DESC	64	/* ring of a re-plugged device's first copies */
#define SLOT		256	/* destination bytes per ring slot */
#define DST_OFF		8	/* where in its slot a copy lands */
#define MAX_LEN		200	/* DST_OFF + MAX_LEN + guard fit a SLOT */
#define SRC_LEN		(64 * 1024)
#define WAIT_US		(5 * 1000 * 1000)	/* longest wait without progress */
#define FAST_STOP_MS	50
#define FAST_ARGS	"stop_timeout_ms=" RTE_STR(FAST_STOP_MS)
#define DEFAULT_CYCLES	400
#define SMOKE_OPS	8
#define DET_FN		0	/* function of the deterministic tests */
#define BENCH_RING	1024	/* largest ring: the benchmark's */
#define ST_BIT(st)	(1u << (st))

/* --- randomness (_harness.c) --- */

extern uint64_t g_seed;

unsigned int min_u(unsigned int a, unsigned int b);
/* Seed of cycle `cycle` of test `test`: reproducible from g_seed. */
uint64_t seed_of(unsigned int test, unsigned int cycle);


/* --- the channels under test --- */

struct op_rec {
	uint16_t src_off;
	uint16_t len;
};

/*
 * One simulated function, the dmadev driving it and the account of its
 * ops (ch): op k got id (uint16_t)k and slot k & mask. Every op reported
 * is checked against what it may be (op_check). Whoever runs the fast
 * path owns it (a worker lcore during a cycle).
 */
struct tchan {
	struct plx_test_chan ch;
	const struct rte_memzone *src_mz;
	const struct rte_memzone *dst_mz;
	uint8_t *src;
	uint8_t *dst;
	rte_iova_t src_iova;
	rte_iova_t dst_iova;
	uint64_t rnd;
	struct op_rec rec[BENCH_RING];
	uint64_t first_fail_us;	/* when the first failure was reported */
	uint64_t nb_st[4];	/* reported ok, aborted, not attempted, lost */
	uint32_t allowed;	/* failures a submitted op may get now */
	uint32_t allowed_removing; /* and once a removal has begun */
	bool fail_seen;
	/* Exact expectations: ops below exp_ok succeed, then exp_st up to
	 * exp_fail, then NOT_ATTEMPTED. */
	bool exact;
	uint64_t exp_ok;
	uint64_t exp_fail;
	enum rte_dma_status_code exp_st;
};

extern struct plx_sim *sim;
extern struct tchan chans[MAX_FUNCS];
extern RTE_ATOMIC(uint32_t) g_removing;	/* a removal is about to begin */
extern unsigned int nb_funcs;
extern unsigned int worker_lcores[MAX_CHANS];
extern unsigned int nb_workers;

int chans_init(void);
void chans_free(void);
/* Hand out op number handed: copy() it and, if accepted, record it. */
int op_issue(struct tchan *tc, uint64_t flags, int *rc);
/* The same as one scatter-gather op of three descriptors. */
int op_issue_sg(struct tchan *tc, uint64_t flags, int *rc);
/* From now on, ops below ok succeed, then st up to fail, then none. */
void tchan_expect(struct tchan *tc, uint64_t ok, uint64_t fail,
	enum rte_dma_status_code st);

/* --- device life cycle --- */

int tchan_start(struct tchan *tc, uint16_t nb_desc);
/* A few verified copies on a started channel. */
int smoke(struct tchan *tc);
/* Start, copy, stop: the device works. */
int start_smoke_stop(struct tchan *tc);
/*
 * Stop and close a dmadev. Its close must free exactly `frees` rte_malloc
 * elements (private data, ring), and the id is gone for good after.
 */
/*
 * What rte_dma_close() frees: the dmadev's pointer to its channel and
 * the ring with its per-slot segment marks, and, once removal has dropped the PCI binding's reference,
 * the channel itself.
 */
enum { FREES_BOUND = 3, FREES_HELD = 4 };
/*
 * A device that vanished while its engine ran may still have write-backs
 * in flight: its close keeps the ring's memzone for a grace (plx.rst,
 * :ref:`plx_surprise_removal`), freeing one element less, and the ring
 * follows within the grace (FREES_RING_KEPT: dev_close_check() waits).
 */
enum { FREES_RING_KEPT = 0x100 };
enum { FREES_GONE = (FREES_HELD - 1) | FREES_RING_KEPT };
int dev_close_check(int16_t id, unsigned int frees);
/* Close tc's device, remove and probe it again (between cycles). */
int fresh_device(struct tchan *tc);
/* Right after a removal returned: the address is free for a re-plug. */
int removed_now(const struct tchan *tc);
/* A removed channel the application still holds (its name to name). */
int held_check(const struct tchan *tc, int16_t id, char *name, size_t len);
/* The fast path of a channel whose device is gone, all ops reported. */
int held_fast_path(struct tchan *tc);
/* Bring a function to a known state: a fresh device probed with args. */
int func_restore(struct tchan *tc, const char *args);
/* Close whatever removed channel a failed test left held. */
/* Plug tc's removed function back in and probe it; it must copy. */
int replug(struct tchan *tc, bool vanished, bool probe_while_held,
	unsigned int frees);

/* --- administrator unbind: VFIO request -> RTE_DEV_EVENT_REMOVE --- */

/* How a test removes its device. */
enum removal {
	BY_APP,		/* rte_dev_remove() */
	BY_UNBIND,	/* VFIO request, event, alarm, rte_dev_remove() */
};

int unbind_request(struct tchan *tc, bool by_name);
/* Wait for the alarm's removal (a flag, never a sleep). */
int unbind_wait(const struct tchan *tc);
void unbind_unregister(void);

/* --- torture (_torture.c) --- */

enum role {
	ROLE_VICTIM,	/* its device is removed */
	ROLE_SURVIVOR,	/* runs until told to finish */
	ROLE_STOPPER,	/* stops its own channel while others are removed */
};

struct worker {
	struct tchan *tc;
	enum role role;
	uint32_t fail_mask;	/* failures the removal may cause */
	bool prefer_full;
	bool abandon;		/* survivor: leave ops outstanding */
	uint32_t submit_odds;	/* 1 in this many copies has SUBMIT */
	uint64_t rnd;
	/* shared with the main lcore */
	RTE_ATOMIC(uint64_t) handed_pub;
	RTE_ATOMIC(uint32_t) full_seen;
	RTE_ATOMIC(uint32_t) phase;
	RTE_ATOMIC(uint32_t) finish;
	uint64_t noticed_us;
	char msg[PLX_TEST_MSG_LEN];
};

/* Where in the victim's loop the removal hits. */
enum trigger { TR_NOW, TR_OPS, TR_FULL, TR_POLL, TR_DELAY, TR_MAX };

enum kind { KIND_APP, KIND_UNBIND, KIND_SURPRISE, KIND_CLEANUP };

struct cycle {
	enum kind kind;
	uint64_t rs;
	unsigned int nch;	/* channels */
	unsigned int nv;	/* the first nv are victims */
	struct worker ws[MAX_CHANS];
	uint64_t inject_us;
	uint64_t latency_us;	/* surprise: slowest detection */
	uint64_t nb_st[4];	/* as in struct tchan, all channels */
};

extern unsigned int g_cycles;
extern unsigned int g_cleanup_cycles;

/* Launch n workers; on failure *launched of them run. */
int workers_launch(struct worker *ws, unsigned int n, unsigned int *launched);
/* Join n workers; if the main lcore failed (ret != 0) stop them first. */
int workers_join(struct worker *ws, unsigned int n, int ret);
int wait_trigger(struct worker *w, enum trigger tr, uint64_t *rs);
/* Pick and start the cycle's channels, give each a worker. */
int cycle_setup(struct cycle *c, unsigned int nfuncs, bool all_victims);

/* --- the tests, in the order they run (each table to PLX_TEST_END) --- */

extern const struct plx_test unplug_det_tests[];	/* _det.c */
extern const struct plx_test unplug_sg_tests[];	/* _sg.c */
extern const struct plx_test unplug_torture_tests[];	/* _torture.c */
extern const struct plx_test unplug_guard_tests[];	/* _guard.c */
extern const struct plx_test unplug_late_tests[];	/* _late.c */
bool unplug_late_armed(void);

/* --membarrier-unregistered: registration fails at probe (_guard.c). */
extern bool mb_unregistered;

/* torture_cleanup (_cleanup.c): a child process per cycle. */
enum cleanup_variant {
	/* Workers stop issuing (draining or not), the channels stay started,
	 * rte_eal_cleanup() removes them. */
	CV_EAL,
	/*
	 * The PCI bus's cleanup (what rte_eal_cleanup() runs) while the
	 * workers still issue; they must see -ENODEV and get every op back.
	 * rte_eal_cleanup() itself cannot run under issuing workers: it frees
	 * the memory their rings and buffers live in.
	 */
	CV_BUS,
	CV_MAX
};

extern int eal_argc;		/* the parent's EAL arguments */
extern char **eal_argv;
int test_torture_cleanup(void);
/* A child's life, after its EAL initialisation; its exit status. */
int child_main(enum cleanup_variant v, uint64_t seed);

/* --fast-path cost of the unplug guard, not a test (_bench.c). */
int bench_guard(void);

#endif /* TEST_DMA_PLX_UNPLUG_H */
