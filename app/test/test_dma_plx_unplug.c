/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Issue 4: unplugging a dma_plx device while the application uses it.
 *
 *   dpdk-plx-sim -n 4 -- test_dma_plx_unplug --no-huge -m 512 \
 *       --iova-mode=va --no-shconf --file-prefix unplugN \
 *       --lcores '(0-4)@(0,1)' -d .../librte_dma_plx.so \
 *       [-- [--cycles N] [--cleanup-cycles N] [--seed S] [--filter NAME]]
 *
 * Deterministic tests force the awkward moments with the simulator's
 * faults (stalled engine, pause or abort never acknowledged, device gone
 * with a full ring or during rte_dma_stop) and assert every status, error
 * code and counter exactly. The torture tests then remove channels at
 * random points while one worker lcore per channel runs copy, submit,
 * completed and completed_status in a tight loop, once per way a device
 * can go: the application removes it (torture_app), the administrator
 * unbinds it (torture_unbind: VFIO request, RTE_DEV_EVENT_REMOVE, removal
 * from an alarm), it vanishes (torture_surprise), rte_eal_cleanup() runs
 * with it started (torture_cleanup).
 *
 * torture_cleanup needs a fresh process per cycle: the program re-executes
 * itself with "-- --cleanup-child VARIANT --seed S" (rerun that command
 * line by hand to reproduce a failing cycle). It runs its children before
 * initialising EAL itself: every process makes its own simulated switch,
 * and the switches of two live processes would share the BAR0 files of the
 * simulated sysfs tree.
 *
 * Output: "PASS name", "FAIL name: reason (file:line)" or "SKIP name:
 * reason" per test, then "N passed, N failed". The seed is printed first;
 * --seed S reproduces every random choice (thread timing aside).
 *
 * --bench-guard is no test: it measures the fast path (copy, submit every
 * 32 copies, completed) on one channel. Steady figures need the engine
 * thread and the lcore on CPUs of their own:
 *
 *   dpdk-plx-sim --null-copy --cpu 1 -n 1 -- test_dma_plx_unplug \
 *       --no-huge -m 512 --iova-mode=va --no-shconf --file-prefix b \
 *       --lcores 0@0 -d .../librte_dma_plx.so -- --bench-guard
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <rte_alarm.h>
#include <rte_bus.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#include <rte_pause.h>

/* struct rte_bus: cleanup, for the bus-cleanup variant. */
#include <bus_driver.h>

#include "plx_dma_hw.h"
#include "plx_parse.h"
#include "plx_sim_host.h"
#include "test_plx_common.h"

#define MAX_CHANS	4	/* channels, and worker lcores, per cycle */
#define MAX_FUNCS	PLX_SIM_MAX_FUNCS
#define MIN_RING	32
#define MAX_RING	512	/* largest ring of the torture */
#define MAX_BURST	(2 * MAX_RING)
#define SMOKE_DESC	64	/* ring of a re-plugged device's first copies */
#define SLOT		256	/* destination bytes per ring slot */
#define DST_OFF		8	/* where in its slot a copy lands */
#define MAX_LEN		200	/* DST_OFF + MAX_LEN + guard fit a SLOT */
#define SRC_LEN		(64 * 1024)
#define WAIT_US		(5 * 1000 * 1000)	/* longest wait without progress */
#define CHILD_WAIT_US	(120 * 1000 * 1000)
/* Polling a channel whose device vanished notices it within (generous,
 * for sanitizers on 2 cores; the PMD checks every 100 us). */
#define SURPRISE_BOUND_US (1000 * 1000)
#define CHILD_MAX_ARGS	256
#define FAST_STOP_MS	50
#define FAST_ARGS	"stop_timeout_ms=" RTE_STR(FAST_STOP_MS)
#define DEFAULT_CYCLES	400
#define SMOKE_OPS	8
#define DET_FN		0	/* function of the deterministic tests */
#define BENCH_OPS	2000000u
#define BENCH_BATCH	32
#define BENCH_RING	1024
#define CHILD_OK	"cleanup-child: ok"
#define CHILD_SKIP	"cleanup-child: skip: "
#define ST_BIT(st)	(1u << (st))

/* --- randomness --- */

static uint64_t g_seed;

/* splitmix64 */
static uint64_t
rnd_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static unsigned int
min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

static uint32_t
rnd_below(uint64_t *s, uint32_t n)
{
	return n == 0 ? 0 : rnd_next(s) % n;
}

/* Seed of cycle `cycle` of test `test`: reproducible from g_seed. */
static uint64_t
seed_of(unsigned int test, unsigned int cycle)
{
	uint64_t s = g_seed ^ ((uint64_t)test << 56) ^ ((uint64_t)cycle << 20);

	return rnd_next(&s);
}

/* --- captured log: shown only when a test fails --- */

static FILE *log_f;
static char *log_buf;
static size_t log_len;
static size_t log_mark;

static void
log_capture_start(void)
{
	log_f = open_memstream(&log_buf, &log_len);
	if (log_f != NULL)
		rte_openlog_stream(log_f);
}

/* Only what is logged from now on counts for log_has() and log_show(). */
static void
log_mark_now(void)
{
	if (log_f == NULL)
		return;
	fflush(log_f);
	log_mark = log_len;
}

static bool
log_has(const char *s)
{
	if (log_f == NULL)
		return true;
	fflush(log_f);
	return strstr(log_buf + log_mark, s) != NULL;
}

static void
log_show(void)
{
	const size_t tail = 16 * 1024;
	const char *p, *nl;

	if (log_f == NULL)
		return;
	fflush(log_f);
	p = log_buf + log_mark;
	if (log_len - log_mark > tail)
		p = log_buf + log_len - tail;
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			printf("# log: %s\n", p);
			break;
		}
		printf("# log: %.*s\n", (int)(nl - p), p);
	}
}

static void
log_capture_stop(void)
{
	rte_openlog_stream(NULL);
}

static void
log_capture_free(void)
{
	if (log_f != NULL)
		fclose(log_f);
	free(log_buf);
	log_f = NULL;
	log_buf = NULL;
}

/* --- rte_malloc heap --- */

struct heap {
	uint64_t bytes;
	uint64_t count;
};

static void
heap_get(struct heap *h)
{
	struct rte_malloc_socket_stats s;
	unsigned int i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < rte_socket_count(); i++) {
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
				&s) != 0)
			continue;
		h->bytes += s.heap_allocsz_bytes;
		h->count += s.alloc_count;
	}
}

static int
heap_same(const struct heap *a, const struct heap *b, const char *what)
{
	CHECK_MSG(a->bytes == b->bytes && a->count == b->count,
		"rte_malloc heap %s: %" PRIu64 " bytes in %" PRIu64
		" allocations, was %" PRIu64 " in %" PRIu64, what, b->bytes,
		b->count, a->bytes, a->count);
	return 0;
}

/* --- the channels under test --- */

struct op_rec {
	uint16_t src_off;
	uint16_t len;
};

/*
 * One simulated function and the dmadev driving it. The accounting counts
 * ops since the last start: op k got id (uint16_t)k and slot k & mask.
 * Whoever runs the fast path owns it (a worker lcore during a cycle).
 */
struct tchan {
	unsigned int fn;
	char addr[RTE_DEV_NAME_MAX_LEN];
	int16_t id;
	uint16_t nb_desc;
	const struct rte_memzone *src_mz;
	const struct rte_memzone *dst_mz;
	uint8_t *src;
	uint8_t *dst;
	rte_iova_t src_iova;
	rte_iova_t dst_iova;
	uint64_t rnd;
	struct op_rec rec[BENCH_RING];
	uint64_t handed;	/* ids handed out by copy() */
	uint64_t sub;		/* of those, submitted */
	uint64_t rep;		/* of those, reported */
	uint64_t errors;	/* reported with a failure */
	uint64_t first_fail_us;	/* when the first failure was reported */
	uint64_t nb_st[4];	/* reported ok, aborted, not attempted, lost */
	int last_rc;		/* of the last copy, and its flags */
	uint64_t last_flags;
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

static struct plx_sim *sim;
static struct tchan chans[MAX_FUNCS];
static uint32_t g_removing;	/* a removal is about to begin */
static unsigned int nb_funcs;
static unsigned int worker_lcores[MAX_CHANS];
static unsigned int nb_workers;

static uint64_t
sim_descs(const struct tchan *tc)
{
	return plx_sim_desc_count(sim, tc->fn);
}

static int
chans_init(void)
{
	char name[RTE_MEMZONE_NAMESIZE];
	unsigned int fn, i;

	for (fn = 0; fn < nb_funcs; fn++) {
		struct tchan *tc = &chans[fn];

		tc->fn = fn;
		snprintf(tc->addr, sizeof(tc->addr), "%s",
			plx_sim_func_addr(fn));
		snprintf(name, sizeof(name), "unplug_src_%u", fn);
		tc->src_mz = rte_memzone_reserve_aligned(name, SRC_LEN,
			SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 64);
		snprintf(name, sizeof(name), "unplug_dst_%u", fn);
		tc->dst_mz = rte_memzone_reserve_aligned(name,
			BENCH_RING * SLOT, SOCKET_ID_ANY,
			RTE_MEMZONE_IOVA_CONTIG, 64);
		CHECK_MSG(tc->src_mz != NULL && tc->dst_mz != NULL,
			"no memory for the buffers of %s", tc->addr);
		tc->src = tc->src_mz->addr;
		tc->dst = tc->dst_mz->addr;
		tc->src_iova = tc->src_mz->iova;
		tc->dst_iova = tc->dst_mz->iova;
		tc->rnd = seed_of(0xff, fn);
		for (i = 0; i < SRC_LEN; i++)
			tc->src[i] = rnd_next(&tc->rnd) >> 56;
	}
	return 0;
}

static void
chans_free(void)
{
	unsigned int fn;

	for (fn = 0; fn < nb_funcs; fn++) {
		rte_memzone_free(chans[fn].src_mz);
		rte_memzone_free(chans[fn].dst_mz);
	}
}

static uint8_t *
slot_of(const struct tchan *tc, uint64_t k)
{
	return tc->dst + (size_t)(k & (tc->nb_desc - 1)) * SLOT;
}

/* Hand out op number tc->handed: copy() it and, if accepted, record it. */
static int
op_issue(struct tchan *tc, uint64_t flags, int *rc)
{
	uint64_t k = tc->handed;
	bool full = k - tc->rep >= tc->nb_desc;
	size_t slot = (size_t)(k & (tc->nb_desc - 1)) * SLOT;
	uint16_t len = 1 + rnd_below(&tc->rnd, MAX_LEN);
	uint16_t off = rnd_below(&tc->rnd, SRC_LEN - len + 1);

	/* A full ring's next slot still belongs to its oldest op. */
	if (!full)
		memset(tc->dst + slot, GUARD, DST_OFF + len + 1);
	*rc = rte_dma_copy(tc->id, 0, tc->src_iova + off,
		tc->dst_iova + slot + DST_OFF, len, flags);
	tc->last_rc = *rc;
	tc->last_flags = flags;
	if (*rc < 0)
		return 0;
	CHECK_MSG(!full, "copy on %s accepted with all %u slots in use",
		tc->addr, tc->nb_desc);
	CHECK_MSG(*rc == (uint16_t)k, "copy on %s returned id %d, expected %u",
		tc->addr, *rc, (uint16_t)k);
	tc->rec[k & (tc->nb_desc - 1)] = (struct op_rec){ off, len };
	tc->handed = k + 1;
	if (flags & RTE_DMA_OP_FLAG_SUBMIT)
		tc->sub = tc->handed;
	return 0;
}

static int
op_submit(struct tchan *tc)
{
	int rc = rte_dma_submit(tc->id, 0);

	if (rc == 0)
		tc->sub = tc->handed;
	return rc;
}

/* Successful: the bytes arrived. Not attempted: nothing was written. */
static int
op_verify(const struct tchan *tc, uint64_t k, enum rte_dma_status_code st)
{
	const struct op_rec *r = &tc->rec[k & (tc->nb_desc - 1)];
	const uint8_t *d = slot_of(tc, k) + DST_OFF;
	uint16_t i;

	CHECK_MSG(d[-1] == GUARD && d[r->len] == GUARD,
		"op %" PRIu64 " on %s (%s): bytes written outside its %u",
		k, tc->addr, plx_test_status_name(st), r->len);
	if (st == RTE_DMA_STATUS_SUCCESSFUL) {
		CHECK_MSG(memcmp(d, tc->src + r->src_off, r->len) == 0,
			"op %" PRIu64 " on %s reported successful, but its %u bytes did not arrive",
			k, tc->addr, r->len);
		return 0;
	}
	if (st != RTE_DMA_STATUS_NOT_ATTEMPTED)
		return 0;
	for (i = 0; i < r->len; i++)
		CHECK_MSG(d[i] == GUARD,
			"op %" PRIu64 " on %s reported NOT_ATTEMPTED, but byte %u was written",
			k, tc->addr, i);
	return 0;
}

/* Check the status of op k, in report order. */
static int
op_check(struct tchan *tc, uint64_t k, enum rte_dma_status_code st)
{
	if (tc->exact) {
		enum rte_dma_status_code exp = k < tc->exp_ok ?
			RTE_DMA_STATUS_SUCCESSFUL : k < tc->exp_fail ?
			tc->exp_st : RTE_DMA_STATUS_NOT_ATTEMPTED;

		CHECK_MSG(st == exp, "op %" PRIu64 " (id %u) on %s is %s, expected %s",
			k, (uint16_t)k, tc->addr, plx_test_status_name(st),
			plx_test_status_name(exp));
	} else if (k >= tc->sub) {
		CHECK_MSG(st == RTE_DMA_STATUS_NOT_ATTEMPTED,
			"op %" PRIu64 " on %s, never submitted, is %s",
			k, tc->addr, plx_test_status_name(st));
	} else if (st == RTE_DMA_STATUS_SUCCESSFUL) {
		CHECK_MSG(!tc->fail_seen,
			"op %" PRIu64 " on %s is SUCCESSFUL after a failed one",
			k, tc->addr);
	} else {
		/* Read after the status: whatever failed the op came after
		 * the main lcore announced the removal. */
		uint32_t allowed = tc->allowed | (__atomic_load_n(&g_removing,
			__ATOMIC_ACQUIRE) ? tc->allowed_removing : 0);

		CHECK_MSG(st < 32 && (allowed & ST_BIT(st)),
			"submitted op %" PRIu64 " on %s is %s%s", k, tc->addr,
			plx_test_status_name(st), allowed == 0 ?
				" on a channel nobody removed or stopped" : "");
		tc->fail_seen = true;
	}
	tc->nb_st[st == RTE_DMA_STATUS_SUCCESSFUL ? 0 :
		st == RTE_DMA_STATUS_USER_ABORT ? 1 :
		st == RTE_DMA_STATUS_NOT_ATTEMPTED ? 2 : 3]++;
	if (st != RTE_DMA_STATUS_SUCCESSFUL) {
		tc->errors++;
		if (tc->first_fail_us == 0)
			tc->first_fail_us = plx_test_now_us();
	}
	return op_verify(tc, k, st);
}

/* One completed_status() call: *got ops reported, each checked. */
static int
collect_status(struct tchan *tc, uint16_t max, uint16_t *got)
{
	enum rte_dma_status_code st[MAX_BURST];
	uint16_t last = 0x5a5a, n, i;

	max = RTE_MIN(max, (uint16_t)MAX_BURST);
	n = rte_dma_completed_status(tc->id, 0, max, &last, st);
	CHECK_MSG(n <= tc->handed - tc->rep,
		"completed_status on %s reported %u ops, only %" PRIu64 " were handed out and not yet reported (the last copy%s returned %d)",
		tc->addr, n, tc->handed - tc->rep,
		(tc->last_flags & RTE_DMA_OP_FLAG_SUBMIT) ? ", with SUBMIT," :
			"", tc->last_rc);
	CHECK_MSG(last == (uint16_t)(tc->rep + n - 1),
		"completed_status on %s: last_idx %u after %u ops, expected %u",
		tc->addr, last, n, (uint16_t)(tc->rep + n - 1));
	for (i = 0; i < n; i++)
		CHECK_OK(op_check(tc, tc->rep + i, st[i]));
	tc->rep += n;
	*got = n;
	return 0;
}

/* One completed() call: *got successful ops, *err as the PMD says. */
static int
collect_ok(struct tchan *tc, uint16_t max, uint16_t *got, bool *err)
{
	uint16_t last = 0x5a5a, n, i;

	*err = false;
	n = rte_dma_completed(tc->id, 0, max, &last, err);
	CHECK_MSG(n <= tc->handed - tc->rep,
		"completed on %s reported %u ops, only %" PRIu64 " were handed out and not yet reported",
		tc->addr, n, tc->handed - tc->rep);
	CHECK_MSG(last == (uint16_t)(tc->rep + n - 1),
		"completed on %s: last_idx %u after %u ops, expected %u",
		tc->addr, last, n, (uint16_t)(tc->rep + n - 1));
	for (i = 0; i < n; i++)
		CHECK_OK(op_check(tc, tc->rep + i,
			RTE_DMA_STATUS_SUCCESSFUL));
	tc->rep += n;
	*got = n;
	return 0;
}

/*
 * Poll until every op handed out is reported: with completed() until it
 * flags an error when use_ok, as an application that only looks at
 * failures would, else with completed_status().
 */
static int
drain_all(struct tchan *tc, bool use_ok, uint16_t burst)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);
	bool err = false;
	uint16_t n;

	while (tc->rep < tc->handed) {
		if (use_ok && !err)
			CHECK_OK(collect_ok(tc, burst, &n, &err));
		else
			CHECK_OK(collect_status(tc, burst, &n));
		CHECK_MSG(plx_waiting(&w, n),
			"%s: %" PRIu64 " of %" PRIu64 " ops still unreported after %u s",
			tc->addr, tc->handed - tc->rep, tc->handed,
			WAIT_US / 1000000);
	}
	return 0;
}

static void
tchan_expect(struct tchan *tc, uint64_t ok, uint64_t fail,
		enum rte_dma_status_code st)
{
	tc->exact = true;
	tc->exp_ok = ok;
	tc->exp_fail = fail;
	tc->exp_st = st;
}

/* The PMD's counters agree with what the application saw. */
static int
stats_match(const struct tchan *tc, int16_t id)
{
	return plx_test_stats_are(id, tc->sub, tc->rep, tc->errors);
}

static int
wait_descs(const struct tchan *tc, uint64_t target)
{
	return plx_test_wait_descs(sim, tc->fn, target, WAIT_US);
}

/* --- device life cycle --- */

static int
tchan_attach(struct tchan *tc)
{
	return plx_test_dev_id(tc->addr, &tc->id);
}

static int
tchan_start(struct tchan *tc, uint16_t nb_desc)
{
	CHECK_OK(plx_test_start(tc->id, nb_desc, &tc->nb_desc));
	CHECK(tc->nb_desc <= BENCH_RING);
	tc->handed = tc->sub = tc->rep = tc->errors = 0;
	tc->first_fail_us = 0;
	memset(tc->nb_st, 0, sizeof(tc->nb_st));
	tc->allowed = 0;
	tc->allowed_removing = 0;
	tc->fail_seen = false;
	tc->exact = false;
	return 0;
}

/* A few verified copies on a started channel. */
static int
smoke(struct tchan *tc)
{
	unsigned int i;
	int rc;

	tchan_expect(tc, UINT64_MAX, UINT64_MAX, RTE_DMA_STATUS_SUCCESSFUL);
	for (i = 0; i < SMOKE_OPS; i++) {
		CHECK_OK(op_issue(tc, i == SMOKE_OPS - 1 ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, &rc));
		CHECK_MSG(rc >= 0, "copy on %s: %d", tc->addr, rc);
	}
	CHECK_OK(drain_all(tc, true, SMOKE_OPS));
	return stats_match(tc, tc->id);
}

/* Start, copy, stop: the device works. */
static int
start_smoke_stop(struct tchan *tc)
{
	CHECK_OK(tchan_start(tc, SMOKE_DESC));
	CHECK_OK(smoke(tc));
	CHECK_EQ(rte_dma_stop(tc->id), 0);
	return 0;
}

/*
 * Stop and close a dmadev. Its close must free exactly `frees` rte_malloc
 * elements (private data, ring), and the id is gone for good after.
 */
static int
dev_close_check(int16_t id, unsigned int frees)
{
	struct heap before, after;

	CHECK_EQ(rte_dma_stop(id), 0);
	heap_get(&before);
	CHECK_EQ(rte_dma_close(id), 0);
	heap_get(&after);
	CHECK_MSG(before.count - after.count == frees,
		"closing dmadev %d freed %" PRId64 " rte_malloc elements, expected %u",
		id, (int64_t)(before.count - after.count), frees);
	CHECK(!rte_dma_is_valid(id));
	CHECK_EQ(rte_dma_close(id), -EINVAL);
	CHECK_EQ(rte_dma_stop(id), -EINVAL);
	return 0;
}

/*
 * Close tc's (stopped, set up) device and remove and probe its function
 * again: the state of every device between torture cycles. It has no
 * ring, whose alignment padding would make the heap's byte count depend
 * on where the ring happened to land.
 */
static int
fresh_device(struct tchan *tc)
{
	CHECK_OK(dev_close_check(tc->id, 2));
	CHECK_EQ(plx_test_pci_remove(tc->addr, false), 0);
	CHECK_EQ(plx_test_pci_probe(tc->addr, NULL), 0);
	return tchan_attach(tc);
}

/* Right after a removal returned: the address is free for a re-plug. */
static int
removed_now(const struct tchan *tc)
{
	CHECK_MSG(rte_dma_get_dev_id_by_name(tc->addr) < 0,
		"a dmadev is still named %s after its removal", tc->addr);
	return plx_test_vchan_is(tc->id, RTE_DMA_VCHAN_HALTED_ERROR);
}

/*
 * A removed channel the application still holds: renamed, halted, and
 * info, stats and dump work. Its name goes to name (if not NULL).
 */
static int
held_check(const struct tchan *tc, int16_t id, char *name, size_t len)
{
	char prefix[RTE_DEV_NAME_MAX_LEN + 16];
	struct rte_dma_info info;

	CHECK_MSG(rte_dma_is_valid(id), "held dmadev %d of %s is gone",
		id, tc->addr);
	CHECK_EQ(rte_dma_info_get(id, &info), 0);
	snprintf(prefix, sizeof(prefix), "%s-removed", tc->addr);
	CHECK_MSG(strncmp(info.dev_name, prefix, strlen(prefix)) == 0,
		"removed %s held as dmadev %d is named %s", tc->addr, id,
		info.dev_name);
	CHECK_EQ(rte_dma_get_dev_id_by_name(info.dev_name), id);
	CHECK_EQ(info.nb_vchans, 1);
	CHECK_OK(plx_test_vchan_is(id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(stats_match(tc, id));
	CHECK_OK(plx_test_dump_has(id, info.dev_name, "removed"));
	if (name != NULL)
		snprintf(name, len, "%s", info.dev_name);
	return 0;
}

/*
 * The fast path of a channel whose device is gone, once all its ops are
 * reported: copy and submit fail with -ENODEV without touching the
 * hardware, and nothing more is reported.
 */
static int
held_fast_path(struct tchan *tc)
{
	enum rte_dma_status_code st[32];
	uint64_t descs = sim_descs(tc);
	uint16_t last = 0x5a5a, n;
	bool err = true;
	int rc;

	/* (submit is checked by test_removed_fast_path) */
	CHECK_EQ(tc->rep, tc->handed);
	CHECK_OK(op_issue(tc, 0, &rc));
	CHECK_MSG(rc == -ENODEV, "copy on removed %s: %d, expected -ENODEV",
		tc->addr, rc);
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc == -ENODEV,
		"copy+SUBMIT on removed %s: %d, expected -ENODEV", tc->addr, rc);
	n = rte_dma_completed_status(tc->id, 0, RTE_DIM(st), &last, st);
	CHECK_MSG(n == 0,
		"completed_status on removed %s reported %u more ops (first %s, last_idx %u) after all %" PRIu64 " handed out were reported",
		tc->addr, n, plx_test_status_name(st[0]), last, tc->handed);
	CHECK_EQ(last, (uint16_t)(tc->rep - 1));
	n = rte_dma_completed(tc->id, 0, RTE_DIM(st), &last, &err);
	CHECK_MSG(n == 0 && !err,
		"completed on removed %s reported %u more ops (has_error %d) after all were reported",
		tc->addr, n, err);
	/* Capacity counts free slots whatever the state: all of them now. */
	CHECK_EQ(rte_dma_burst_capacity(tc->id, 0), tc->nb_desc);
	CHECK_MSG(sim_descs(tc) == descs,
		"the engine of removed %s processed descriptors", tc->addr);
	return 0;
}

/* Bring a function to a known state: a fresh device probed with args. */
static int
func_restore(struct tchan *tc, const char *args)
{
	int id = rte_dma_get_dev_id_by_name(tc->addr);

	if (id >= 0) {
		rte_dma_stop(id);
		rte_dma_close(id);
	}
	CHECK_OK(plx_test_pci_restore(sim, tc->addr, args));
	return tchan_attach(tc);
}

/* Close whatever removed channel a failed test left held. */
static void
close_stale_held(void)
{
	struct rte_dma_info info;
	int16_t id;

	for (id = 0; id < RTE_DMADEV_DEFAULT_MAX; id++) {
		if (!rte_dma_is_valid(id) ||
				rte_dma_info_get(id, &info) != 0 ||
				strstr(info.dev_name, "-removed") == NULL)
			continue;
		rte_dma_stop(id);
		rte_dma_close(id);
	}
}

/*
 * Plug tc's removed function back in (replug it in the simulator first
 * after a surprise removal) and probe it, while the old channel is still
 * held or after it was closed; the new device must copy.
 */
static int
replug(struct tchan *tc, bool vanished, bool probe_while_held,
		unsigned int frees)
{
	char held[RTE_DEV_NAME_MAX_LEN];
	struct rte_dma_info info;
	int16_t old = tc->id;

	if (vanished)
		CHECK_EQ(plx_sim_replug(sim, tc->fn), 0);
	if (!probe_while_held)
		CHECK_OK(dev_close_check(old, frees));
	CHECK_EQ(plx_test_pci_probe(tc->addr, NULL), 0);
	CHECK_OK(tchan_attach(tc));
	if (probe_while_held) {
		CHECK_MSG(tc->id != old,
			"re-plugged %s got the id %d of the held one", tc->addr,
			old);
		CHECK_EQ(rte_dma_info_get(old, &info), 0);
		snprintf(held, sizeof(held), "%s", info.dev_name);
		CHECK_EQ(rte_dma_get_dev_id_by_name(held), old);
		CHECK_OK(plx_test_vchan_is(old, RTE_DMA_VCHAN_HALTED_ERROR));
		CHECK_OK(dev_close_check(old, frees));
		CHECK_EQ(rte_dma_get_dev_id_by_name(tc->addr), tc->id);
		CHECK(rte_dma_get_dev_id_by_name(held) < 0);
	}
	return start_smoke_stop(tc);
}

/* --- administrator unbind: VFIO request -> RTE_DEV_EVENT_REMOVE --- */

struct unbind_slot {
	char addr[RTE_DEV_NAME_MAX_LEN];
	bool by_name;
	int result;
	uint32_t events;
	uint32_t done;
};

static struct unbind_slot unbind_slots[MAX_FUNCS];
static bool unbind_registered;

/* Alarm callback: where DPDK lets an application remove a device. */
static void
unbind_alarm(void *arg)
{
	struct unbind_slot *s = arg;

	s->result = plx_test_pci_remove(s->addr, s->by_name);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
}

/* Runs on DPDK's interrupt thread, which must not remove from here. */
static void
unbind_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	struct unbind_slot *slots = arg, *s;
	int fn = plx_sim_func_of_addr(name);

	if (type != RTE_DEV_EVENT_REMOVE || fn < 0 || fn >= MAX_FUNCS)
		return;
	s = &slots[fn];
	if (__atomic_fetch_add(&s->events, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (rte_eal_alarm_set(1, unbind_alarm, s) != 0) {
		s->result = -ENOEXEC;
		__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	}
}

static int
unbind_request(struct tchan *tc, bool by_name)
{
	struct unbind_slot *s = &unbind_slots[tc->fn];

	if (!unbind_registered) {
		CHECK_EQ(rte_dev_event_callback_register(NULL, unbind_event,
			unbind_slots), 0);
		unbind_registered = true;
	}
	snprintf(s->addr, sizeof(s->addr), "%s", tc->addr);
	s->by_name = by_name;
	s->result = -EINPROGRESS;
	__atomic_store_n(&s->events, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->done, 0, __ATOMIC_RELEASE);
	CHECK_EQ(plx_sim_inject(sim, tc->fn, PLX_SIM_FAULT_UNBIND_REQUEST, 0),
		0);
	return 0;
}

/* Wait for the alarm's removal (a flag, never a sleep). */
static int
unbind_wait(const struct tchan *tc)
{
	struct unbind_slot *s = &unbind_slots[tc->fn];
	struct plx_wait w = plx_wait_begin(WAIT_US);

	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
		CHECK_MSG(plx_waiting(&w, 0),
			"%s: no removal %u s after the unbind request (%u REMOVE events)",
			tc->addr, WAIT_US / 1000000,
			__atomic_load_n(&s->events, __ATOMIC_RELAXED));
	CHECK_MSG(s->result == 0, "removal of %s from the alarm: %d",
		tc->addr, s->result);
	CHECK_EQ(__atomic_load_n(&s->events, __ATOMIC_ACQUIRE), 1);
	return 0;
}

static void
unbind_unregister(void)
{
	if (unbind_registered)
		rte_dev_event_callback_unregister(NULL, unbind_event,
			unbind_slots);
	unbind_registered = false;
}

/* --- deterministic tests --- */

/*
 * Start tc, stall its engine after k ops, hand out k + m submitted ops
 * and u more never submitted; return once the engine has done k.
 */
static int
stage_stalled(struct tchan *tc, const char *args, unsigned int k,
		unsigned int m, unsigned int u, uint16_t nb_desc)
{
	uint64_t base;
	unsigned int i;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, args));
	CHECK_OK(tchan_start(tc, nb_desc));
	base = sim_descs(tc);
	CHECK_EQ(plx_sim_inject(sim, tc->fn, PLX_SIM_FAULT_STALL, k), 0);
	for (i = 0; i < k + m + u; i++) {
		CHECK_OK(op_issue(tc, i + 1 == k + m ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, &rc));
		CHECK_MSG(rc >= 0, "copy %u on %s: %d", i, tc->addr, rc);
	}
	if (k + m + u == tc->nb_desc) {
		CHECK_OK(op_issue(tc, 0, &rc));
		CHECK_EQ(rc, -ENOSPC);
	}
	return wait_descs(tc, base + k);
}

enum removal {
	BY_APP,		/* rte_dev_remove() */
	BY_UNBIND,	/* VFIO request, event, alarm, rte_dev_remove() */
};

struct stall_case {
	enum removal how;
	enum plx_sim_fault extra;	/* besides the stall */
	const char *log_line;		/* the PMD must log it */
	unsigned int frees;		/* by rte_dma_close() */
};

enum { STALL_K = 5, STALL_M = 9, STALL_U = 4 };

/*
 * Remove a device whose engine is stuck: the PMD must fall back from the
 * graceful pause to an abort (or give up on the engine), yet return 0 in
 * bounded time and report ops exactly.
 */
static int
stalled_removal(const struct stall_case *c)
{
	struct tchan *tc = &chans[DET_FN];
	uint64_t t0, dt;
	int ret;

	ret = stage_stalled(tc, FAST_ARGS, STALL_K, STALL_M, STALL_U, 32);
	if (ret != 0)
		return ret;
	if (c->extra != PLX_SIM_FAULT_NONE)
		CHECK_EQ(plx_sim_inject(sim, tc->fn, c->extra, 0), 0);
	t0 = plx_test_now_us();
	if (c->how == BY_APP) {
		CHECK_EQ(plx_test_pci_remove(tc->addr, false), 0);
	} else {
		CHECK_OK(unbind_request(tc, false));
		CHECK_OK(unbind_wait(tc));
	}
	dt = plx_test_now_us() - t0;
	CHECK_MSG(dt >= FAST_STOP_MS * 1000 && dt < WAIT_US,
		"removal took %" PRIu64 " us with a %u ms stop timeout", dt,
		FAST_STOP_MS);
	CHECK_MSG(log_has(c->log_line), "the PMD did not log \"%s\"",
		c->log_line);
	CHECK_OK(removed_now(tc));
	tchan_expect(tc, STALL_K, STALL_K + STALL_M,
		RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(drain_all(tc, true, 4));
	CHECK_OK(stats_match(tc, tc->id));
	CHECK_OK(held_check(tc, tc->id, NULL, 0));
	CHECK_OK(held_fast_path(tc));
	return dev_close_check(tc->id, c->frees);
}

static int
test_remove_stalled(void)
{
	static const struct stall_case c = { BY_APP, PLX_SIM_FAULT_NONE,
		"graceful pause timed out, aborting", 2 };

	return stalled_removal(&c);
}

static int
test_remove_pause_stuck(void)
{
	static const struct stall_case c = { BY_APP,
		PLX_SIM_FAULT_PAUSE_STUCK,
		"graceful pause timed out, aborting", 2 };

	return stalled_removal(&c);
}

/* The engine ignores pause and abort: the ring is kept (1 free). */
static int
test_remove_abort_stuck(void)
{
	static const struct stall_case c = { BY_APP,
		PLX_SIM_FAULT_ABORT_STUCK,
		"engine ignored pause and abort; giving up on it", 1 };

	return stalled_removal(&c);
}

static int
test_unbind_stalled(void)
{
	static const struct stall_case c = { BY_UNBIND, PLX_SIM_FAULT_NONE,
		"graceful pause timed out, aborting", 2 };

	return stalled_removal(&c);
}

/* The vanished device was noticed (first failure) in bounded time. */
static int
noticed_within(const struct tchan *tc, uint64_t t0)
{
	CHECK_MSG(tc->first_fail_us != 0 &&
			tc->first_fail_us - t0 < SURPRISE_BOUND_US,
		"%s: the vanished device was noticed after %" PRIu64 " us",
		tc->addr, tc->first_fail_us - t0);
	return 0;
}

/*
 * Nothing outstanding when the device vanishes: the first copy cannot
 * know (no register is read), it is reported DEV_LINK_ERROR as soon as
 * completions are polled, and then copy and submit fail.
 */
static int
test_surprise_idle(void)
{
	struct tchan *tc = &chans[DET_FN];
	uint64_t t0;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	CHECK_OK(tchan_start(tc, 32));
	CHECK_OK(smoke(tc));
	CHECK_EQ(plx_sim_inject(sim, tc->fn, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0), 0);
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_EQ(rc, SMOKE_OPS);
	tchan_expect(tc, SMOKE_OPS, SMOKE_OPS + 1,
		RTE_DMA_STATUS_DEV_LINK_ERROR);
	t0 = plx_test_now_us();
	CHECK_OK(drain_all(tc, false, 4));
	CHECK_OK(noticed_within(tc, t0));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(plx_test_vchan_is(tc->id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(stats_match(tc, tc->id));
	CHECK_EQ(rte_dma_get_dev_id_by_name(tc->addr), tc->id);
	CHECK_EQ(plx_test_pci_remove(tc->addr, false), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->id, NULL, 0));
	/* A function still off the bus cannot be probed. */
	CHECK_MSG(plx_test_pci_probe(tc->addr, NULL) < 0,
		"probe of %s succeeded while it is off the bus", tc->addr);
	CHECK(rte_dma_get_dev_id_by_name(tc->addr) < 0);
	return replug(tc, true, false, 2);
}

/* The ring is full (some ops never submitted) when the device vanishes. */
static int
test_surprise_full_ring(void)
{
	enum { K = 5, U = 7, RING = 32 };
	struct tchan *tc = &chans[DET_FN];
	uint64_t t0;
	int ret;

	ret = stage_stalled(tc, NULL, K, RING - K - U, U, RING);
	if (ret != 0)
		return ret;
	t0 = plx_test_now_us();
	CHECK_EQ(plx_sim_inject(sim, tc->fn, PLX_SIM_FAULT_SURPRISE_REMOVAL,
		0), 0);
	tchan_expect(tc, K, RING - U, RTE_DMA_STATUS_DEV_LINK_ERROR);
	CHECK_OK(drain_all(tc, true, 8));
	CHECK_OK(noticed_within(tc, t0));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(plx_test_vchan_is(tc->id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(stats_match(tc, tc->id));
	CHECK_EQ(plx_test_pci_remove(tc->addr, true), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->id, NULL, 0));
	return replug(tc, true, true, 2);
}

struct stop_job {
	int16_t id;
	int rc;
	uint64_t us;
};

static int
stop_job_run(void *arg)
{
	struct stop_job *j = arg;
	uint64_t t0 = plx_test_now_us();

	j->rc = rte_dma_stop(j->id);
	j->us = plx_test_now_us() - t0;
	return 0;
}

/* Wait until the PMD has written bit into the engine's CTRL register. */
static int
wait_ctrl_bit(const struct tchan *tc, uint32_t bit)
{
	const volatile uint8_t *bar = plx_sim_bar0(sim, tc->fn);
	const volatile uint32_t *ctrl =
		(const volatile uint32_t *)(bar + PLX_REG_CTRL);
	uint64_t end = plx_test_now_us() + WAIT_US;
	unsigned int spins = 0;

	while ((*ctrl & bit) == 0 || *ctrl == PLX_GONE_U32) {
		CHECK_MSG(plx_test_now_us() < end, "%s: CTRL never showed 0x%x",
			tc->addr, bit);
		if (++spins % 1024 == 0)
			sched_yield();
	}
	return 0;
}

/*
 * The device vanishes while rte_dma_stop() waits for the engine's graceful
 * pause (1 s timeout): the stop must notice and end early, and the ops it
 * could not stop are DEV_LINK_ERROR. A removal then releases the stopped
 * device at once.
 */
static int
test_surprise_during_stop(void)
{
	struct tchan *tc = &chans[DET_FN];
	struct stop_job job;
	int ret;

	if (nb_workers < 1)
		SKIP("needs a worker lcore");
	ret = stage_stalled(tc, NULL, STALL_K, STALL_M, STALL_U, 32);
	if (ret != 0)
		return ret;
	job = (struct stop_job){ tc->id, -1, 0 };
	CHECK_EQ(rte_eal_remote_launch(stop_job_run, &job, worker_lcores[0]),
		0);
	ret = wait_ctrl_bit(tc, PLX_CTRL_GRACEFUL_PAUSE);
	if (ret == 0)
		ret = plx_sim_inject(sim, tc->fn,
			PLX_SIM_FAULT_SURPRISE_REMOVAL, 0);
	rte_eal_wait_lcore(worker_lcores[0]);
	CHECK_EQ(ret, 0);
	CHECK_EQ(job.rc, 0);
	CHECK_MSG(job.us < 900 * 1000,
		"rte_dma_stop took %" PRIu64 " us: it waited out the pause timeout instead of noticing the device was gone",
		job.us);
	tchan_expect(tc, STALL_K, STALL_K + STALL_M,
		RTE_DMA_STATUS_DEV_LINK_ERROR);
	CHECK_OK(drain_all(tc, false, 8));
	CHECK_OK(plx_test_vchan_is(tc->id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(stats_match(tc, tc->id));
	CHECK_OK(held_fast_path(tc));
	CHECK_EQ(plx_test_pci_remove(tc->addr, false), 0);
	CHECK_MSG(!rte_dma_is_valid(tc->id),
		"stopped dmadev %d of %s not released by its removal", tc->id,
		tc->addr);
	CHECK(rte_dma_get_dev_id_by_name(tc->addr) < 0);
	return 0;
}

/* Remove, probe again: the heap must be as before (nothing kept). */
static int
remove_released(struct tchan *tc, const struct heap *before)
{
	struct heap after;
	int16_t id = tc->id;

	CHECK_EQ(plx_test_pci_remove(tc->addr, false), 0);
	CHECK_MSG(!rte_dma_is_valid(id),
		"dmadev %d of %s not released by its removal", id, tc->addr);
	CHECK(rte_dma_get_dev_id_by_name(tc->addr) < 0);
	CHECK_EQ(rte_dma_count_avail(), nb_funcs - 1);
	CHECK_EQ(rte_dma_close(id), -EINVAL);
	CHECK_EQ(plx_test_pci_probe(tc->addr, NULL), 0);
	CHECK_OK(tchan_attach(tc));
	heap_get(&after);
	return heap_same(before, &after, "after remove and re-probe");
}

/*
 * A device that is not started, with nothing left to collect, is released
 * by its removal at once.
 */
static int
test_remove_not_started(void)
{
	struct tchan *tc = &chans[DET_FN];
	struct heap h0;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	CHECK_EQ(rte_dma_count_avail(), nb_funcs);
	heap_get(&h0);
	/* configured, never started */
	CHECK_OK(plx_test_configure(tc->id, 64));
	CHECK_OK(remove_released(tc, &h0));
	/* started, then stopped */
	CHECK_OK(start_smoke_stop(tc));
	return remove_released(tc, &h0);
}

/*
 * A stopped channel with ops still to collect (done but not collected,
 * never submitted) is held by its removal: it reports each op once, then
 * its close frees all; the address probes afresh.
 */
static int
test_remove_stopped_pending(void)
{
	enum { DONE = 6, UNSUB = 3, RING = 32 };
	struct tchan *tc = &chans[DET_FN];
	struct heap h0, h1;
	uint64_t base;
	unsigned int i;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	heap_get(&h0);
	CHECK_OK(tchan_start(tc, RING));
	base = sim_descs(tc);
	for (i = 0; i < DONE + UNSUB; i++) {
		CHECK_OK(op_issue(tc, i + 1 == DONE ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, &rc));
		CHECK_MSG(rc >= 0, "copy %u on %s: %d", i, tc->addr, rc);
	}
	CHECK_OK(wait_descs(tc, base + DONE));
	CHECK_EQ(rte_dma_stop(tc->id), 0);
	CHECK_EQ(plx_test_pci_remove(tc->addr, false), 0);
	CHECK_OK(removed_now(tc));
	CHECK_OK(held_check(tc, tc->id, NULL, 0));
	tchan_expect(tc, DONE, DONE, RTE_DMA_STATUS_SUCCESSFUL);
	CHECK_OK(drain_all(tc, false, 4));
	CHECK_EQ(tc->nb_st[0], DONE);
	CHECK_EQ(tc->nb_st[2], UNSUB);
	CHECK_OK(stats_match(tc, tc->id));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(plx_test_vchan_is(tc->id, RTE_DMA_VCHAN_HALTED_ERROR));
	CHECK_OK(dev_close_check(tc->id, 2));
	CHECK_EQ(plx_test_pci_probe(tc->addr, NULL), 0);
	CHECK_OK(tchan_attach(tc));
	heap_get(&h1);
	CHECK_OK(heap_same(&h0, &h1, "after close and re-probe"));
	return start_smoke_stop(tc);
}

/*
 * The held channel's fast path after a removal: -ENODEV without hardware
 * access, the ops handed out before are all reported (completed() first,
 * as an application that only looks at failures would), nothing after;
 * start fails; close frees it once.
 */
static int
test_removed_fast_path(void)
{
	enum { K = 3, M = 6, U = 5, RING = 64 };
	struct tchan *tc = &chans[DET_FN];
	uint64_t descs;
	int ret, rc;

	ret = stage_stalled(tc, FAST_ARGS, K, M, U, RING);
	if (ret != 0)
		return ret;
	CHECK_EQ(plx_test_pci_remove(tc->addr, false), 0);
	descs = sim_descs(tc);
	CHECK_OK(op_issue(tc, 0, &rc));
	CHECK_EQ(rc, -ENODEV);
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_EQ(rc, -ENODEV);
	CHECK_EQ(rte_dma_submit(tc->id, 0), -ENODEV);
	/* Still the ring's free slots, so a waiting caller gets to copy(). */
	CHECK_EQ(rte_dma_burst_capacity(tc->id, 0),
		tc->nb_desc - (tc->handed - tc->rep));
	CHECK_EQ(sim_descs(tc), descs);
	tchan_expect(tc, K, K + M, RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(drain_all(tc, true, 4));
	CHECK_OK(held_fast_path(tc));
	CHECK_OK(held_check(tc, tc->id, NULL, 0));
	CHECK_MSG(rte_dma_submit(tc->id, 0) == -ENODEV,
		"submit on removed %s with nothing pending: %d, expected -ENODEV",
		tc->addr, rte_dma_submit(tc->id, 0));
	CHECK_EQ(rte_dma_stop(tc->id), 0);
	CHECK_EQ(rte_dma_start(tc->id), -ENODEV);
	return dev_close_check(tc->id, 2);
}

/* Two re-plugs while both old channels are held: three distinct ids. */
static int
test_replug_twice_held(void)
{
	char names[2][RTE_DEV_NAME_MAX_LEN];
	struct tchan *tc = &chans[DET_FN];
	int16_t ids[3];
	unsigned int i;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, NULL));
	for (i = 0; i < 2; i++) {
		CHECK_OK(tchan_start(tc, 32));
		CHECK_OK(smoke(tc));
		ids[i] = tc->id;
		CHECK_EQ(plx_test_pci_remove(tc->addr, i == 1), 0);
		CHECK_OK(removed_now(tc));
		CHECK_OK(held_check(tc, ids[i], names[i], sizeof(names[i])));
		CHECK_EQ(plx_test_pci_probe(tc->addr, NULL), 0);
		CHECK_OK(tchan_attach(tc));
	}
	ids[2] = tc->id;
	CHECK_MSG(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2],
		"ids %d, %d, %d are not distinct", ids[0], ids[1], ids[2]);
	CHECK_MSG(strcmp(names[0], names[1]) != 0,
		"both held channels are named %s", names[0]);
	for (i = 0; i < 2; i++)
		CHECK_EQ(rte_dma_get_dev_id_by_name(names[i]), ids[i]);
	CHECK_EQ(rte_dma_get_dev_id_by_name(tc->addr), ids[2]);
	CHECK_OK(start_smoke_stop(tc));
	for (i = 0; i < 2; i++)
		CHECK_OK(dev_close_check(ids[i], 2));
	CHECK(rte_dma_is_valid(ids[2]));
	return 0;
}

/* --- torture: workers --- */

enum role {
	ROLE_VICTIM,	/* its device is removed */
	ROLE_SURVIVOR,	/* runs until told to finish */
	ROLE_STOPPER,	/* stops its own channel while others are removed */
};

static const char *const role_names[] = {
	[ROLE_VICTIM] = "victim",
	[ROLE_SURVIVOR] = "survivor",
	[ROLE_STOPPER] = "stopper",
};

enum phase { PH_START, PH_ISSUE, PH_POLL, PH_DRAIN, PH_DONE };

struct worker {
	struct tchan *tc;
	enum role role;
	uint32_t fail_mask;	/* failures the removal may cause */
	bool prefer_full;
	bool abandon;		/* survivor: leave ops outstanding */
	uint32_t submit_odds;	/* 1 in this many copies has SUBMIT */
	uint64_t rnd;
	/* shared with the main lcore */
	uint64_t handed_pub;
	uint32_t full_seen;
	uint32_t phase;
	uint32_t finish;
	uint64_t noticed_us;
	char msg[PLX_TEST_MSG_LEN];
};

static uint32_t g_abort;	/* the main lcore gave up */
#define ABORTED_MSG	"stopped by the main lcore"

static void
worker_phase(struct worker *w, enum phase ph)
{
	__atomic_store_n(&w->phase, ph, __ATOMIC_RELEASE);
}


/* One burst of copies (maybe up to a full ring), maybe a submit. */
static int
worker_issue(struct worker *w, int *rc, const char **what)
{
	struct tchan *tc = w->tc;
	bool fill = rnd_below(&w->rnd, w->prefer_full ? 2 : 8) == 0;
	unsigned int burst = 1 + rnd_below(&w->rnd, tc->nb_desc +
		tc->nb_desc / 4);
	unsigned int i;

	worker_phase(w, PH_ISSUE);
	*what = "copy";
	for (i = 0; fill || i < burst; i++) {
		uint64_t flags = !fill &&
			rnd_below(&w->rnd, w->submit_odds) == 0 ?
			RTE_DMA_OP_FLAG_SUBMIT : 0;

		CHECK_OK(op_issue(tc, flags, rc));
		__atomic_store_n(&w->handed_pub, tc->handed,
			__ATOMIC_RELEASE);
		if (*rc >= 0)
			continue;
		if (*rc != -ENOSPC)
			return 0;
		CHECK_MSG(tc->handed - tc->rep == tc->nb_desc,
			"copy on %s: -ENOSPC with %" PRIu64 " of %u slots in use",
			tc->addr, tc->handed - tc->rep, tc->nb_desc);
		__atomic_fetch_add(&w->full_seen, 1, __ATOMIC_RELEASE);
		break;
	}
	*rc = 0;
	if (rnd_below(&w->rnd, 4) != 0) {
		*what = "submit";
		*rc = op_submit(tc);
	}
	return 0;
}

/* One poll, with completed() or completed_status() at random. */
static int
worker_poll(struct worker *w, uint16_t *n)
{
	struct tchan *tc = w->tc;
	uint16_t max = 1 + rnd_below(&w->rnd, 2 * tc->nb_desc), more;
	bool err;

	worker_phase(w, PH_POLL);
	if (rnd_below(&w->rnd, 2) == 0)
		return collect_status(tc, max, n);
	CHECK_OK(collect_ok(tc, max, n, &err));
	if (err) {
		CHECK_OK(collect_status(tc, max, &more));
		*n += more;
	}
	return 0;
}

/* copy or submit failed with rc: the channel's device is gone. */
static int
victim_drain(struct worker *w, int rc, const char *what)
{
	struct tchan *tc = w->tc;

	CHECK_MSG(w->role == ROLE_VICTIM && rc == -ENODEV,
		"%s on %s %s returned %d (%s)%s, expected %s", what,
		role_names[w->role], tc->addr, rc, strerror(-rc),
		__atomic_load_n(&g_removing, __ATOMIC_ACQUIRE) ?
			" while a removal was under way" : "",
		w->role == ROLE_VICTIM ? "-ENODEV" : "success");
	w->noticed_us = plx_test_now_us();
	worker_phase(w, PH_DRAIN);
	CHECK_OK(drain_all(tc, rnd_below(&w->rnd, 2) == 0,
		1 + rnd_below(&w->rnd, tc->nb_desc)));
	return held_fast_path(tc);
}

/* The application stops this channel while others are being removed. */
static int
stopper_stop(struct worker *w)
{
	struct tchan *tc = w->tc;
	int rc;

	CHECK_EQ(rte_dma_stop(tc->id), 0);
	tc->allowed = ST_BIT(RTE_DMA_STATUS_USER_ABORT);
	CHECK_OK(drain_all(tc, false, tc->nb_desc));
	CHECK_OK(op_issue(tc, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc == -EINVAL, "copy on stopped %s: %d, expected -EINVAL",
		tc->addr, rc);
	return 0;
}

static int
survivor_finish(struct worker *w)
{
	struct tchan *tc = w->tc;

	if (w->abandon)
		return 0;
	CHECK_EQ(op_submit(tc), 0);
	return drain_all(tc, rnd_below(&w->rnd, 2) == 0, tc->nb_desc);
}

static int
worker_run(struct worker *w)
{
	uint64_t end = 0;
	unsigned int spins = 0;
	const char *what;
	uint16_t n;
	int rc;

	for (;;) {
		CHECK_MSG(!__atomic_load_n(&g_abort, __ATOMIC_ACQUIRE),
			ABORTED_MSG);
		if (w->role == ROLE_SURVIVOR &&
				__atomic_load_n(&w->finish, __ATOMIC_ACQUIRE))
			return survivor_finish(w);
		if (w->role != ROLE_SURVIVOR &&
				__atomic_load_n(&g_removing, __ATOMIC_ACQUIRE)) {
			if (w->role == ROLE_STOPPER)
				return stopper_stop(w);
			if (end == 0)
				end = plx_test_now_us() + WAIT_US;
			CHECK_MSG(plx_test_now_us() < end,
				"copy and submit on %s still succeed %u s after its removal began",
				w->tc->addr, WAIT_US / 1000000);
		}
		CHECK_OK(worker_issue(w, &rc, &what));
		if (rc < 0)
			return victim_drain(w, rc, what);
		CHECK_OK(worker_poll(w, &n));
		if (n == 0)
			plx_test_idle(&spins);
	}
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;
	int ret;

	plx_test_msg[0] = '\0';
	ret = plx_test_result(worker_run(w), w->msg, sizeof(w->msg));
	worker_phase(w, PH_DONE);
	return ret;
}

/* Launch n workers; on failure *launched of them run. */
static int
workers_launch(struct worker *ws, unsigned int n, unsigned int *launched)
{
	for (*launched = 0; *launched < n; (*launched)++)
		CHECK_EQ(rte_eal_remote_launch(worker_main, &ws[*launched],
			worker_lcores[*launched]), 0);
	return 0;
}

/*
 * Join n workers; if the main lcore failed (ret != 0) tell them to give
 * up first. A worker's own failure comes first in the report, it usually
 * explains the main lcore's.
 */
static int
workers_join(struct worker *ws, unsigned int n, int ret)
{
	char main_msg[PLX_TEST_MSG_LEN];
	int rc[MAX_CHANS];
	unsigned int i;

	memcpy(main_msg, plx_test_msg, sizeof(main_msg));
	plx_test_msg[0] = '\0';
	if (ret != 0)
		__atomic_store_n(&g_abort, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		rc[i] = rte_eal_wait_lcore(worker_lcores[i]);
	__atomic_store_n(&g_abort, 0, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++) {
		if (rc[i] == 0 || strncmp(ws[i].msg, ABORTED_MSG,
				strlen(ABORTED_MSG)) == 0)
			continue;
		/* The worker's message has its file and line. */
		plx_test_record(NULL, 0, "%s worker on %s: %s%s%s",
			role_names[ws[i].role], ws[i].tc->addr, ws[i].msg,
			main_msg[0] != '\0' ? "; then " : "", main_msg);
		return -1;
	}
	if (ret == 0)
		return 0;
	memcpy(plx_test_msg, main_msg, sizeof(main_msg));
	if (plx_test_msg[0] == '\0')
		plx_test_record(NULL, 0, "a worker ended early");
	return -1;
}

static int
worker_wait_done(const struct worker *w)
{
	struct plx_wait wt = plx_wait_begin(WAIT_US);

	while (__atomic_load_n(&w->phase, __ATOMIC_ACQUIRE) != PH_DONE)
		CHECK_MSG(plx_waiting(&wt, 0),
			"the worker on %s did not notice its device vanished within %u s",
			w->tc->addr, WAIT_US / 1000000);
	return 0;
}

/* Where in the victim's loop the removal hits. */
enum trigger { TR_NOW, TR_OPS, TR_FULL, TR_POLL, TR_DELAY, TR_MAX };

static int
wait_trigger(struct worker *w, enum trigger tr, uint64_t *rs)
{
	uint64_t end = plx_test_now_us() + WAIT_US, target = 0;
	unsigned int spins = 0;

	if (tr == TR_NOW)
		return 0;
	if (tr == TR_DELAY) {
		/* A random instant, not a synchronisation. */
		rte_delay_us_block(rnd_below(rs, 3000));
		return 0;
	}
	if (tr == TR_OPS)
		target = 1 + rnd_below(rs, 3 * w->tc->nb_desc);
	for (;;) {
		if (tr == TR_OPS && __atomic_load_n(&w->handed_pub,
				__ATOMIC_ACQUIRE) >= target)
			return 0;
		if (tr == TR_FULL && __atomic_load_n(&w->full_seen,
				__ATOMIC_ACQUIRE) > 0)
			return 0;
		if (tr == TR_POLL && __atomic_load_n(&w->phase,
				__ATOMIC_ACQUIRE) == PH_POLL)
			return 0;
		/* It failed: joining it tells why. */
		if (__atomic_load_n(&w->phase, __ATOMIC_ACQUIRE) == PH_DONE)
			return -1;
		CHECK_MSG(plx_test_now_us() < end,
			"the worker on %s never reached trigger %d", w->tc->addr,
			tr);
		if (++spins % 1024 == 0)
			sched_yield();
		else
			rte_pause();
	}
}

/* --- torture: cycles --- */

enum kind { KIND_APP, KIND_UNBIND, KIND_SURPRISE, KIND_CLEANUP };

static const char *const kind_names[] = {
	[KIND_APP] = "app",
	[KIND_UNBIND] = "unbind",
	[KIND_SURPRISE] = "surprise",
	[KIND_CLEANUP] = "cleanup",
};

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

static uint32_t
fail_mask_of(enum kind kind)
{
	return kind == KIND_SURPRISE ?
		ST_BIT(RTE_DMA_STATUS_DEV_LINK_ERROR) |
		ST_BIT(RTE_DMA_STATUS_USER_ABORT) :
		ST_BIT(RTE_DMA_STATUS_USER_ABORT);
}

/* Pick and start the cycle's channels, give each a worker. */
static int
cycle_setup(struct cycle *c, unsigned int nfuncs, bool all_victims)
{
	unsigned int perm[MAX_FUNCS], i, j, t;

	c->nch = 1 + rnd_below(&c->rs, min_u(min_u(nfuncs, nb_workers),
		MAX_CHANS));
	c->nv = all_victims ? c->nch : 1 + rnd_below(&c->rs, c->nch);
	for (i = 0; i < nfuncs; i++)
		perm[i] = i;
	for (i = 0; i < c->nch; i++) {
		j = i + rnd_below(&c->rs, nfuncs - i);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < c->nch; i++) {
		struct worker *w = &c->ws[i];

		memset(w, 0, sizeof(*w));
		w->tc = &chans[perm[i]];
		w->role = i < c->nv ? ROLE_VICTIM :
			rnd_below(&c->rs, 2) ? ROLE_STOPPER : ROLE_SURVIVOR;
		w->fail_mask = fail_mask_of(c->kind);
		w->submit_odds = 1u << (2 * rnd_below(&c->rs, 4));
		w->rnd = rnd_next(&c->rs);
		CHECK_OK(tchan_attach(w->tc));
		CHECK_OK(tchan_start(w->tc, MIN_RING +
			rnd_below(&c->rs, MAX_RING - MIN_RING + 1)));
		w->tc->rnd = rnd_next(&c->rs);
		if (w->role == ROLE_VICTIM)
			w->tc->allowed_removing = w->fail_mask;
	}
	return 0;
}

/* Remove the victims the cycle's way; the workers run meanwhile. */
static int
cycle_remove(struct cycle *c)
{
	bool early = rnd_below(&c->rs, 4) == 0;
	unsigned int i;

	c->inject_us = plx_test_now_us();
	for (i = 0; i < c->nv; i++) {
		struct tchan *tc = c->ws[i].tc;

		switch (c->kind) {
		case KIND_APP:
			CHECK_EQ(plx_test_pci_remove(tc->addr,
				rnd_below(&c->rs, 2)), 0);
			CHECK_OK(removed_now(tc));
			break;
		case KIND_UNBIND:
			CHECK_OK(unbind_request(tc, rnd_below(&c->rs, 2)));
			break;
		default:
			CHECK_EQ(plx_sim_inject(sim, tc->fn,
				PLX_SIM_FAULT_SURPRISE_REMOVAL, 0), 0);
			break;
		}
	}
	for (i = 0; i < c->nv && c->kind != KIND_APP; i++) {
		struct worker *w = &c->ws[i];

		if (c->kind == KIND_UNBIND) {
			CHECK_OK(unbind_wait(w->tc));
			CHECK_OK(removed_now(w->tc));
			continue;
		}
		/* Surprise: the driver notices alone, unless the application
		 * removes the device first. */
		if (!early) {
			CHECK_OK(worker_wait_done(w));
			CHECK_OK(plx_test_vchan_is(w->tc->id,
				RTE_DMA_VCHAN_HALTED_ERROR));
		}
		CHECK_EQ(plx_test_pci_remove(w->tc->addr,
			rnd_below(&c->rs, 2)), 0);
		CHECK_OK(removed_now(w->tc));
	}
	return 0;
}

/* After the workers: check, close and re-plug victims, reset others. */
static int
cycle_finish(struct cycle *c)
{
	unsigned int i;

	for (i = 0; i < c->nch; i++) {
		struct worker *w = &c->ws[i];
		struct tchan *tc = w->tc;
		uint64_t sign;

		c->nb_st[0] += tc->nb_st[0];
		c->nb_st[1] += tc->nb_st[1];
		c->nb_st[2] += tc->nb_st[2];
		c->nb_st[3] += tc->nb_st[3];
		if (w->role != ROLE_VICTIM) {
			CHECK_EQ(rte_dma_stop(tc->id), 0);
			CHECK_OK(stats_match(tc, tc->id));
			CHECK_OK(fresh_device(tc));
			continue;
		}
		CHECK_OK(held_check(tc, tc->id, NULL, 0));
		if (c->kind == KIND_SURPRISE) {
			sign = RTE_MIN(w->noticed_us, tc->first_fail_us != 0 ?
				tc->first_fail_us : UINT64_MAX);
			if (sign > c->inject_us && sign != UINT64_MAX)
				c->latency_us = RTE_MAX(c->latency_us,
					sign - c->inject_us);
		}
		CHECK_OK(replug(tc, c->kind == KIND_SURPRISE,
			rnd_below(&c->rs, 2), 2));
		CHECK_OK(fresh_device(tc));
	}
	return 0;
}

static int
torture_cycle(struct cycle *c)
{
	unsigned int i, launched;
	int ret;

	CHECK_OK(cycle_setup(c, min_u(nb_funcs, MAX_CHANS),
		false));
	c->ws[0].prefer_full = rnd_below(&c->rs, 3) == 0;
	__atomic_store_n(&g_removing, 0, __ATOMIC_RELEASE);
	ret = workers_launch(c->ws, c->nch, &launched);
	if (ret == 0)
		ret = wait_trigger(&c->ws[0], rnd_below(&c->rs, TR_MAX),
			&c->rs);
	if (ret == 0) {
		__atomic_store_n(&g_removing, 1, __ATOMIC_RELEASE);
		ret = cycle_remove(c);
	}
	for (i = 0; i < c->nch; i++)
		__atomic_store_n(&c->ws[i].finish, 1, __ATOMIC_RELEASE);
	if (workers_join(c->ws, launched, ret) != 0)
		return -1;
	return cycle_finish(c);
}

/* Every function with a fresh device, as between cycles. */
static int
torture_prepare(void)
{
	unsigned int fn;

	NEED_SIM(sim);
	if (nb_workers == 0)
		SKIP("needs worker lcores");
	for (fn = 0; fn < min_u(nb_funcs, MAX_CHANS); fn++)
		CHECK_OK(func_restore(&chans[fn], NULL));
	return 0;
}

static unsigned int g_cycles = DEFAULT_CYCLES;
static unsigned int g_cleanup_cycles;

/*
 * The heap with every function removed: all the device memory is free
 * and merged back, so its size no longer depends on where rings and
 * private data happened to land. Probe them again after.
 */
static int
heap_settled(struct heap *h)
{
	unsigned int fn, nfuncs = min_u(nb_funcs, MAX_CHANS);

	for (fn = 0; fn < nfuncs; fn++)
		CHECK_EQ(plx_test_pci_remove(chans[fn].addr, false), 0);
	heap_get(h);
	for (fn = 0; fn < nfuncs; fn++) {
		CHECK_EQ(plx_test_pci_probe(chans[fn].addr, NULL), 0);
		CHECK_OK(tchan_attach(&chans[fn]));
	}
	return 0;
}

static int
torture(enum kind kind)
{
	struct heap base = { 0, 0 }, first = { 0, 0 }, h;
	uint64_t t0 = plx_test_now_us(), latency = 0, nb_st[4] = { 0, 0, 0, 0 };
	unsigned int cycle, nch = 0, nv = 0, i;
	int ret;

	ret = torture_prepare();
	if (ret != 0)
		return ret;
	for (cycle = 0; cycle < g_cycles; cycle++) {
		struct cycle c = { .kind = kind };

		c.rs = seed_of(kind, cycle);
		log_mark_now();
		if (torture_cycle(&c) != 0) {
			plx_test_msg_prefix("cycle %u of %u", cycle + 1,
				g_cycles);
			return -1;
		}
		latency = RTE_MAX(latency, c.latency_us);
		nch += c.nch;
		nv += c.nv;
		for (i = 0; i < RTE_DIM(nb_st); i++)
			nb_st[i] += c.nb_st[i];
		/* Element count between cycles: a leak shows at once. */
		heap_get(&h);
		if (cycle == 0)
			first = h;
		CHECK_MSG(h.count == first.count,
			"cycle %u: %" PRIu64 " rte_malloc elements between cycles, %" PRIu64 " after cycle 1",
			cycle + 1, h.count, first.count);
		/* Bytes too, with all device memory merged back. */
		if (cycle == 0)
			CHECK_OK(heap_settled(&base));
		if (cycle == g_cycles - 1 && cycle > 0) {
			CHECK_OK(heap_settled(&h));
			CHECK_OK(heap_same(&base, &h, "after the last cycle"));
		}
	}
	printf("# torture_%s: %u cycles, %u channels, %u removed; ops "
		"SUCCESSFUL %" PRIu64 ", USER_ABORT %" PRIu64
		", NOT_ATTEMPTED %" PRIu64 ", DEV_LINK_ERROR %" PRIu64
		"; %" PRIu64 " ms", kind_names[kind], g_cycles, nch, nv,
		nb_st[0], nb_st[1], nb_st[2], nb_st[3],
		(plx_test_now_us() - t0) / 1000);
	if (kind == KIND_SURPRISE)
		printf("; slowest detection %" PRIu64 " us", latency);
	printf("\n");
	return 0;
}

static int
test_torture_app(void)
{
	return torture(KIND_APP);
}

static int
test_torture_unbind(void)
{
	return torture(KIND_UNBIND);
}

static int
test_torture_surprise(void)
{
	return torture(KIND_SURPRISE);
}

/* --- torture: rte_eal_cleanup() with started channels (a child each) --- */

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

static const char *const cv_names[] = {
	[CV_EAL] = "eal",
	[CV_BUS] = "bus",
};

/* The child: traffic, then the cleanup; the caller runs rte_eal_cleanup. */
static int
child_run(enum cleanup_variant v, uint64_t seed)
{
	struct cycle c = { .kind = KIND_CLEANUP, .rs = seed };
	unsigned int i, launched;
	struct rte_bus *bus = rte_bus_find_by_name("pci");
	int ret, bret = 0;

	if (sim == NULL || nb_workers == 0)
		SKIP("needs dpdk-plx-sim and worker lcores");
	CHECK(bus != NULL && bus->cleanup != NULL);
	CHECK_OK(cycle_setup(&c, min_u(nb_funcs, MAX_CHANS),
		v == CV_BUS));
	for (i = 0; i < c.nch; i++) {
		if (v == CV_EAL)
			c.ws[i].role = ROLE_SURVIVOR;
		c.ws[i].abandon = rnd_below(&c.rs, 2);
	}
	ret = workers_launch(c.ws, c.nch, &launched);
	if (ret == 0)
		ret = wait_trigger(&c.ws[0], rnd_below(&c.rs, TR_MAX), &c.rs);
	if (ret == 0 && v == CV_BUS) {
		__atomic_store_n(&g_removing, 1, __ATOMIC_RELEASE);
		bret = bus->cleanup();
	}
	for (i = 0; i < c.nch; i++)
		__atomic_store_n(&c.ws[i].finish, 1, __ATOMIC_RELEASE);
	if (workers_join(c.ws, launched, ret) != 0)
		return -1;
	if (v == CV_EAL) {
		for (i = 0; i < c.nch; i++)
			if (!c.ws[i].abandon)
				CHECK_OK(stats_match(c.ws[i].tc,
					c.ws[i].tc->id));
		return 0;
	}
	CHECK_EQ(bret, 0);
	for (i = 0; i < c.nch; i++) {
		CHECK_OK(held_check(c.ws[i].tc, c.ws[i].tc->id, NULL, 0));
		CHECK_OK(dev_close_check(c.ws[i].tc->id, 2));
	}
	/* The channels nobody started were released by the cleanup. */
	CHECK_EQ(rte_dma_count_avail(), 0);
	return 0;
}

/* The started channels' removals, as logged by the PMD. */
static int
child_check_removals(void)
{
	char line[RTE_DEV_NAME_MAX_LEN + 32];
	unsigned int fn;

	for (fn = 0; fn < nb_funcs; fn++) {
		struct tchan *tc = &chans[fn];
		bool started = tc->nb_desc != 0;

		snprintf(line, sizeof(line), "%s: removed while in use",
			tc->addr);
		CHECK_MSG(log_has(line) == started,
			"%s: the PMD's log %s \"%s\"", tc->addr,
			started ? "lacks" : "has", line);
	}
	return 0;
}

static int
child_main(enum cleanup_variant v, uint64_t seed)
{
	int ret, rc;

	log_mark_now();
	ret = child_run(v, seed);
	log_capture_stop();
	if (ret > 0) {
		printf(CHILD_SKIP "%s\n", plx_test_msg);
		rte_eal_cleanup();
		log_capture_free();
		return 0;
	}
	chans_free();
	/* The PMD logs (into the capture) as the cleanup removes. */
	rte_openlog_stream(log_f);
	rc = rte_eal_cleanup();
	rte_openlog_stream(NULL);
	if (ret == 0 && rc != 0)
		plx_test_record(__FILE__, __LINE__, "rte_eal_cleanup: %d", rc);
	if (ret == 0 && v == CV_EAL && child_check_removals() != 0)
		ret = -1;
	log_show();
	if (ret != 0 || plx_test_msg[0] != '\0')
		printf("FAIL cleanup-child: %s\n", plx_test_msg);
	else
		printf(CHILD_OK " (%s)\n", cv_names[v]);
	log_capture_free();
	return plx_test_msg[0] != '\0' ? 1 : 0;
}

/* The parent's side, before its own EAL initialisation. */
static int eal_argc;
static char **eal_argv;

static char *
child_output(int fd, pid_t pid, bool *timed_out)
{
	uint64_t end = plx_test_now_us() + CHILD_WAIT_US;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	*timed_out = false;
	while (out != NULL) {
		if (len + 1024 > cap) {
			char *bigger = realloc(out, cap * 2);

			if (bigger == NULL)
				break;
			out = bigger;
			cap *= 2;
		}
		if (poll(&p, 1, 1000) == 0) {
			if (plx_test_now_us() < end)
				continue;
			*timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		n = read(fd, out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	if (out != NULL)
		out[len] = '\0';
	return out;
}

static bool
sanitizer_report(const char *out)
{
	return strstr(out, "ERROR: AddressSanitizer") != NULL ||
		strstr(out, "ERROR: LeakSanitizer") != NULL ||
		strstr(out, "runtime error:") != NULL ||
		strstr(out, "SUMMARY: ") != NULL;
}

static void
show_child(const char *out)
{
	const char *p, *nl;

	for (p = out; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			printf("# child: %s\n", p);
			break;
		}
		printf("# child: %.*s\n", (int)(nl - p), p);
	}
}

/* Run one child; 1 if it skipped. */
static int
run_child(enum cleanup_variant v, uint64_t seed, unsigned int cycle)
{
	char prefix[64], seed_s[32], variant_s[8];
	char *args[CHILD_MAX_ARGS];
	const char *why = NULL;
	bool timed_out, prefixed = false;
	int fds[2], status = 0, i, n = 0;
	char *out;
	pid_t pid;

	CHECK_MSG(eal_argc + 8 <= CHILD_MAX_ARGS, "too many EAL arguments");
	snprintf(prefix, sizeof(prefix), "unplugc%d_%u", (int)getpid(),
		cycle);
	snprintf(seed_s, sizeof(seed_s), "%" PRIu64, seed);
	snprintf(variant_s, sizeof(variant_s), "%u", v);
	for (i = 0; i < eal_argc; i++) {
		args[n++] = eal_argv[i];
		if (strcmp(eal_argv[i], "--file-prefix") == 0 &&
				i + 1 < eal_argc) {
			args[n++] = prefix;
			i++;
			prefixed = true;
		} else if (strncmp(eal_argv[i], "--file-prefix=", 14) == 0) {
			args[n - 1] = NULL;
			n--;
		}
	}
	if (!prefixed) {
		args[n++] = (char *)(uintptr_t)"--file-prefix";
		args[n++] = prefix;
	}
	args[n++] = (char *)(uintptr_t)"--";
	args[n++] = (char *)(uintptr_t)"--cleanup-child";
	args[n++] = variant_s;
	args[n++] = (char *)(uintptr_t)"--seed";
	args[n++] = seed_s;
	args[n] = NULL;

	CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		FAIL("fork: %s", strerror(errno));
	}
	out = child_output(fds[0], pid, &timed_out);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out == NULL)
		why = "no memory for its output";
	else if (timed_out)
		why = "timed out";
	else if (WIFSIGNALED(status))
		why = strsignal(WTERMSIG(status));
	else if (sanitizer_report(out))
		why = "sanitizer report";
	else if (strstr(out, CHILD_SKIP) != NULL && WEXITSTATUS(status) == 0)
		why = NULL;
	else if (WEXITSTATUS(status) != 0 || strstr(out, CHILD_OK) == NULL)
		why = "failed";
	if (why == NULL && strstr(out, CHILD_SKIP) != NULL) {
		plx_test_record(NULL, 0, "%s", strstr(out, CHILD_SKIP) +
			strlen(CHILD_SKIP));
		free(out);
		return 1;
	}
	if (why != NULL) {
		const char *fail = out != NULL ?
			strstr(out, "FAIL cleanup-child: ") : NULL;

		if (out != NULL)
			show_child(out);
		plx_test_record(__FILE__, __LINE__,
			"cleanup child %u (variant %s, exit %d): %s%s%.*s; rerun with -- --cleanup-child %u --seed %" PRIu64,
			cycle + 1, cv_names[v], WIFEXITED(status) ?
				WEXITSTATUS(status) : -1, why,
			fail != NULL ? ": " : "",
			fail != NULL ? (int)strcspn(fail + 20, "\n") : 0,
			fail != NULL ? fail + 20 : "", v, seed);
	}
	free(out);
	return why != NULL ? -1 : 0;
}

static int
test_torture_cleanup(void)
{
	unsigned int cycle, cycles = g_cleanup_cycles != 0 ?
		g_cleanup_cycles : RTE_MAX(g_cycles / 20, 2u);
	uint64_t t0 = plx_test_now_us();
	int ret;

	for (cycle = 0; cycle < cycles; cycle++) {
		ret = run_child(cycle % CV_MAX, seed_of(KIND_CLEANUP, cycle),
			cycle);
		if (ret != 0)
			return ret;
	}
	printf("# torture_cleanup: %u child processes in %" PRIu64 " ms\n",
		cycles, (plx_test_now_us() - t0) / 1000);
	return 0;
}

/* --- fast-path cost of the unplug guard (not a test) --- */

struct bench {
	uint64_t cycles;	/* in the calls */
	uint64_t calls;
	uint64_t ops;		/* ops the calls took or returned */
};

static void
bench_add(struct bench *b, uint64_t t0, uint64_t ops)
{
	b->cycles += rte_rdtsc() - t0;
	b->calls++;
	b->ops += ops;
}

/*
 * Throughput, and the cycles spent in each fast-path call: the guard
 * around BAR0 is in submit (and in completed's rare device check); copy
 * and completed otherwise touch host memory only. Bursts of copies are
 * timed together to keep rdtsc out of the figure.
 */
static int
bench_guard(void)
{
	struct tchan *tc = &chans[0];
	struct bench cp = { 0, 0, 0 }, sub = { 0, 0, 0 }, cpl = { 0, 0, 0 };
	const char *null_copy = getenv("PLX_SIM_NULL_COPY");
	uint64_t t0, t, empty = 0, end;
	unsigned int j;
	uint16_t last, n;
	bool err = false;
	int rc = 0;

	CHECK_MSG(sim != NULL && nb_funcs > 0, "needs dpdk-plx-sim");
	if (null_copy == NULL || strcmp(null_copy, "1") != 0)
		printf("# warning: the simulator was not started with --null-copy\n");
	CHECK_OK(tchan_attach(tc));
	CHECK_OK(tchan_start(tc, BENCH_RING));
	t0 = rte_rdtsc();
	while (cp.ops < BENCH_OPS) {
		t = rte_rdtsc();
		for (j = 0; j < BENCH_BATCH && cp.ops + j < BENCH_OPS; j++) {
			rc = rte_dma_copy(tc->id, 0, tc->src_iova,
				tc->dst_iova, 64, 0);
			if (rc < 0)
				break;
		}
		bench_add(&cp, t, j);
		CHECK_MSG(rc >= 0 || rc == -ENOSPC, "copy: %d", rc);
		t = rte_rdtsc();
		rc = rte_dma_submit(tc->id, 0);
		bench_add(&sub, t, 0);
		CHECK_EQ(rc, 0);
		t = rte_rdtsc();
		n = rte_dma_completed(tc->id, 0, 2 * BENCH_BATCH, &last, &err);
		if (n > 0)
			bench_add(&cpl, t, n);
		else
			empty++;
		CHECK(!err);
	}
	end = plx_test_now_us() + WAIT_US;
	while (cpl.ops < BENCH_OPS) {
		cpl.ops += rte_dma_completed(tc->id, 0, BENCH_RING, &last,
			&err);
		CHECK(!err);
		CHECK_MSG(plx_test_now_us() < end,
			"bench: %" PRIu64 " ops not completed",
			BENCH_OPS - cpl.ops);
	}
	t = rte_rdtsc() - t0;
	printf("bench-guard: %u ops, %.1f TSC cycles/op overall "
		"(copy, submit every %u, completed)\n"
		"bench-guard: in the calls: copy %.2f cycles/op, submit %.1f cycles/call, "
		"completed %.2f cycles/op (%" PRIu64 " calls returned ops, %" PRIu64 " none); TSC %" PRIu64 " Hz\n",
		BENCH_OPS, (double)t / BENCH_OPS, BENCH_BATCH,
		(double)cp.cycles / cp.ops, (double)sub.cycles / sub.calls,
		(double)cpl.cycles / RTE_MAX(cpl.ops, UINT64_C(1)), cpl.calls,
		empty, rte_get_tsc_hz());
	CHECK_EQ(rte_dma_stop(tc->id), 0);
	return 0;
}

/* --- runner --- */

static const struct plx_test tests[] = {
	{ "remove_stalled", test_remove_stalled },
	{ "remove_pause_stuck", test_remove_pause_stuck },
	{ "remove_abort_stuck", test_remove_abort_stuck },
	{ "unbind_stalled", test_unbind_stalled },
	{ "surprise_idle", test_surprise_idle },
	{ "surprise_full_ring", test_surprise_full_ring },
	{ "surprise_during_stop", test_surprise_during_stop },
	{ "remove_not_started", test_remove_not_started },
	{ "remove_stopped_pending", test_remove_stopped_pending },
	{ "removed_fast_path", test_removed_fast_path },
	{ "replug_twice_held", test_replug_twice_held },
	{ "torture_app", test_torture_app },
	{ "torture_unbind", test_torture_unbind },
	{ "torture_surprise", test_torture_surprise },
};

/* Runs before EAL initialisation (see the top of the file). */
static const struct plx_test cleanup_test = {
	"torture_cleanup", test_torture_cleanup
};

static struct plx_test_run run;

/* After a failure: whatever the test left, back to fresh devices. */
static void
recover(void)
{
	unsigned int fn;

	plx_test_msg[0] = '\0';
	close_stale_held();
	for (fn = 0; fn < nb_funcs; fn++)
		if (func_restore(&chans[fn], NULL) != 0)
			printf("# recovery of %s: %s\n", chans[fn].addr,
				plx_test_msg);
}

static void
run_test(const struct plx_test *t, bool in_eal)
{
	if (!plx_test_selected(&run, t))
		return;
	if (in_eal)
		log_mark_now();
	if (plx_test_run(&run, t) < 0 && in_eal) {
		log_show();
		recover();
	}
}

static void
usage(const char *prog)
{
	printf("Usage: %s <EAL args> -- [--cycles N] [--cleanup-cycles N] "
		"[--seed S] [--filter NAME] [--list] [--times] [--bench-guard]\n"
		"  --cycles N          torture cycles per in-process removal kind (default %u)\n"
		"  --cleanup-cycles N  child processes of torture_cleanup (default cycles/20)\n"
		"  --seed S            reproduce a run\n"
		"  --filter NAME       only tests whose name contains NAME\n"
		"  --list              the names of the tests\n"
		"  --times             how long each test takes\n"
		"  --bench-guard       measure the fast path instead (simulator with --null-copy)\n",
		prog, DEFAULT_CYCLES);
}

struct app_args {
	bool bench;
	int child;	/* -1: not a cleanup child, else its variant */
};

static int
parse_app_args(int argc, char **argv, struct app_args *a)
{
	uint64_t v;
	int i;

	memset(a, 0, sizeof(*a));
	a->child = -1;
	for (i = 0; i < argc; i++) {
		const char *opt = argv[i];
		bool has_val = i + 1 < argc;

		if (plx_test_option(&run, argc, argv, &i))
			continue;
		if (strcmp(opt, "--bench-guard") == 0) {
			a->bench = true;
		} else if (has_val && plx_parse_u64(argv[i + 1], 0, 0, UINT64_MAX, &v) == 0) {
			i++;
			if (strcmp(opt, "--seed") == 0)
				g_seed = v;
			else if (strcmp(opt, "--cycles") == 0 && v > 0 &&
					v <= UINT32_MAX)
				g_cycles = v;
			else if (strcmp(opt, "--cleanup-cycles") == 0 &&
					v <= UINT32_MAX)
				g_cleanup_cycles = v;
			else if (strcmp(opt, "--cleanup-child") == 0 &&
					v < CV_MAX)
				a->child = v;
			else
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct app_args a;
	unsigned int i, lcore;
	int ret, dd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g_seed = plx_test_now_us() ^ ((uint64_t)getpid() << 32);
	/* Our arguments follow the first "--"; EAL's come before it. */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	if (parse_app_args(dd < argc ? argc - dd - 1 : 0, argv + dd + 1,
			&a) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (run.list) {
		plx_test_list(tests, RTE_DIM(tests));
		plx_test_list(&cleanup_test, 1);
		return 0;
	}
	if (a.child < 0 && !a.bench) {
		printf("# seed %" PRIu64 " (--seed %" PRIu64 " reproduces this run)\n",
			g_seed, g_seed);
		eal_argc = dd;
		eal_argv = argv;
		run_test(&cleanup_test, false);
	}

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return 2;
	}
	sim = plx_sim_self();
	nb_funcs = sim != NULL ? plx_sim_nb_funcs(sim) : 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		if (nb_workers < MAX_CHANS)
			worker_lcores[nb_workers++] = lcore;
	log_capture_start();
	if (chans_init() != 0) {
		plx_test_report(&run, "setup", -1, plx_test_msg);
	} else if (a.child >= 0) {
		return child_main(a.child, g_seed);
	} else if (a.bench) {
		if (bench_guard() != 0) {
			printf("bench-guard failed: %s\n", plx_test_msg);
			log_show();
			run.failed++;
		}
	} else {
		for (i = 0; i < RTE_DIM(tests); i++)
			run_test(&tests[i], true);
	}
	if (!a.bench)
		plx_test_summary(&run);
	unbind_unregister();
	log_capture_stop();
	close_stale_held();
	chans_free();
	rte_eal_cleanup();
	log_capture_free();
	return run.failed > 0 ? 1 : 0;
}
