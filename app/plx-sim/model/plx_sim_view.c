/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Software's views of BAR0, and what a surprise removal does to them.
 *
 * BAR0 is plain shared memory, so a write would read back until the
 * engine stamps all ones over it again, which a removed device never
 * allows: its reads return all ones from the moment it is gone, whatever
 * was written (plx_hw.rst, :ref:`plx_hw_removal`). So every mapping of a
 * BAR0 that software uses is made here and kept in a table. A removal
 * makes each view of the function read-only over the all-ones register
 * file; a write then faults, and the SIGSEGV handler steps over the
 * writing instruction (x86-64: plx_sim_insn.c), which drops it. A replug
 * gives the views their protection back. The engine keeps a mapping of
 * its own (plx_func.bar) that it alone writes.
 *
 * Elsewhere than x86-64 nothing traps: the engine re-stamps all ones at
 * each pass instead, and a write reads back until then.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "plx_sim_priv.h"

/*
 * Views are never moved (the fault handler reads them unlocked), so the
 * table is fixed, and large: DPDK 22.11 leaves a BAR mapped when a
 * device's set-up fails after it (a function reset refused by a removed
 * function), a view for good; a fuzzer run of a million steps leaks about
 * a hundred.
 */
#define PLX_VIEW_MAX	8192

struct plx_view {
	uintptr_t base;		/* atomic; 0: a free entry */
	size_t len;
	int prot;
	struct plx_func *f;
	bool gone;		/* atomic: read-only, writes dropped */
};

static struct plx_view views[PLX_VIEW_MAX];
static unsigned int views_used;	/* atomic: entries ever taken */
static pthread_mutex_t views_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction prev_segv;

#if defined(__x86_64__)
#define PLX_VIEW_TRAPS	1

/* The writable view holding addr, or NULL. */
static struct plx_view *
view_at(uintptr_t addr)
{
	unsigned int i, n = plx_sim_load(&views_used, memory_order_acquire);

	for (i = 0; i < n; i++) {
		uintptr_t b = plx_sim_load(&views[i].base, memory_order_acquire);

		if (b != 0 && addr - b < views[i].len &&
				(views[i].prot & PROT_WRITE))
			return &views[i];
	}
	return NULL;
}

static void
view_chain(int sig, siginfo_t *si, void *ctx)
{
	if (prev_segv.sa_flags & SA_SIGINFO) {
		prev_segv.sa_sigaction(sig, si, ctx);
	} else if (prev_segv.sa_handler == SIG_DFL ||
			prev_segv.sa_handler == SIG_IGN) {
		/* The instruction faults again, and the default kills. */
		signal(sig, SIG_DFL);
	} else {
		prev_segv.sa_handler(sig);
	}
}

static void
view_segv(int sig, siginfo_t *si, void *ctx)
{
	static const char msg[] = "plx-sim: a write to the BAR0 of a removed "
		"function by an instruction the model cannot step over\n";
	ucontext_t *uc = ctx;
	greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];
	struct plx_view *v = NULL;
	int n;

	/* Bit 1 of the page-fault error code: a write. */
	if (si->si_code == SEGV_ACCERR &&
			(uc->uc_mcontext.gregs[REG_ERR] & 2) != 0)
		v = view_at((uintptr_t)si->si_addr);
	if (v == NULL) {
		view_chain(sig, si, ctx);
		return;
	}
	/* Replugged since the fault: the write is let through. */
	if (!plx_sim_load(&v->gone, memory_order_acquire))
		return;
	n = plx_insn_store_len((const uint8_t *)(uintptr_t)*rip);
	if (n <= 0) {
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			abort();
		abort();
	}
	*rip += n;
	plx_sim_fetch_add(&v->f->dropped_writes, 1, memory_order_relaxed);
}

/* Ours at the head of SIGSEGV, the handler found there chained. */
static void
view_handler_install(void)
{
	struct sigaction sa, cur;

	if (sigaction(SIGSEGV, NULL, &cur) == 0 &&
			(cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == view_segv)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = view_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &prev_segv) != 0)
		fprintf(stderr, "plx-sim: no SIGSEGV handler (%s): writes to a "
			"removed BAR0 will crash\n", strerror(errno));
}
#else
#define PLX_VIEW_TRAPS	0
static void
view_handler_install(void)
{
}
#endif

bool
views_trap_writes(void)
{
	return PLX_VIEW_TRAPS;
}

void *
views_map(struct plx_func *f, void *addr, size_t len, int prot, int flags,
		off_t off)
{
	unsigned int i;
	void *p;

	if ((flags & MAP_SHARED) == 0 || off < 0 || len == 0 ||
			(uint64_t)off + len > f->sim->bar_len) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* Mapped first: the mmap stand-in of a preloaded host may forget
	 * the views it maps over, under the lock. */
	p = mmap(addr, len, prot, flags, f->bar_fd, off);
	if (p == MAP_FAILED)
		return p;
	pthread_mutex_lock(&views_lock);
	for (i = 0; i < PLX_VIEW_MAX && views[i].base != 0; i++)
		;
	if (i == PLX_VIEW_MAX) {
		pthread_mutex_unlock(&views_lock);
		plx_log(f, 0, "no room for another view of BAR0 (%u)",
			PLX_VIEW_MAX);
		munmap(p, len);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	views[i].len = len;
	views[i].prot = prot;
	views[i].f = f;
	views[i].gone = false;
	plx_sim_store(&views[i].base, (uintptr_t)p, memory_order_release);
	if (i >= views_used)
		plx_sim_store(&views_used, i + 1, memory_order_release);
	/* Mapped while the function is gone: gone from the start. */
	if (PLX_VIEW_TRAPS && plx_sim_load(&f->removed, memory_order_acquire)) {
		view_handler_install();
		plx_sim_store(&views[i].gone, true, memory_order_release);
		mprotect(p, len, PROT_READ);
	}
	pthread_mutex_unlock(&views_lock);
	return p;
}

void *
plx_sim_bar0_map(struct plx_sim *sim, unsigned int fn, void *addr,
		size_t len, int prot, int flags, off_t off)
{
	if (sim == NULL || fn >= sim->nb_funcs) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return views_map(&sim->funcs[fn], addr, len, prot, flags, off);
}

/* Forget views inside [addr, addr + len), or of f (addr NULL). */
static void
views_forget(const void *addr, size_t len, const struct plx_func *f)
{
	uintptr_t a = (uintptr_t)addr;
	unsigned int i;

	if (plx_sim_load(&views_used, memory_order_acquire) == 0)
		return;
	pthread_mutex_lock(&views_lock);
	for (i = 0; i < views_used; i++) {
		struct plx_view *v = &views[i];

		if (v->base == 0 || (f != NULL && v->f != f) ||
				(f == NULL && (v->base + v->len <= a ||
				v->base >= a + len)))
			continue;
		plx_sim_store(&v->base, 0, memory_order_release);
	}
	pthread_mutex_unlock(&views_lock);
}

void
plx_sim_bar0_forget(const void *addr, size_t len)
{
	views_forget(addr, len, NULL);
}

void
views_forget_func(struct plx_func *f)
{
	views_forget(NULL, 0, f);
}

/* Removal (gone) or replug: every view of f reads all ones or answers. */
void
views_set_gone(struct plx_func *f, bool gone)
{
	unsigned int i;

	if (!PLX_VIEW_TRAPS)
		return;
	pthread_mutex_lock(&views_lock);
	if (gone)
		view_handler_install();
	for (i = 0; i < views_used; i++) {
		struct plx_view *v = &views[i];

		if (v->base == 0 || v->f != f || v->gone == gone)
			continue;
		/* A write before the protection is wiped by the caller's
		 * stamp; after it, it traps. */
		if (gone) {
			plx_sim_store(&v->gone, true, memory_order_release);
			mprotect((void *)v->base, v->len, PROT_READ);
		} else {
			mprotect((void *)v->base, v->len, v->prot);
			plx_sim_store(&v->gone, false, memory_order_release);
		}
	}
	pthread_mutex_unlock(&views_lock);
}

uint64_t
plx_sim_dropped_writes(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	return plx_sim_load(&sim->funcs[fn].dropped_writes,
		memory_order_relaxed);
}
