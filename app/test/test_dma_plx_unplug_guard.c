/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The removal guard of the fast path when it cannot be proved safe
 * (issue 10, findings 8 and 9), white-box: the tests read the channel
 * behind a dmadev (plx_dmadev.h).
 *
 * - A fast-path thread preempted inside its BAR0 window (in_bar set, as
 *   plx_dma_bar_enter() leaves it) holds a removal for at most
 *   stop_timeout_ms: remove() warns after 100 ms, then refuses with
 *   -EBUSY and frees nothing; once the thread leaves, removal completes.
 * - membarrier(), the remover's half of the guard, failing: at probe
 *   (registration; --membarrier-unregistered makes it fail before EAL
 *   probes anything) the channel takes the fenced entry points and its
 *   removal needs no membarrier; later (at removal) the global command
 *   stands in for the expedited one, and if both fail remove() refuses
 *   with -EAGAIN and frees nothing.
 *
 * membarrier fails on demand through this program's own syscall(),
 * which the PMD's calls bind to (meson.build exports it).
 */

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_launch.h>

#include "plx_dmadev.h"
#include "test_dma_plx_unplug.h"

/* --- membarrier, failing on demand --- */

bool mb_unregistered;
/* MEMBARRIER_CMD_* bits whose calls fail now. */
static RTE_ATOMIC(uint32_t) mb_fail;
/* Calls the PMD made, by command bit (0: query), and the registration. */
enum { MB_QUERY, MB_EXPEDITED, MB_GLOBAL, MB_REGISTER, MB_NB };
static RTE_ATOMIC(uint32_t) mb_calls[MB_NB];
static RTE_ATOMIC(uint32_t) mb_registered;

static int
mb_slot(long cmd)
{
	switch (cmd) {
	case MEMBARRIER_CMD_QUERY: return MB_QUERY;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED: return MB_EXPEDITED;
	case MEMBARRIER_CMD_GLOBAL: return MB_GLOBAL;
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: return MB_REGISTER;
	default: return -1;
	}
}

/* True if this membarrier call is to fail (errno set). */
static bool
mb_fails(long cmd)
{
	int slot = mb_slot(cmd);

	if (slot >= 0)
		rte_atomic_fetch_add_explicit(&mb_calls[slot], 1,
			rte_memory_order_relaxed);
	if (cmd == MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED &&
			mb_unregistered) {
		errno = EPERM;
		return true;
	}
	if (cmd != MEMBARRIER_CMD_QUERY && (cmd & rte_atomic_load_explicit(
			&mb_fail, rte_memory_order_relaxed))) {
		errno = cmd == MEMBARRIER_CMD_GLOBAL ? EINVAL : ENOMEM;
		return true;
	}
	return false;
}

/*
 * Every syscall() of the process comes here first; all but the failing
 * membarrier calls go on to libc's. Six arguments are passed whatever
 * the call takes, as libc's own syscall() reads them.
 */
long
syscall(long nr, ...)
{
	typedef long (*syscall_fn)(long, ...);
	static syscall_fn real;
	long a[6], ret;
	va_list ap;
	unsigned int i;

	va_start(ap, nr);
	for (i = 0; i < RTE_DIM(a); i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (nr == __NR_membarrier && mb_fails(a[0]))
		return -1;
	if (real == NULL)
		real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	ret = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (nr == __NR_membarrier && ret == 0 &&
			a[0] == MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)
		rte_atomic_store_explicit(&mb_registered, 1,
			rte_memory_order_relaxed);
	return ret;
}

static uint32_t
mb_count(int slot)
{
	return rte_atomic_load_explicit(&mb_calls[slot],
		rte_memory_order_relaxed);
}

static void
mb_set_fail(uint32_t cmds)
{
	rte_atomic_store_explicit(&mb_fail, cmds, rte_memory_order_relaxed);
}

/* --- the channel behind a dmadev --- */

static struct plx_dma_chan *
chan_of(const struct tchan *tc)
{
	return rte_dma_fp_objs[tc->ch.id].dev_private;
}

/* A started channel on a fresh device probed with args, n ops done. */
static int
staged(struct tchan *tc, const char *args, unsigned int n)
{
	unsigned int i;
	uint64_t base;
	int rc;

	NEED_SIM(sim);
	CHECK_OK(func_restore(tc, args));
	CHECK_OK(tchan_start(tc, MIN_RING));
	tchan_expect(tc, n, n, RTE_DMA_STATUS_SUCCESSFUL);
	base = plx_test_chan_descs(&tc->ch);
	for (i = 0; i < n; i++) {
		CHECK_OK(op_issue(tc, i + 1 == n ? RTE_DMA_OP_FLAG_SUBMIT : 0,
			&rc));
		CHECK_MSG(rc >= 0, "copy %u on %s: %d", i, tc->ch.addr, rc);
	}
	/* Done before any removal stops the engine: all successes. */
	return plx_test_chan_wait_descs(&tc->ch, base + n);
}

/*
 * A removal that remove() refused (ret): it returned ret and freed
 * nothing (heap as in base); the device is still bound, mapped and
 * named as before, takes no work, and reports the ops it had as they
 * finish.
 */
static int
refused_removal(struct tchan *tc, int ret,
		const struct plx_test_heap *base)
{
	const struct plx_dma_chan *ch = chan_of(tc);
	struct plx_test_heap now;
	int rc;

	CHECK_MSG(ret < 0, "removal of %s returned %d, expected a refusal",
		tc->ch.addr, ret);
	plx_test_heap_get(&now);
	CHECK_OK(plx_test_heap_same(base, &now, "a refused removal"));
	CHECK_MSG(plx_test_pci_find(tc->ch.addr) != NULL,
		"%s left the bus although its removal was refused",
		tc->ch.addr);
	CHECK_EQ(rte_dma_get_dev_id_by_name(tc->ch.addr), tc->ch.id);
	CHECK(ch->bar0 != NULL && ch->pci != NULL);
	CHECK_MSG(plx_test_log_has("removal refused"),
		"remove() did not log its refusal");
	CHECK_OK(plx_test_chan_copy(&tc->ch, tc->src_iova, tc->dst_iova, 64,
		RTE_DMA_OP_FLAG_SUBMIT, &rc));
	CHECK_EQ(rc, -ENODEV);
	return plx_test_chan_drain(&tc->ch, false, 4);
}

/* Just removed: held with every op reported, then closed. */
static int
held_closes(struct tchan *tc)
{
	CHECK_OK(removed_now(tc));
	CHECK_OK(plx_test_chan_drain(&tc->ch, false, 4));
	CHECK_OK(held_check(tc, tc->ch.id, NULL, 0));
	return dev_close_check(tc->ch.id, FREES_HELD);
}

/* remove() again once what held it is gone. */
static int
removal_completes(struct tchan *tc)
{
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	return held_closes(tc);
}

/* --- a fast-path thread stuck in its BAR0 window --- */

#define HELD_STOP_MS	400	/* removal's bound when the thread stays */
#define LEAVE_STOP_MS	10000	/* and when it leaves after the warning */
#define WARN_MS		100	/* remove() warns after this */
#define OPS		5
#define BAR_WARNING	"waiting for a fast-path thread to leave BAR0"

struct remover {
	const char *addr;
	int ret;
	uint64_t us;
	RTE_ATOMIC(uint32_t) done;
};

static int
remover_main(void *arg)
{
	struct remover *r = arg;
	uint64_t t0 = plx_test_now_us();

	r->ret = plx_test_pci_remove(r->addr, false);
	r->us = plx_test_now_us() - t0;
	rte_atomic_store_explicit(&r->done, 1, rte_memory_order_release);
	return 0;
}

static bool
remover_done(struct remover *r)
{
	return rte_atomic_load_explicit(&r->done, rte_memory_order_acquire);
}

/*
 * With the remover running and the thread in BAR0: it warns and waits
 * (and, if leave, the thread then leaves and it succeeds) or refuses.
 */
static int
stuck_removal(struct tchan *tc, struct remover *r, bool leave,
		uint32_t stop_ms, const struct plx_test_heap *base)
{
	struct plx_dma_chan *ch = chan_of(tc);

	PLX_WAIT_FOR(ch->detached, WAIT_US);
	PLX_WAIT_FOR(plx_test_log_has(BAR_WARNING) || remover_done(r),
		stop_ms * 1000 + WAIT_US);
	CHECK_MSG(!remover_done(r), "removal returned %d after %" PRIu64
		" us without warning that a thread is in BAR0", r->ret, r->us);
	if (leave)
		rte_atomic_store_explicit(&ch->in_bar, 0,
			rte_memory_order_release);
	PLX_WAIT_FOR(remover_done(r), stop_ms * 1000 + WAIT_US);
	CHECK_MSG(r->us >= WARN_MS * 1000, "removal warned before %u ms",
		WARN_MS);
	if (leave) {
		CHECK_MSG(r->ret == 0 && r->us < stop_ms * 1000,
			"removal returned %d after %" PRIu64 " us, the thread having left",
			r->ret, r->us);
		return 0;
	}
	/* Bounded: stop_timeout_ms, with slack for two loaded cores; the
	 * PMD times it in TSC cycles, whose rate EAL estimates to within a
	 * fraction of a percent, this test by the monotonic clock. */
	CHECK_MSG(r->us >= stop_ms * 990 && r->us < stop_ms * 1000 + WAIT_US,
		"removal returned after %" PRIu64 " us with stop_timeout_ms %u",
		r->us, stop_ms);
	CHECK_EQ(r->ret, -EBUSY);
	CHECK_MSG(plx_test_log_has("stayed in BAR0"),
		"remove() did not say why it gave up");
	return refused_removal(tc, r->ret, base);
}

static int
bar_held(bool leave)
{
	uint32_t stop_ms = leave ? LEAVE_STOP_MS : HELD_STOP_MS;
	struct tchan *tc = &chans[DET_FN];
	struct remover r = { .addr = tc->ch.addr };
	struct plx_test_heap base;
	struct plx_dma_chan *ch;
	char args[64];
	int ret;

	if (nb_workers < 1)
		SKIP("needs a worker lcore");
	snprintf(args, sizeof(args), "stop_timeout_ms=%u", stop_ms);
	CHECK_OK(staged(tc, args, OPS));
	ch = chan_of(tc);
	plx_test_heap_get(&base);
	/* What a fast-path thread preempted in plx_dma_bar_enter() leaves. */
	rte_atomic_store_explicit(&ch->in_bar, 1, rte_memory_order_release);
	ret = rte_eal_remote_launch(remover_main, &r, worker_lcores[0]);
	if (ret == 0)
		ret = stuck_removal(tc, &r, leave, stop_ms, &base);
	else
		plx_test_record(__FILE__, __LINE__, "no remover lcore: %d", ret);
	/* Whatever happened, the thread leaves and the remover ends. */
	rte_atomic_store_explicit(&ch->in_bar, 0, rte_memory_order_release);
	rte_eal_wait_lcore(worker_lcores[0]);
	if (ret != 0)
		return ret;
	return leave ? held_closes(tc) : removal_completes(tc);
}

/* The thread never leaves in time: -EBUSY after stop_timeout_ms. */
static int
test_remove_bar_held(void)
{
	return bar_held(false);
}

/* The thread leaves after the warning: the removal completes. */
static int
test_remove_bar_left(void)
{
	return bar_held(true);
}

/* --- membarrier failing --- */

/*
 * Registration at probe decides the entry points: fenced where it
 * failed, and then removal needs no membarrier, even one that fails.
 */
static int
membarrier_probe(struct tchan *tc)
{
	bool registered = rte_atomic_load_explicit(&mb_registered,
		rte_memory_order_relaxed);
	uint32_t exp0, glob0;

	CHECK_OK(staged(tc, NULL, OPS));
	CHECK_MSG(mb_count(MB_QUERY) > 0,
		"the PMD's membarrier calls do not reach this program's syscall()");
	CHECK_MSG(chan_of(tc)->fenced == !registered,
		"membarrier %sregistered, yet the channel is %sfenced",
		registered ? "" : "not ", chan_of(tc)->fenced ? "" : "not ");
	CHECK_OK(plx_test_chan_drain(&tc->ch, false, 4));
	CHECK_OK(smoke(tc));
	if (!registered)
		mb_set_fail(MEMBARRIER_CMD_PRIVATE_EXPEDITED |
			MEMBARRIER_CMD_GLOBAL);
	exp0 = mb_count(MB_EXPEDITED);
	glob0 = mb_count(MB_GLOBAL);
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_EQ(mb_count(MB_EXPEDITED) - exp0, registered ? 1 : 0);
	CHECK_EQ(mb_count(MB_GLOBAL) - glob0, 0);
	mb_set_fail(0);
	return held_closes(tc);
}

/*
 * Registered, but membarrier fails at removal: the global command
 * stands in for the expedited one; without either, removal is refused.
 */
static int
membarrier_later(struct tchan *tc)
{
	struct plx_test_heap base;
	uint32_t glob0;

	CHECK_OK(staged(tc, NULL, OPS));
	if (chan_of(tc)->fenced)
		SKIP("membarrier is not registered: the channel is fenced and its removal calls none");
	mb_set_fail(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	glob0 = mb_count(MB_GLOBAL);
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), 0);
	CHECK_EQ(mb_count(MB_GLOBAL) - glob0, 1);
	CHECK_MSG(plx_test_log_has("trying the global one"),
		"no warning that the expedited membarrier failed");
	CHECK_OK(held_closes(tc));

	CHECK_OK(staged(tc, NULL, OPS));
	plx_test_heap_get(&base);
	mb_set_fail(MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_GLOBAL);
	CHECK_EQ(plx_test_pci_remove(tc->ch.addr, false), -EAGAIN);
	CHECK_MSG(plx_test_log_has("cannot prove the fast path is out of BAR0"),
		"remove() did not say why it gave up");
	CHECK_OK(refused_removal(tc, -EAGAIN, &base));
	mb_set_fail(0);
	return removal_completes(tc);
}

static int
membarrier_case(int (*fn)(struct tchan *tc))
{
	int ret = fn(&chans[DET_FN]);

	mb_set_fail(0);
	return ret;
}

static int
test_membarrier_probe(void)
{
	return membarrier_case(membarrier_probe);
}

static int
test_membarrier_later(void)
{
	return membarrier_case(membarrier_later);
}

const struct plx_test unplug_guard_tests[] = {
	{ "remove_bar_held", test_remove_bar_held },
	{ "remove_bar_left", test_remove_bar_left },
	{ "membarrier_probe", test_membarrier_probe },
	{ "membarrier_later", test_membarrier_later },
	PLX_TEST_END
};
