/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * test_dma_plx_race: the two sides of the race (see test_dma_plx_race.c):
 * the application's channel (op accounting, traffic) and the removal
 * (remover lcore, or VFIO request, event and alarm), the CPUs the two
 * run on, and the note a crash leaves.
 */

#include <errno.h>
#include <execinfo.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_alarm.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_dmadev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_pause.h>
#include <rte_thread.h>

#include "plx_sim_host.h"
#include "test_dma_plx_race.h"
#include "test_plx_common.h"

#define SLOT		256	/* destination bytes per ring slot */
#define DST_OFF		8	/* where in its slot a copy lands */
#define MAX_LEN		200	/* DST_OFF + MAX_LEN + guard fit a SLOT */
#define SRC_LEN		(64 * 1024)
#define MAX_BURST	(2 * MAX_RING)
#define SMOKE_RING	64

/* --- time (randomness: plx_test_rnd(), test_plx_core.h) --- */

/* One clock for every thread: the order of two sides is compared in it. */
uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * No yield: on 2 cores a yield hands this CPU to the other side, which
 * then runs its whole call first. The offsets are bounded (a few ms).
 */
void
spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		rte_pause();
}

int
lcore_join(unsigned int lcore)
{
	unsigned int spins = 0;

	/* rte_eal_wait_lcore() spins without yielding the CPU. */
	while (rte_eal_get_lcore_state(lcore) == RUNNING)
		plx_test_idle(&spins);
	return rte_eal_wait_lcore(lcore);
}

/* --- buffers --- */

static const struct rte_memzone *src_mz, *dst_mz;
static uint8_t *src, *dst;

int
race_buffers_init(void)
{
	uint64_t s = 0x5eed;
	unsigned int i;

	src_mz = rte_memzone_reserve_aligned("race_src", SRC_LEN,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 64);
	dst_mz = rte_memzone_reserve_aligned("race_dst", MAX_RING * SLOT,
		SOCKET_ID_ANY, RTE_MEMZONE_IOVA_CONTIG, 64);
	CHECK_MSG(src_mz != NULL && dst_mz != NULL, "no memory for buffers");
	src = src_mz->addr;
	dst = dst_mz->addr;
	for (i = 0; i < SRC_LEN; i++)
		src[i] = plx_test_rnd(&s) >> 56;
	return 0;
}

void
race_buffers_free(void)
{
	rte_memzone_free(src_mz);
	rte_memzone_free(dst_mz);
}

/* --- accounting --- */

static size_t
slot_off(const struct rchan *c, uint64_t k)
{
	return (size_t)((k - c->base) & (c->ring - 1)) * SLOT;
}

int
chan_configure(struct rchan *c, uint16_t nb_desc)
{
	CHECK_OK(plx_test_configure(c->id, nb_desc));
	c->ring = rte_align32pow2(nb_desc);
	c->base = c->handed = c->sub = c->rep = c->err = 0;
	c->handed0 = c->sub0 = c->rep0 = c->err0 = 0;
	c->fail_seen = false;
	return 0;
}

void
chan_started(struct rchan *c)
{
	c->base = c->handed;
	c->fail_seen = false;
}

void
chan_stats_reset(struct rchan *c)
{
	c->handed0 = c->handed;
	c->sub0 = c->sub;
	c->rep0 = c->rep;
	c->err0 = c->err;
}

/* Hand out op number c->handed: copy() it and, if accepted, record it. */
static int
op_issue(struct rchan *c, uint64_t flags, int *rc)
{
	uint64_t k = c->handed;
	bool full = k - c->rep >= c->ring;
	size_t slot = slot_off(c, k);
	uint16_t len = 1 + plx_test_rnd_below(&c->rnd, MAX_LEN);
	uint16_t off = plx_test_rnd_below(&c->rnd, SRC_LEN - len + 1);

	/* A full ring's next slot still belongs to its oldest op. */
	if (!full)
		memset(dst + slot, GUARD, DST_OFF + len + 1);
	*rc = rte_dma_copy(c->id, 0, src_mz->iova + off,
		dst_mz->iova + slot + DST_OFF, len, flags);
	if (*rc < 0)
		return 0;
	CHECK_MSG(!full, "copy on %s accepted with all %u slots in use",
		c->addr, c->ring);
	CHECK_MSG(*rc == (uint16_t)(k - c->base),
		"copy on %s returned id %d, expected %u", c->addr, *rc,
		(uint16_t)(k - c->base));
	c->rec[(k - c->base) & (c->ring - 1)] = (struct op_rec){ off, len };
	c->handed = k + 1;
	if (flags & RTE_DMA_OP_FLAG_SUBMIT)
		c->sub = c->handed;
	return 0;
}

/*
 * Op k was reported st, in order: successes, then (submitted ones)
 * USER_ABORT once the channel stopped, never-submitted ones NOT_ATTEMPTED.
 * Successful: the bytes arrived; none outside the op's own; not
 * attempted: nothing written.
 */
static int
op_check(struct rchan *c, uint64_t k, enum rte_dma_status_code st)
{
	const struct op_rec *r = &c->rec[(k - c->base) & (c->ring - 1)];
	const uint8_t *d = dst + slot_off(c, k) + DST_OFF;
	uint16_t i;

	if (k >= c->sub)
		CHECK_MSG(st == RTE_DMA_STATUS_NOT_ATTEMPTED,
			"op %" PRIu64 " on %s, never submitted, is %s", k,
			c->addr, plx_test_status_name(st));
	else if (st == RTE_DMA_STATUS_SUCCESSFUL)
		CHECK_MSG(!c->fail_seen,
			"op %" PRIu64 " on %s is SUCCESSFUL after a failed one",
			k, c->addr);
	else
		CHECK_MSG(st == RTE_DMA_STATUS_USER_ABORT,
			"submitted op %" PRIu64 " on %s is %s", k, c->addr,
			plx_test_status_name(st));
	c->fail_seen |= st != RTE_DMA_STATUS_SUCCESSFUL;
	c->err += st != RTE_DMA_STATUS_SUCCESSFUL;
	c->nb_st[st == RTE_DMA_STATUS_SUCCESSFUL ? 0 :
		st == RTE_DMA_STATUS_USER_ABORT ? 1 : 2]++;
	CHECK_MSG(d[-1] == GUARD && d[r->len] == GUARD,
		"op %" PRIu64 " on %s (%s): bytes written outside its %u", k,
		c->addr, plx_test_status_name(st), r->len);
	if (st == RTE_DMA_STATUS_SUCCESSFUL)
		CHECK_MSG(memcmp(d, src + r->src_off, r->len) == 0,
			"op %" PRIu64 " on %s reported successful, its %u bytes did not arrive",
			k, c->addr, r->len);
	for (i = 0; st == RTE_DMA_STATUS_NOT_ATTEMPTED && i < r->len; i++)
		CHECK_MSG(d[i] == GUARD,
			"op %" PRIu64 " on %s reported NOT_ATTEMPTED, byte %u written",
			k, c->addr, i);
	return 0;
}

/* n ops reported, the last as last_idx: no more than were outstanding. */
static int
reports_check(struct rchan *c, const char *fn, uint16_t n, uint16_t last)
{
	CHECK_MSG(n <= c->handed - c->rep,
		"%s on %s reported %u ops, only %" PRIu64 " were outstanding",
		fn, c->addr, n, c->handed - c->rep);
	CHECK_MSG(n == 0 || last == (uint16_t)(c->rep + n - 1 - c->base),
		"%s on %s: last_idx %u after %u ops, expected %u", fn, c->addr,
		last, n, (uint16_t)(c->rep + n - 1 - c->base));
	return 0;
}

/* One poll: completed() (then completed_status() on an error) or
 * completed_status(), at random. */
static int
poll_once(struct rchan *c, uint16_t *got)
{
	enum rte_dma_status_code st[MAX_BURST];
	uint16_t max = 1 + plx_test_rnd_below(&c->rnd, 2 * c->ring), last = 0, n, i;
	bool err = true;

	*got = 0;
	if (plx_test_rnd_below(&c->rnd, 2) == 0) {
		n = rte_dma_completed(c->id, 0, max, &last, &err);
		CHECK_OK(reports_check(c, "completed", n, last));
		for (i = 0; i < n; i++)
			CHECK_OK(op_check(c, c->rep + i,
				RTE_DMA_STATUS_SUCCESSFUL));
		c->rep += n;
		*got = n;
		if (!err)
			return 0;
	}
	n = rte_dma_completed_status(c->id, 0, max, &last, st);
	CHECK_OK(reports_check(c, "completed_status", n, last));
	for (i = 0; i < n; i++)
		CHECK_OK(op_check(c, c->rep + i, st[i]));
	c->rep += n;
	*got += n;
	return 0;
}

int
traffic_step(struct rchan *c, int *rc)
{
	unsigned int burst = 1 + plx_test_rnd_below(&c->rnd, c->ring / 2), i;
	uint16_t n;

	*rc = 0;
	for (i = 0; i < burst && *rc >= 0; i++)
		CHECK_OK(op_issue(c, plx_test_rnd_below(&c->rnd, 4) == 0 ?
			RTE_DMA_OP_FLAG_SUBMIT : 0, rc));
	if (*rc == -ENOSPC) {
		CHECK_MSG(c->handed - c->rep == c->ring,
			"copy on %s: -ENOSPC with %" PRIu64 " of %u slots in use",
			c->addr, c->handed - c->rep, c->ring);
		*rc = 0;
	}
	if (*rc >= 0 && plx_test_rnd_below(&c->rnd, 2) == 0) {
		*rc = rte_dma_submit(c->id, 0);
		if (*rc == 0)
			c->sub = c->handed;
	}
	if (*rc > 0)
		*rc = 0;
	CHECK_OK(poll_once(c, &n));
	/* 2 cores: leave one now and then to the engine and the remover. */
	if (n == 0)
		plx_test_idle(&c->spins);
	return 0;
}

int
traffic_until_removed(struct rchan *c, const RTE_ATOMIC(uint32_t) *abort)
{
	uint64_t end = plx_test_now_us() + 2 * WAIT_US;
	int rc = 0;

	while (rc == 0) {
		CHECK_MSG(abort == NULL ||
			!rte_atomic_load_explicit(abort, rte_memory_order_acquire),
			"stopped by the main lcore");
		CHECK_MSG(plx_test_now_us() < end,
			"copy and submit on %s still succeed %u s on",
			c->addr, 2 * WAIT_US / 1000000);
		CHECK_OK(traffic_step(c, &rc));
	}
	CHECK_MSG(rc == -ENODEV, "copy or submit on %s: %d, expected -ENODEV",
		c->addr, rc);
	return 0;
}

int
chan_drain(struct rchan *c)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);
	uint16_t n;

	while (c->rep < c->handed) {
		CHECK_OK(poll_once(c, &n));
		CHECK_MSG(plx_waiting(&w, n),
			"%s: %" PRIu64 " of %" PRIu64 " ops unreported after %u s",
			c->addr, c->handed - c->rep, c->handed,
			WAIT_US / 1000000);
	}
	return 0;
}

/*
 * lifecycle.md: submitted = ops rung + never-submitted ops disposed of,
 * completed = ops reported, errors = ops reported failed. Ops rung before
 * a reset and reported after it count in completed only; ops handed out
 * but not rung at the reset count in submitted once disposed of, which
 * may be at the removal or stop, before the report.
 */
int
chan_stats_match(const struct rchan *c)
{
	struct rte_dma_stats s;

	CHECK_EQ(rte_dma_stats_get(c->id, 0, &s), 0);
	CHECK_MSG(s.completed == c->rep - c->rep0 &&
			s.errors == c->err - c->err0 &&
			s.submitted >= c->handed - c->handed0 &&
			s.submitted <= c->handed - c->sub0,
		"%s stats: submitted %" PRIu64 ", completed %" PRIu64 ", errors %" PRIu64
		"; expected submitted %" PRIu64 "..%" PRIu64 ", completed %" PRIu64 ", errors %" PRIu64,
		c->addr, s.submitted, s.completed, s.errors,
		c->handed - c->handed0, c->handed - c->sub0, c->rep - c->rep0,
		c->err - c->err0);
	return 0;
}

int
chan_smoke(struct rchan *c)
{
	int rc;

	CHECK_OK(chan_configure(c, SMOKE_RING));
	CHECK_EQ(rte_dma_start(c->id), 0);
	chan_started(c);
	CHECK_OK(op_issue(c, RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_MSG(rc == 0, "copy on %s: %d", c->addr, rc);
	CHECK_OK(chan_drain(c));
	CHECK_MSG(c->err == 0, "the copy on re-probed %s failed", c->addr);
	CHECK_OK(chan_stats_match(c));
	CHECK_EQ(rte_dma_stop(c->id), 0);
	return 0;
}

/* --- removal --- */

static void
removal_run(struct removal *rm)
{
	spin_ns(rm->spin);
	rte_atomic_store_explicit(&rm->t0, now_ns(), rte_memory_order_release);
	rm->rc = plx_test_pci_remove(rm->addr, rm->by_name);
	rte_atomic_store_explicit(&rm->t1, now_ns(), rte_memory_order_release);
	rte_atomic_store_explicit(&rm->done, 1, rte_memory_order_release);
}

int
removal_lcore(void *arg)
{
	struct removal *rm = arg;

	/* A short wait, on the CPU: released right after it is ready. */
	rte_atomic_store_explicit(&rm->ready, 1, rte_memory_order_release);
	while (!rte_atomic_load_explicit(rm->go, rte_memory_order_acquire))
		rte_pause();
	removal_run(rm);
	return 0;
}

/*
 * Alarm callback, on the interrupt thread: where DPDK lets us remove. It
 * releases the main lcore, whose offset then counts from here, not from
 * the request (the interrupt thread's wake-up takes ms on busy cores).
 */
static void
removal_alarm(void *arg)
{
	struct removal *rm = arg;

	rte_atomic_store_explicit(&rm->ready, 1, rte_memory_order_release);
	removal_run(rm);
}

static int intr_cpu = -1;

/* On DPDK's interrupt thread, which must not remove from here. */
static void
removal_event(const char *name, enum rte_dev_event_type type, void *arg)
{
	static bool pinned;
	struct removal *rm = arg;
	rte_cpuset_t set;

	/* Off the main lcore's CPU, as the remover lcore is. */
	if (!pinned && intr_cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(intr_cpu, &set);
		pinned = rte_thread_set_affinity(&set) == 0;
	}
	if (type != RTE_DEV_EVENT_REMOVE || strcmp(name, rm->addr) != 0 ||
			rte_atomic_fetch_add_explicit(&rm->events, 1, rte_memory_order_acq_rel) != 0)
		return;
	if (rte_eal_alarm_set(1, removal_alarm, rm) != 0) {
		rm->rc = -ENOEXEC;
		rte_atomic_store_explicit(&rm->done, 1, rte_memory_order_release);
	}
}

static struct removal *registered;

int
removal_init(struct removal *rm, int cpu)
{
	intr_cpu = cpu;
	CHECK_EQ(rte_dev_event_callback_register(NULL, removal_event, rm),
		0);
	registered = rm;
	return 0;
}

void
removal_fini(void)
{
	if (registered != NULL)
		rte_dev_event_callback_unregister(NULL, removal_event,
			registered);
}

int
removal_raise(unsigned int fn)
{
	CHECK_EQ(plx_sim_inject(plx_sim_self(), fn,
		PLX_SIM_FAULT_UNBIND_REQUEST, 0), 0);
	return 0;
}

/* No yield: the remover is on another CPU; yielding, ours might go to
 * whatever else runs and the removal would be over when we are back. */
int
removal_ready(struct removal *rm)
{
	uint64_t end = now_ns() + (uint64_t)WAIT_US * 1000;

	while (!rte_atomic_load_explicit(&rm->ready, rte_memory_order_acquire) &&
			!rte_atomic_load_explicit(&rm->done, rte_memory_order_acquire)) {
		CHECK_MSG(now_ns() < end,
			"%s: the removal did not begin within %u s (%u REMOVE events)",
			rm->addr, WAIT_US / 1000000,
			rte_atomic_load_explicit(&rm->events, rte_memory_order_relaxed));
		rte_pause();
	}
	return 0;
}

int
removal_wait(struct removal *rm)
{
	struct plx_wait w = plx_wait_begin(WAIT_US);

	while (!rte_atomic_load_explicit(&rm->done, rte_memory_order_acquire))
		CHECK_MSG(plx_waiting(&w, 0),
			"%s: no removal %u s on (%u REMOVE events)", rm->addr,
			WAIT_US / 1000000,
			rte_atomic_load_explicit(&rm->events, rte_memory_order_relaxed));
	return 0;
}

/* --- two CPUs for the two sides --- */

static int
pin_self(void *arg)
{
	rte_cpuset_t set;

	CPU_ZERO(&set);
	CPU_SET(*(const unsigned int *)arg, &set);
	return rte_thread_set_affinity(&set);
}

/*
 * The main lcore on one CPU of its set, the remover lcore (and, pinned by
 * the event callback, the interrupt thread) on another, if it has two:
 * sharing one, a side waits behind the other's spin, or runs its whole
 * call while the other yields, and the two never run at once.
 */
int
race_pin_sides(unsigned int remover, int *remover_cpu)
{
	rte_cpuset_t set = rte_lcore_cpuset(rte_get_main_lcore());
	unsigned int cpus[2], n = 0, cpu;

	*remover_cpu = -1;
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	if (n < 2)
		return 0;
	CHECK_EQ(rte_eal_remote_launch(pin_self, &cpus[1], remover), 0);
	CHECK_EQ(lcore_join(remover), 0);
	CHECK_EQ(pin_self(&cpus[0]), 0);
	*remover_cpu = cpus[1];
	printf("# main lcore on CPU %u; remover lcore %u and interrupt thread on CPU %u\n",
		cpus[0], remover, cpus[1]);
	return 0;
}

/* --- a crash names its case, cycle and seed --- */

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

static char crash_note[256];

void
crash_note_set(const char *name, unsigned int cycle, uint64_t seed)
{
	snprintf(crash_note, sizeof(crash_note),
		"FAIL %s: crashed in cycle %u (rerun: -- --filter %s --seed %" PRIu64 ")\n",
		name, cycle + 1, name, seed);
}

static void
crash_note_write(void)
{
	if (write(STDOUT_FILENO, crash_note, strlen(crash_note)) < 0)
		crash_note[0] = '\0';
}

#ifdef HAVE_ASAN
#include <sanitizer/common_interface_defs.h>

/* The sanitizer reports the stack; the note follows its report. */
void
crash_handlers(void)
{
	__sanitizer_set_death_callback(crash_note_write);
}
#else
static void
on_crash(int sig)
{
	void *bt[32];
	int n = backtrace(bt, RTE_DIM(bt));

	crash_note_write();
	backtrace_symbols_fd(bt, n, STDOUT_FILENO);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
crash_handlers(void)
{
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGABRT, on_crash);
	signal(SIGFPE, on_crash);
}
#endif
