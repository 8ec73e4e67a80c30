/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * What the files of dpdk-test-plx-perf share (main.c has what it
 * measures and how): the options (options.c), the channels and their
 * devices (setup.c), the worker's loops (worker.c), the cases and sweeps
 * (main.c), the report (report.c).
 */

#ifndef PLX_PERF_H
#define PLX_PERF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_memzone.h>

#include "plx_dma_compat.h"
#include "plx_sim_host.h"

#define MAX_CHANNELS	4
#define MAX_LIST	32
#define PERF_MAX_SGES	16	/* --sg at most */
#define MAX_CPL		255	/* completions per poll, as dpdk-test-dma-perf */
#define WAIT_LIMIT_S	5	/* a wait longer than this fails the case */
#define LAT_WARM	100	/* latency samples taken and dropped first */
#define PACE_MAX_HZ	50000	/* a paced wait pauses at most 20 us */
#define XFER_TRIPS	2000	/* round trips of the line probe */
#define SKELETON_NAME	"dma_skeleton_perf"

enum engine {
	ENG_PLX,	/* dma_plx, the (simulated) engine copying */
	ENG_PLX_NULL,	/* dma_plx, simulated engine in null-copy mode */
	ENG_SKELETON,	/* DPDK's dma_skeleton (a CPU thread copies) */
	ENG_CPU,	/* rte_memcpy on the worker */
	ENG_MAX
};

extern const char * const engine_names[ENG_MAX];

enum sweep {
	SWEEP_SIZE,
	SWEEP_BATCH,
	SWEEP_RING,
	SWEEP_CHANNELS,
	SWEEP_MAX
};

extern const char * const sweep_names[SWEEP_MAX];

struct u64_list {
	unsigned int n;
	uint64_t v[MAX_LIST];
};

struct perf_opts {
	unsigned int engines;		/* bit per enum engine */
	unsigned int sweeps;		/* bit per enum sweep */
	struct u64_list sizes, batches, rings, channels;
	uint32_t size;			/* fixed value in the other sweeps */
	uint16_t batch;
	uint16_t ring;
	uint64_t time_ms;		/* per case, 0 with a fixed count */
	uint64_t ops;			/* per channel and case, 0: timed */
	uint64_t mem;			/* bytes per side and channel */
	unsigned int lat_samples;
	const char *csv;
	bool sync;			/* instruction-count mode */
	bool check;			/* CI sanity mode */
	bool paced;			/* pause between polls of a wait */
	bool dense;			/* buffers back to back, not mbufs */
	unsigned int repeat;		/* rounds of the sweeps, best counts */
	uint16_t sges;			/* segments per DMA op, 1: plain copies */
};

extern struct perf_opts opt;

/*
 * The simulated switch the benchmark runs on under dpdk-plx-sim, NULL on
 * real hardware: its null-copy toggle and, for the instruction-count mode,
 * the engine's descriptor count.
 */
extern struct plx_sim *sim;

/* One channel: a worker lcore, its buffers, and per case a device. */
struct chan {
	unsigned int lcore;
	const struct rte_memzone *src_mz, *dst_mz;
	int16_t dev[ENG_MAX];		/* dmadev per DMA engine, -1 none */
	int sim_fn[ENG_MAX];		/* simulated function, -1 none */

	/* The case, set by the main lcore. */
	enum engine engine;
	int16_t dev_id;
	uint32_t size;
	uint16_t batch;
	uint16_t ring_cap;		/* descriptors of the ring */
	uint32_t nbuf;			/* buffers of size bytes per side */
	uint64_t first, stride;		/* buffer 0's offset, the next's */
	uint64_t max_ops;
	uint64_t duration;		/* TSC cycles, 0: max_ops only */
	uint64_t seed;
	bool latency;			/* low-load latency run */
	uint64_t *lat;			/* opt.lat_samples TSC deltas */
	RTE_ATOMIC(unsigned int) *ready;	/* start barrier */
	unsigned int nb_chans;

	/* Results. */
	uint64_t issued, done, submitted;
	uint64_t busy, idle;
	uint64_t polls, empty_polls;
	uint64_t sim_base;
	uint64_t wait_ns[2];		/* run-queue waits: worker, engine */
	int error;
	bool verified;
	RTE_ATOMIC(bool) finished;
};

extern struct chan chans[MAX_CHANNELS];
extern unsigned int nb_chans;	/* worker lcores with buffers */
extern unsigned int nb_devs[ENG_MAX];
extern uint64_t tsc_hz;
extern FILE *csv;
extern unsigned int checks_passed, checks_failed;

struct result {
	enum sweep sweep;
	enum engine engine;
	unsigned int channels;
	uint32_t size;
	uint16_t batch;
	uint16_t ring;
	uint64_t ops;
	double secs, mops, gbps, cyc_op, idle_pct;
	double lat_p50, lat_p99;	/* ns, NAN when not measured */
	double xfer_ns;			/* line round trip, NAN: none */
	double wait_pct[2];		/* run-queue waits: worker, engine */
	bool ok;
	const char *why;
};

struct case_conf {
	enum sweep sweep;
	uint32_t size;
	uint16_t batch;
	uint16_t ring;
	unsigned int channels;
};

/* --- options.c --- */

int perf_parse_args(int argc, char **argv);

/* --- setup.c --- */

/* Buffers of size bytes per side and channel in a case. */
uint32_t buf_count(uint32_t size);
/*
 * Where buffer i of size bytes lies in a channel's source and destination
 * zones: at first + i * stride, as the data of mbufs of a pool, or back to
 * back with --dense.
 */
void buf_layout(uint32_t size, uint64_t *first, uint64_t *stride);

void skeleton_create(unsigned int n);
/* Each channel's device of every engine found (-1: none). */
void devices_find(void);
/* A worker lcore and its buffers per channel. */
int chans_init(void);
/* The simulated engine's thread in this process, or -1. */
extern int engine_tid;
void engine_thread_find(void);
/*
 * Nanoseconds a thread (0: the caller) has waited on a run queue, runnable
 * but not running, or UINT64_MAX if the kernel does not say.
 */
uint64_t thread_wait_ns(int tid);
void dev_stop(int16_t dev);
/* Configured, one vchan of ring descriptors (*cap: how many), started. */
int dev_setup(int16_t dev, uint16_t ring, uint16_t *cap);

/* --- worker.c --- */

/* The lcore function of a channel (arg) for one case. */
int perf_worker(void *arg);
/*
 * A cache line's round trip between the main lcore and a worker lcore, in
 * TSC cycles: xfer_probe() on the main lcore, xfer_echo() launched on the
 * worker. What a DMA op costs the worker is mostly such transfers.
 */
uint64_t xfer_probe(unsigned int lcore);

/* --- report.c --- */

/* Figures the targets compare, from the size sweep. */
extern struct result size_results[MAX_LIST][ENG_MAX];

void header_print(void);
/* A result's line (and CSV row), counted as a check. */
void result_print(const struct result *r);
/* The targets, as ratios within this run. */
void targets_print(void);

#endif /* PLX_PERF_H */
