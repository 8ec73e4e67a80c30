/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Device model of the PEX 87xx DMA engine: one BAR0 register file and one
 * descriptor-ring engine per function, an IOMMU, fault injection.
 *
 * BAR0 is plain shared memory: software writes do not trap, the engine
 * polls. How CTRL writes are recognised without losing any is explained at
 * ctrl_poll(). Per-function engine state is owned by whoever holds
 * plx_func.lock (the engine thread, or a plx_sim_step() caller); the hot
 * path takes that lock and the IOMMU read lock once per batch of
 * descriptors, never per descriptor.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plx_dma_hw.h"
#include "plx_sim.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* Deepest prefetch the engine does (PREF_LIMIT 8). */
#define PLX_PF_MAX		4
/* Threaded engine: work done for one function before serving the next. */
#define PLX_BATCH_DESC		64
#define PLX_BATCH_BYTES		(1u << 20)
/* Idle back-off of the engine thread. */
#define PLX_SPIN_NS		20000
#define PLX_YIELD_NS		200000
#define PLX_SLEEP_MIN_NS	1000
#define PLX_SLEEP_MAX_NS	64000

#define PLX_NEVER		UINT64_MAX

/* CTRL bits software sets and reads back unchanged. */
#define PLX_CTRL_CFG_MASK	(PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_MASK | \
				 PLX_CTRL_RING_STOP_MODE | \
				 PLX_CTRL_GRACEFUL_PAUSE | PLX_CTRL_ABORT)
#define PLX_CTRL2_IN_PROGRESS	(PLX_CTRL_IN_PROGRESS >> 16)
#define PLX_INTR_STATUS_MASK	(PLX_INTR_ERROR | PLX_INTR_INV_DESC | \
				 PLX_INTR_DESC_DONE | PLX_INTR_ABORT_DONE)

struct plx_iommu_ent {
	uint64_t iova;
	uint64_t len;
	uint8_t *va;
};

/* Last-hit translation caches of a function, one per kind of access. */
enum plx_xlate_kind {
	PLX_XL_RING,
	PLX_XL_SRC,
	PLX_XL_DST,
	PLX_XL_MAX
};

/* A prefetched descriptor: a snapshot plus the START epoch it was taken in. */
struct plx_pf_slot {
	struct plx_dma_hw_desc d;
	uint32_t addr_lo;
	uint64_t start_seq;
	uint32_t *host;		/* where to write it back; NULL: unmapped */
};

/* Register-visible state changes the engine makes through ctrl_commit(). */
enum plx_transition {
	PLX_TR_STOP_INVALID,	/* fetched a descriptor with VALID clear */
	PLX_TR_STOP_FETCH_FAIL,	/* the ring itself is not mapped */
	PLX_TR_PAUSE_DONE,
	PLX_TR_ABORT_DONE,
};

struct plx_func {
	struct plx_sim *sim;
	unsigned int fn;
	uint8_t *bar;
	int bar_fd;
	bool own_fd;
	pthread_mutex_t lock;

	/* Register shadows: what the model last published. */
	uint32_t ctrl_pub;	/* 32-bit word at CTRL */
	uint16_t intr_pub;	/* INTR_STATUS */

	/* CTRL as the engine understands it. */
	uint32_t cfg;		/* PLX_CTRL_CFG_MASK bits as last written */
	uint32_t status;	/* PLX_CTRL_STATUS_MASK bits the engine set */
	uint32_t ctrl2;
	bool running;		/* IN_PROGRESS */
	bool pause_req;
	bool abort_req;
	uint64_t start_seq;	/* STARTs seen */

	/* Ring walk, latched at START from idle. */
	uint32_t ring_lo;
	uint32_t ring_hi;
	uint64_t ring_bytes;	/* DESC_RING_COUNT * 16 */
	uint32_t next_lo;	/* next descriptor to process */
	uint32_t fetch_lo;	/* next descriptor to prefetch */
	/* Host address of the whole ring, looked up once per IOMMU
	 * generation; NULL: look up each descriptor. */
	uint8_t *ring_va;
	unsigned int pf_depth;
	struct plx_pf_slot pf[PLX_PF_MAX];
	unsigned int pf_head;
	unsigned int pf_n;

	/* IOMMU last-hit caches, valid while xl_gen == iommu generation. */
	struct plx_iommu_ent xl[PLX_XL_MAX];
	uint64_t xl_gen;

	/* Faults (descriptor numbers compare with desc_count). */
	uint64_t read_fail_at;
	uint64_t write_fail_at;
	uint64_t stall_at;
	/* Faults of the other kinds, taking effect after descriptor N. */
	uint64_t event_at[PLX_SIM_FAULT_MAX];
	bool faults_armed;	/* any of the above */
	bool stalled;
	bool pause_stuck;
	bool abort_stuck;
	bool removed;

	/* Pacing, model time in ns. */
	uint64_t pace_due;
	uint64_t pace_last;

	uint64_t desc_count;	/* atomic: read from any thread */
	int req_fd;		/* atomic */
};

struct plx_sim {
	struct plx_sim_conf conf;
	unsigned int nb_funcs;
	bool paced;

	pthread_rwlock_t iommu_lock;
	struct plx_iommu_ent *tab;	/* sorted by iova, no overlaps */
	unsigned int tab_n;
	unsigned int tab_cap;
	uint64_t iommu_gen;
	plx_sim_iova_xlate_t xlate;

	pthread_t thread;
	bool has_thread;
	bool stop;			/* atomic */

	struct plx_func funcs[PLX_SIM_MAX_FUNCS];
};

static void plx_log_print(const struct plx_func *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold));

/* The level test stays inline: the engine logs every descriptor at 2. */
#define plx_log(f, level, ...) do { \
	if (unlikely((f)->sim->conf.verbose >= (level))) \
		plx_log_print(f, __VA_ARGS__); \
} while (0)

static void
plx_log_print(const struct plx_func *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "plx-sim: fn%u: ", f->fn);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/* --- BAR0 access: software may touch it concurrently, so always atomic --- */

static inline uint32_t *
reg32(const struct plx_func *f, uint32_t off)
{
	return (uint32_t *)(void *)(f->bar + off);
}

static inline uint16_t *
reg16(const struct plx_func *f, uint32_t off)
{
	return (uint16_t *)(void *)(f->bar + off);
}

static inline uint32_t
rd32(const struct plx_func *f, uint32_t off)
{
	return __atomic_load_n(reg32(f, off), __ATOMIC_ACQUIRE);
}

static inline void
wr32(const struct plx_func *f, uint32_t off, uint32_t v)
{
	__atomic_store_n(reg32(f, off), v, __ATOMIC_RELEASE);
}

/* --- IOMMU --- */

/* Index of the last entry with iova <= a, or -1. */
static int
iommu_floor(const struct plx_sim *sim, uint64_t a)
{
	int lo = 0, hi = (int)sim->tab_n - 1, res = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (sim->tab[mid].iova <= a) {
			res = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return res;
}

/* An empty entry covers nothing; iova below the entry wraps off high. */
static inline bool
ent_covers(const struct plx_iommu_ent *e, uint64_t iova, uint64_t len)
{
	uint64_t off = iova - e->iova;

	return off < e->len && len <= e->len - off;
}

/*
 * Find the entry holding [iova, iova + len). A range running across
 * entries that are contiguous both as IOVA and as host address is one flat
 * host block, as an IOMMU page table would give it, so it is accepted
 * (DPDK maps memory segment by segment); the entry returned then covers the
 * merged span.
 */
static bool
iommu_find(const struct plx_sim *sim, uint64_t iova, uint64_t len,
		struct plx_iommu_ent *out)
{
	int i = iommu_floor(sim, iova);
	struct plx_iommu_ent e;

	if (i < 0 || iova - sim->tab[i].iova >= sim->tab[i].len)
		return false;
	e = sim->tab[i];
	while (!ent_covers(&e, iova, len)) {
		const struct plx_iommu_ent *n;

		if (++i >= (int)sim->tab_n)
			return false;
		n = &sim->tab[i];
		if (n->iova != e.iova + e.len || n->va != e.va + e.len)
			return false;
		e.len += n->len;
	}
	*out = e;
	return true;
}

static uint8_t *
xlate_miss(struct plx_func *f, enum plx_xlate_kind kind, uint64_t iova,
		uint64_t len)
{
	struct plx_sim *sim = f->sim;
	struct plx_iommu_ent *c = &f->xl[kind];

	/* A custom translation is not cached: its entries stay empty. */
	if (sim->xlate != NULL)
		return sim->xlate(iova, len);
	if (!iommu_find(sim, iova, len, c)) {
		c->len = 0;
		return NULL;
	}
	return c->va + (iova - c->iova);
}

/* Host address of [iova, iova + len) or NULL. After xlate_sync(). */
static inline uint8_t *
xlate(struct plx_func *f, enum plx_xlate_kind kind, uint64_t iova,
		uint64_t len)
{
	const struct plx_iommu_ent *c = &f->xl[kind];

	if (likely(ent_covers(c, iova, len)))
		return c->va + (iova - c->iova);
	return xlate_miss(f, kind, iova, len);
}

int
plx_sim_iommu_map(struct plx_sim *sim, uint64_t iova, void *vaddr,
		uint64_t len)
{
	int i, ret = 0;

	if (sim == NULL || vaddr == NULL || len == 0 || iova + len < iova)
		return -EINVAL;
	pthread_rwlock_wrlock(&sim->iommu_lock);
	i = iommu_floor(sim, iova);
	if ((i >= 0 && iova - sim->tab[i].iova < sim->tab[i].len) ||
			((unsigned int)(i + 1) < sim->tab_n &&
			 sim->tab[i + 1].iova < iova + len)) {
		ret = -EEXIST;
		goto out;
	}
	if (sim->tab_n == sim->tab_cap) {
		unsigned int cap = sim->tab_cap ? sim->tab_cap * 2 : 64;
		void *t = realloc(sim->tab, cap * sizeof(*sim->tab));

		if (t == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		sim->tab = t;
		sim->tab_cap = cap;
	}
	memmove(&sim->tab[i + 2], &sim->tab[i + 1],
		(sim->tab_n - (unsigned int)(i + 1)) * sizeof(*sim->tab));
	sim->tab[i + 1] = (struct plx_iommu_ent){ iova, len, vaddr };
	sim->tab_n++;
	sim->iommu_gen++;
out:
	pthread_rwlock_unlock(&sim->iommu_lock);
	return ret;
}

/*
 * Remove every mapping inside [iova, iova + len). Like VFIO type1 v2, a
 * mapping the range only partly covers is not split: -EINVAL, nothing
 * removed. -ENOENT if nothing was mapped there. Taking the write lock waits
 * for the batch the engine may be running, so once this returns the engine
 * no longer touches the range.
 */
int
plx_sim_iommu_unmap(struct plx_sim *sim, uint64_t iova, uint64_t len)
{
	unsigned int i, first, n = 0;
	uint64_t end = iova + len;
	int ret = 0;

	if (sim == NULL || len == 0 || end < iova)
		return -EINVAL;
	pthread_rwlock_wrlock(&sim->iommu_lock);
	for (i = 0; i < sim->tab_n && sim->tab[i].iova + sim->tab[i].len <= iova; i++)
		;
	first = i;
	for (; i < sim->tab_n && sim->tab[i].iova < end; i++, n++) {
		if (sim->tab[i].iova < iova ||
				sim->tab[i].iova + sim->tab[i].len > end) {
			ret = -EINVAL;
			goto out;
		}
	}
	if (n == 0) {
		ret = -ENOENT;
		goto out;
	}
	memmove(&sim->tab[first], &sim->tab[first + n],
		(sim->tab_n - first - n) * sizeof(*sim->tab));
	sim->tab_n -= n;
	sim->iommu_gen++;
out:
	pthread_rwlock_unlock(&sim->iommu_lock);
	return ret;
}

void
plx_sim_set_iova_xlate(struct plx_sim *sim, plx_sim_iova_xlate_t fn)
{
	if (sim == NULL)
		return;
	pthread_rwlock_wrlock(&sim->iommu_lock);
	sim->xlate = fn;
	sim->iommu_gen++;
	pthread_rwlock_unlock(&sim->iommu_lock);
}

static void
faults_rearm(struct plx_func *f)
{
	unsigned int k;

	f->faults_armed = f->read_fail_at != PLX_NEVER ||
		f->write_fail_at != PLX_NEVER || f->stall_at != PLX_NEVER;
	for (k = 0; k < PLX_SIM_FAULT_MAX; k++)
		f->faults_armed |= f->event_at[k] != PLX_NEVER;
}

static void
events_disarm(struct plx_func *f)
{
	unsigned int k;

	for (k = 0; k < PLX_SIM_FAULT_MAX; k++)
		f->event_at[k] = PLX_NEVER;
}

/* --- CTRL: recognising software writes to plain memory --- */

static uint32_t
ctrl_compose(const struct plx_func *f)
{
	return f->cfg | f->status | (f->ctrl2 << 16) |
		(f->running ? PLX_CTRL_IN_PROGRESS : 0);
}

static void
pf_drop(struct plx_func *f)
{
	f->pf_head = 0;
	f->pf_n = 0;
	f->pace_due = 0;
}

/* START from idle: latch the ring registers, fetch from NEXT_ADDR. */
static void
engine_start(struct plx_func *f)
{
	uint32_t count = rd32(f, PLX_REG_DESC_RING_COUNT);
	uint32_t pref = rd32(f, PLX_REG_PREF_LIMIT);

	if ((f->cfg & PLX_CTRL_DESC_MODE_MASK) != PLX_CTRL_DESC_MODE_OFF_CHIP) {
		plx_log(f, 1, "START ignored: only off-chip ring mode is modelled");
		return;
	}
	f->ring_lo = rd32(f, PLX_REG_DESC_RING_ADDR);
	f->ring_hi = rd32(f, PLX_REG_DESC_RING_ADDR_HI) & 0xffff;
	f->ring_bytes = (uint64_t)count * sizeof(struct plx_dma_hw_desc);
	f->next_lo = rd32(f, PLX_REG_DESC_RING_NEXT_ADDR);
	f->fetch_lo = f->next_lo;
	f->ring_va = NULL;
	/* PREF_LIMIT 8 means four descriptors ahead; below, proportionally
	 * fewer, but the current descriptor is always fetched. */
	f->pf_depth = pref / 2;
	if (f->pf_depth < 1)
		f->pf_depth = 1;
	if (f->pf_depth > PLX_PF_MAX)
		f->pf_depth = PLX_PF_MAX;
	pf_drop(f);
	f->running = true;
	plx_log(f, 1, "start: ring %#x:%08x count %u next %08x prefetch %u",
		f->ring_hi, f->ring_lo, count, f->next_lo, f->pf_depth);
}

/* Apply one software write of the 32-bit word at CTRL to the engine. */
static void
ctrl_interpret(struct plx_func *f, uint32_t w)
{
	uint32_t c = w & 0xffff;

	plx_log(f, 2, "CTRL write %08x", w);
	f->status &= ~(c & PLX_CTRL_STATUS_MASK);
	f->cfg = c & PLX_CTRL_CFG_MASK;
	f->ctrl2 = (w >> 16) & ~PLX_CTRL2_IN_PROGRESS;
	/* GRACEFUL_PAUSE is a level: writing it (again) asks for a pause,
	 * writing it 0 withdraws one that has not completed yet. */
	f->pause_req = (c & PLX_CTRL_GRACEFUL_PAUSE) != 0;
	if (c & PLX_CTRL_ABORT)
		f->abort_req = true;
	if (c & PLX_CTRL_START) {
		f->start_seq++;
		if (!f->running)
			engine_start(f);
	}
}

/*
 * Take pending software writes of CTRL.
 *
 * BAR0 is plain memory, so a write shows only as the 32-bit word at CTRL
 * differing from ctrl_pub, the value the model last stored there. Each
 * write found is interpreted, then the resulting register value is
 * published with a compare-and-swap against the word just read: if software
 * wrote again in between the CAS fails and that write is interpreted too.
 * The engine's own updates go through the same CAS (ctrl_commit()), so
 * neither side ever overwrites the other.
 *
 * The published value never has START or IMM_PAUSE_DONE set (START is
 * consumed, the model has no immediate pause), so every write carrying
 * START or RESET_VAL is seen. The contract only ever writes CTRL with
 * RESET_VAL in it, hence none of its writes is missed. What remains:
 *  - A write equal to the published value, without START or RESET_VAL, is
 *    taken as a no-op. Its config bits and pause/abort levels equal the
 *    current ones; a pause or abort it re-issues is either still pending
 *    (idempotent) or already acknowledged, its DONE bit being set exactly
 *    as a re-acknowledgement would leave it. Only a W1C of status bits
 *    without IMM_PAUSE_DONE in the same write would be lost; the contract
 *    never does that.
 *  - Two writes landing before one poll: the engine publishes nothing
 *    between them, so the second sees the same status bits and, carrying
 *    RESET_VAL, clears a superset of them; config bits and levels are the
 *    last write's, as on hardware. A START overwritten by a pause or abort
 *    equals the hardware timing in which the engine starts and stops at
 *    the first descriptor boundary, before moving any data; a START
 *    overwritten by a second START is one START (it is a latch). Software
 *    following the contract writes nothing else over a START.
 *
 * The converse cannot be hidden: until the engine takes a write, software
 * reading CTRL gets its own write back, RESET_VAL and all, which has every
 * DONE bit set. Because the model never publishes IMM_PAUSE_DONE, a value
 * read with that bit set is such a pending write and must be polled again
 * (on hardware the bit is never set by a driver that never asks for an
 * immediate pause, so the rule costs nothing there).
 */
static __attribute__((noinline)) bool
ctrl_take(struct plx_func *f, uint32_t cur)
{
	uint32_t *reg = reg32(f, PLX_REG_CTRL);
	uint32_t next;

	for (;;) {
		ctrl_interpret(f, cur);
		next = ctrl_compose(f);
		if (__atomic_compare_exchange_n(reg, &cur, next, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	f->ctrl_pub = next;
	return true;
}

/* Checked before every descriptor: the common case stays inline. */
static inline bool
ctrl_poll(struct plx_func *f)
{
	uint32_t cur = __atomic_load_n(reg32(f, PLX_REG_CTRL), __ATOMIC_ACQUIRE);

	if (likely(cur == f->ctrl_pub))
		return false;
	return ctrl_take(f, cur);
}

/* Whether the engine may make transition tr in its current state. */
static bool
transition_ok(const struct plx_func *f, enum plx_transition tr,
		uint64_t snap_seq)
{
	switch (tr) {
	case PLX_TR_STOP_INVALID:
		/* A START since the snapshot: re-read instead of stopping. */
		return f->running && f->start_seq == snap_seq;
	case PLX_TR_STOP_FETCH_FAIL:
		return f->running;
	case PLX_TR_PAUSE_DONE:
		return f->pause_req && !f->pause_stuck && !f->stalled;
	case PLX_TR_ABORT_DONE:
		return f->abort_req && !f->abort_stuck;
	}
	return false;
}

/* Every transition stops the engine; only these fields change. */
struct plx_ctrl_state {
	uint32_t status;
	bool running;
	bool pause_req;
	bool abort_req;
};

static void
transition_apply(struct plx_func *f, enum plx_transition tr)
{
	f->running = false;
	switch (tr) {
	case PLX_TR_STOP_INVALID:
	case PLX_TR_STOP_FETCH_FAIL:
		f->status |= PLX_CTRL_DESC_INVALID;
		break;
	case PLX_TR_PAUSE_DONE:
		f->status |= PLX_CTRL_GRACEFUL_PAUSE_DONE;
		f->pause_req = false;
		break;
	case PLX_TR_ABORT_DONE:
		f->status |= PLX_CTRL_ABORT_DONE;
		f->abort_req = false;
		f->pause_req = false;
		break;
	}
}

/*
 * Publish transition tr unless a software write seen first makes it moot.
 * A write that races with the CAS happened before the transition became
 * visible, so it is interpreted against the state before the transition,
 * which is then reconsidered. Returns whether the transition was made.
 */
static bool
ctrl_commit(struct plx_func *f, enum plx_transition tr, uint64_t snap_seq)
{
	uint32_t *reg = reg32(f, PLX_REG_CTRL);

	for (;;) {
		struct plx_ctrl_state saved;
		uint32_t expect, next;

		ctrl_poll(f);
		if (!transition_ok(f, tr, snap_seq))
			return false;
		saved = (struct plx_ctrl_state){ f->status, f->running,
			f->pause_req, f->abort_req };
		transition_apply(f, tr);
		next = ctrl_compose(f);
		expect = f->ctrl_pub;
		if (__atomic_compare_exchange_n(reg, &expect, next, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
		f->status = saved.status;
		f->running = saved.running;
		f->pause_req = saved.pause_req;
		f->abort_req = saved.abort_req;
	}
	f->ctrl_pub = ctrl_compose(f);
	pf_drop(f);
	if (tr == PLX_TR_ABORT_DONE) {
		/* A hung transfer is killed with the rest. */
		f->stalled = false;
		f->stall_at = PLX_NEVER;
		faults_rearm(f);
	}
	return true;
}

/* --- INTR_STATUS: same scheme, simpler (nothing but W1C) --- */

/*
 * A software write shows as INTR_STATUS differing from what was published;
 * its 1 bits clear causes. Writing back exactly the value read cannot be
 * told from no write; writing 0xffff always clears everything. set == 0
 * just takes a pending write.
 */
static __attribute__((noinline)) void
intr_update(struct plx_func *f, uint16_t set, uint16_t cur)
{
	uint16_t *reg = reg16(f, PLX_REG_INTR_STATUS);
	uint16_t st = f->intr_pub;

	for (;;) {
		uint16_t next;

		if (cur != f->intr_pub)
			st &= ~cur;
		next = st | set;
		if (__atomic_compare_exchange_n(reg, &cur, next, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			f->intr_pub = next;
			return;
		}
	}
}

static inline void
intr_raise(struct plx_func *f, uint16_t set)
{
	uint16_t cur = __atomic_load_n(reg16(f, PLX_REG_INTR_STATUS),
		__ATOMIC_ACQUIRE);

	if (likely(cur == f->intr_pub && (cur & set) == set))
		return;
	intr_update(f, set, cur);
}

/*
 * --- engine ---
 *
 * The engine keeps up to pf_depth snapshots of the descriptors ahead of
 * the one it processes (PREF_LIMIT 8: four), each tagged with the START
 * epoch (start_seq) it was taken in, and never fetches past an invalid
 * one. A snapshot with VALID clear means "stop here", unless a START was
 * taken since the snapshot: then the queue is dropped and the descriptor
 * read again (the latched START of the contract). Descriptors are atomic:
 * copy, registers and write-back happen within one call, so pause and
 * abort are served between descriptors. In manual mode a step fills the
 * queue before processing the head, which makes the race of a descriptor
 * turning valid after its prefetch reproducible: plx_sim_step(sim, fn, 1)
 * leaves the snapshots behind for the next step to act on.
 *
 * The ring is read through the IOMMU like the data. An unmapped ring is
 * taken as a failed fetch: the engine stops with DESC_INVALID set and
 * raises ERROR | INV_DESC in INTR_STATUS.
 */

static inline uint64_t
iova_of(uint16_t hi, uint32_t lo)
{
	return ((uint64_t)hi << 32) | lo;
}

/*
 * Next descriptor after lo: wrap to the base after DESC_RING_COUNT of them.
 * Only the low 32 bits move (ADDR_HI is fixed), so a ring crossing a 4 GiB
 * boundary is fetched from the wrong place, as on hardware. A count of 0
 * wraps after every descriptor.
 */
static inline uint32_t
ring_advance(const struct plx_func *f, uint32_t lo)
{
	lo += sizeof(struct plx_dma_hw_desc);
	if ((uint32_t)(lo - f->ring_lo) >= f->ring_bytes)
		lo = f->ring_lo;
	return lo;
}

/* Host address of the descriptor at ADDR_HI:lo, or NULL if unmapped. */
static uint8_t *
ring_host_lookup(struct plx_func *f, uint32_t lo)
{
	struct plx_sim *sim = f->sim;
	uint32_t off = lo - f->ring_lo;

	/* One lookup for the ring, unless its low word wraps (the engine
	 * would then fetch from the wrong place, see ring_advance()). */
	f->ring_va = NULL;
	if (sim->xlate == NULL && f->ring_bytes != 0 &&
			f->ring_lo + f->ring_bytes <= UINT64_C(1) << 32) {
		f->ring_va = xlate(f, PLX_XL_RING,
			iova_of(f->ring_hi, f->ring_lo), f->ring_bytes);
		if (f->ring_va != NULL && off < f->ring_bytes)
			return f->ring_va + off;
	}
	return xlate(f, PLX_XL_RING, iova_of(f->ring_hi, lo),
		sizeof(struct plx_dma_hw_desc));
}

static inline uint8_t *
ring_host(struct plx_func *f, uint32_t lo)
{
	uint32_t off = lo - f->ring_lo;

	if (likely(off < f->ring_bytes && f->ring_va != NULL))
		return f->ring_va + off;
	return ring_host_lookup(f, lo);
}

/* The i-th queued snapshot, 0 being the head. */
static inline struct plx_pf_slot *
pf_at(struct plx_func *f, unsigned int i)
{
	return &f->pf[(f->pf_head + i) % PLX_PF_MAX];
}

/* Write-back addresses of the snapshots queued under an older IOMMU map. */
static void
pf_rehost(struct plx_func *f)
{
	unsigned int i;

	for (i = 0; i < f->pf_n; i++) {
		struct plx_pf_slot *s = pf_at(f, i);

		s->host = (uint32_t *)(void *)ring_host(f, s->addr_lo);
	}
}

/*
 * Drop what a function cached of an older IOMMU state. Called with
 * iommu_lock held, before a batch of descriptors: the map cannot change
 * until the lock is released, so the caches need no check per access.
 */
static void
xlate_sync(struct plx_func *f)
{
	if (likely(f->xl_gen == f->sim->iommu_gen))
		return;
	memset(f->xl, 0, sizeof(f->xl));
	f->ring_va = NULL;
	f->xl_gen = f->sim->iommu_gen;
	pf_rehost(f);
}

/*
 * Snapshot the descriptor at ADDR_HI:lo. VALID is loaded with acquire
 * ordering first, pairing with the writer's barrier before it sets VALID,
 * so a valid snapshot never carries stale fields. Returns false if the ring
 * is not mapped.
 */
static bool
desc_fetch(struct plx_func *f, uint32_t lo, struct plx_pf_slot *s)
{
	uint8_t *p = ring_host(f, lo);

	if (unlikely(p == NULL))
		return false;
	s->d.flags_and_size = __atomic_load_n((const uint32_t *)(const void *)p,
			__ATOMIC_ACQUIRE);
	memcpy((uint8_t *)&s->d + 4, p + 4, sizeof(s->d) - 4);
	s->addr_lo = lo;
	s->start_seq = f->start_seq;
	s->host = (uint32_t *)(void *)p;
	return true;
}

/* Fill the prefetch queue; never fetch past an invalid snapshot. */
static bool
pf_fill(struct plx_func *f)
{
	while (f->pf_n < f->pf_depth) {
		if (f->pf_n > 0 && !(pf_at(f, f->pf_n - 1)->d.flags_and_size &
				PLX_DESC_VALID))
			break;
		if (!desc_fetch(f, f->fetch_lo, pf_at(f, f->pf_n)))
			return f->pf_n > 0;
		f->fetch_lo = ring_advance(f, f->fetch_lo);
		f->pf_n++;
	}
	return true;
}

static uint32_t
desc_transfer(struct plx_func *f, const struct plx_dma_hw_desc *d,
		uint32_t size)
{
	uint64_t src = iova_of(d->src_addr_hi, d->src_addr_lo);
	uint64_t dst = iova_of(d->dst_addr_hi, d->dst_addr_lo);
	const uint8_t *sp;
	uint8_t *dp;

	if (unlikely(size == 0))
		return PLX_DESC_WB_READ_FAIL;
	if (unlikely(f->faults_armed)) {
		uint64_t n = f->desc_count;

		if (n == f->read_fail_at)
			return PLX_DESC_WB_READ_FAIL;
		if (n == f->write_fail_at)
			return PLX_DESC_WB_WRITE_FAIL;
	}
	sp = xlate(f, PLX_XL_SRC, src, size);
	if (unlikely(sp == NULL))
		return PLX_DESC_WB_READ_FAIL;
	dp = xlate(f, PLX_XL_DST, dst, size);
	if (unlikely(dp == NULL))
		return PLX_DESC_WB_WRITE_FAIL;
	if (!__atomic_load_n(&f->sim->conf.null_copy, __ATOMIC_RELAXED))
		memmove(dp, sp, size);
	return PLX_DESC_WB_SUCCESS | size;
}

/* Process the descriptor at the head of the queue (known valid). */
static uint32_t
desc_run(struct plx_func *f)
{
	struct plx_pf_slot *s = pf_at(f, 0);
	uint32_t size = s->d.flags_and_size & PLX_DESC_SIZE_MASK;
	uint32_t wb = desc_transfer(f, &s->d, size);
	uint64_t n = f->desc_count;

	f->next_lo = ring_advance(f, s->addr_lo);
	wr32(f, PLX_REG_DESC_RING_LAST_ADDR, s->addr_lo);
	wr32(f, PLX_REG_DESC_RING_LAST_SIZE, size);
	wr32(f, PLX_REG_DESC_RING_NEXT_ADDR, f->next_lo);
	if (f->cfg & PLX_CTRL_WRITE_BACK_EN) {
		/* Release: whoever sees the write-back sees the data. */
		if (likely(s->host != NULL))
			__atomic_store_n(s->host, wb, __ATOMIC_RELEASE);
	}
	if (unlikely(f->faults_armed)) {
		/* One-shot faults are spent on their descriptor. */
		if (n == f->read_fail_at)
			f->read_fail_at = PLX_NEVER;
		if (n == f->write_fail_at)
			f->write_fail_at = PLX_NEVER;
		faults_rearm(f);
	}
	intr_raise(f, PLX_INTR_DESC_DONE |
		   ((wb & PLX_DESC_WB_SUCCESS) ? 0 : PLX_INTR_ERROR));
	__atomic_store_n(&f->desc_count, n + 1, __ATOMIC_RELEASE);
	f->pf_head = (f->pf_head + 1) % PLX_PF_MAX;
	f->pf_n--;
	plx_log(f, 2, "desc %08x size %u -> %08x", s->addr_lo, size, wb);
	return size;
}

/* Cost of a descriptor under pacing; false while it is still in flight. */
static bool
pace_ready(struct plx_func *f, uint32_t size)
{
	const struct plx_sim_conf *c = &f->sim->conf;
	uint64_t now = now_ns();

	if (f->pace_due == 0) {
		uint64_t t = c->desc_latency_ns;

		if (c->bandwidth != 0)
			t += (uint64_t)size * 1000000000u / c->bandwidth;
		f->pace_due = (now > f->pace_last ? now : f->pace_last) + t;
	}
	if (now < f->pace_due)
		return false;
	f->pace_last = f->pace_due;
	f->pace_due = 0;
	return true;
}

/* Outcome of looking at the head of the queue. */
enum plx_head {
	PLX_HEAD_RUN,
	PLX_HEAD_REFETCH,
	PLX_HEAD_STOP,
	PLX_HEAD_WAIT,
};

static enum plx_head
head_check(struct plx_func *f)
{
	struct plx_pf_slot *s;

	if (!pf_fill(f)) {
		plx_log(f, 1, "ring fetch at %#x:%08x outside the IOMMU",
			f->ring_hi, f->fetch_lo);
		if (ctrl_commit(f, PLX_TR_STOP_FETCH_FAIL, 0)) {
			intr_raise(f, PLX_INTR_ERROR | PLX_INTR_INV_DESC);
			return PLX_HEAD_STOP;
		}
		return PLX_HEAD_REFETCH;
	}
	s = pf_at(f, 0);
	if (!(s->d.flags_and_size & PLX_DESC_VALID)) {
		if (ctrl_commit(f, PLX_TR_STOP_INVALID, s->start_seq)) {
			plx_log(f, 1, "stopped at invalid descriptor %08x",
				s->addr_lo);
			intr_raise(f, PLX_INTR_INV_DESC);
			return PLX_HEAD_STOP;
		}
		/* Latched START (or stopped otherwise): drop stale snapshots. */
		f->fetch_lo = f->next_lo;
		pf_drop(f);
		return PLX_HEAD_REFETCH;
	}
	if (unlikely(f->faults_armed) && f->desc_count == f->stall_at) {
		if (!f->stalled)
			plx_log(f, 1, "stalled before descriptor %08x",
				s->addr_lo);
		f->stalled = true;
		return PLX_HEAD_WAIT;
	}
	if (f->sim->paced &&
			!pace_ready(f, s->d.flags_and_size & PLX_DESC_SIZE_MASK))
		return PLX_HEAD_WAIT;
	return PLX_HEAD_RUN;
}

/* Honour abort and pause requests at a descriptor boundary. */
static inline bool
requests_check(struct plx_func *f)
{
	if (likely(!f->abort_req && !f->pause_req))
		return false;
	if (f->abort_req && ctrl_commit(f, PLX_TR_ABORT_DONE, 0)) {
		plx_log(f, 1, "abort done, next %08x", f->next_lo);
		intr_raise(f, PLX_INTR_ABORT_DONE);
		return true;
	}
	if (f->pause_req && ctrl_commit(f, PLX_TR_PAUSE_DONE, 0)) {
		plx_log(f, 1, "graceful pause done, next %08x", f->next_lo);
		return true;
	}
	return false;
}

/* What serving a function found, for the engine thread's back-off. */
struct plx_svc {
	bool active;	/* took a write or moved the engine */
	bool wait;	/* running, held back by pacing only */
};

static void events_due(struct plx_func *f);

/*
 * Serve function f: take register writes, then process up to max_desc
 * descriptors (and about max_bytes bytes). Caller holds f->lock.
 */
static unsigned int
func_service(struct plx_func *f, unsigned int max_desc, uint64_t max_bytes,
		struct plx_svc *svc)
{
	struct plx_sim *sim = f->sim;
	unsigned int n = 0;
	uint64_t bytes = 0;
	bool active = false;

	if (unlikely(f->removed)) {
		/* Re-stamp: a dropped write stays visible until this poll. */
		memset(f->bar, 0xff, PLX_BAR0_SIM_LEN);
		return 0;
	}
	svc->active |= ctrl_poll(f);
	svc->active |= requests_check(f);
	intr_raise(f, 0);
	if (!f->running)
		return 0;
	pthread_rwlock_rdlock(&sim->iommu_lock);
	xlate_sync(f);
	while (n < max_desc && bytes < max_bytes) {
		enum plx_head h;

		if (ctrl_poll(f))
			active = true;
		if (requests_check(f))
			active = true;
		if (!f->running)
			break;
		h = head_check(f);
		if (h == PLX_HEAD_REFETCH)
			continue;
		if (h == PLX_HEAD_STOP) {
			active = true;
			break;
		}
		if (h == PLX_HEAD_WAIT) {
			svc->wait |= !f->stalled;
			break;
		}
		bytes += desc_run(f);
		n++;
		if (unlikely(f->faults_armed)) {
			events_due(f);
			/* Gone: its BAR0 must not be read as a CTRL write. */
			if (f->removed)
				break;
		}
	}
	pthread_rwlock_unlock(&sim->iommu_lock);
	svc->active |= active || n > 0;
	return n;
}

unsigned int
plx_sim_step(struct plx_sim *sim, unsigned int fn, unsigned int max_desc)
{
	struct plx_svc svc = { false, false };
	struct plx_func *f;
	unsigned int n;

	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	n = func_service(f, max_desc, UINT64_MAX, &svc);
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* --- engine thread --- */

struct plx_backoff {
	uint64_t idle_since;
	uint64_t sleep_ns;
};

static void
backoff_wait(struct plx_backoff *b, bool pacing)
{
	uint64_t now = now_ns();
	struct timespec ts;
	int i;

	if (b->idle_since == 0)
		b->idle_since = now;
	if (now - b->idle_since < PLX_SPIN_NS) {
		for (i = 0; i < 32; i++)
			cpu_relax();
		return;
	}
	/* A paced transfer in flight is due soon: stay responsive. */
	if (pacing || now - b->idle_since < PLX_YIELD_NS) {
		sched_yield();
		return;
	}
	if (b->sleep_ns < PLX_SLEEP_MIN_NS)
		b->sleep_ns = PLX_SLEEP_MIN_NS;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)b->sleep_ns;
	nanosleep(&ts, NULL);
	if (b->sleep_ns < PLX_SLEEP_MAX_NS)
		b->sleep_ns *= 2;
}

/* One round-robin pass over all functions, a bounded batch each. */
static void
engine_pass(struct plx_sim *sim, struct plx_svc *svc)
{
	unsigned int fn;

	for (fn = 0; fn < sim->nb_funcs; fn++) {
		struct plx_func *f = &sim->funcs[fn];

		pthread_mutex_lock(&f->lock);
		func_service(f, PLX_BATCH_DESC, PLX_BATCH_BYTES, svc);
		pthread_mutex_unlock(&f->lock);
	}
}

static void *
engine_thread(void *arg)
{
	struct plx_sim *sim = arg;
	struct plx_backoff b = { 0, 0 };

	/* Let the short sleeps of the back-off be short. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!__atomic_load_n(&sim->stop, __ATOMIC_ACQUIRE)) {
		struct plx_svc svc = { false, false };

		engine_pass(sim, &svc);
		if (svc.active) {
			b.idle_since = 0;
			b.sleep_ns = 0;
			continue;
		}
		backoff_wait(&b, svc.wait);
	}
	return NULL;
}

static int
thread_start(struct plx_sim *sim)
{
	int ret = pthread_create(&sim->thread, NULL, engine_thread, sim);

	if (ret != 0)
		return -ret;
	sim->has_thread = true;
	pthread_setname_np(sim->thread, "plx-sim");
	if (sim->conf.cpu >= 0 && sim->conf.cpu < CPU_SETSIZE) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(sim->conf.cpu, &set);
		ret = pthread_setaffinity_np(sim->thread, sizeof(set), &set);
		if (ret != 0)
			fprintf(stderr, "plx-sim: cannot pin engine to cpu %d: %s\n",
				sim->conf.cpu, strerror(ret));
	}
	return 0;
}

/* --- functions: power-on state, faults --- */

/* Power-on state; caller holds f->lock (or owns f exclusively). */
static void
func_reset(struct plx_func *f)
{
	memset(f->bar, 0, PLX_BAR0_SIM_LEN);
	f->ctrl_pub = 0;
	f->intr_pub = 0;
	f->cfg = 0;
	f->status = 0;
	f->ctrl2 = 0;
	f->running = false;
	f->pause_req = false;
	f->abort_req = false;
	pf_drop(f);
	f->pace_last = 0;
	f->read_fail_at = PLX_NEVER;
	f->write_fail_at = PLX_NEVER;
	f->stall_at = PLX_NEVER;
	events_disarm(f);
	f->faults_armed = false;
	f->stalled = false;
	f->pause_stuck = false;
	f->abort_stuck = false;
	f->removed = false;
}

static int
bar_open(struct plx_func *f, int fd)
{
	char name[32];
	struct stat st;

	if (fd < 0) {
		snprintf(name, sizeof(name), "plx-sim-bar0-fn%u", f->fn);
		fd = memfd_create(name, MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
		f->own_fd = true;
	}
	f->bar_fd = fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < PLX_BAR0_SIM_LEN && ftruncate(fd, PLX_BAR0_SIM_LEN) < 0)
		return -errno;
	f->bar = mmap(NULL, PLX_BAR0_SIM_LEN, PROT_READ | PROT_WRITE,
		MAP_SHARED, fd, 0);
	if (f->bar == MAP_FAILED) {
		f->bar = NULL;
		return -errno;
	}
	return 0;
}

static void
func_fini(struct plx_func *f)
{
	if (f->bar != NULL)
		munmap(f->bar, PLX_BAR0_SIM_LEN);
	if (f->own_fd && f->bar_fd >= 0)
		close(f->bar_fd);
	pthread_mutex_destroy(&f->lock);
}

static int
func_init(struct plx_sim *sim, unsigned int fn, int fd)
{
	struct plx_func *f = &sim->funcs[fn];
	int ret;

	f->sim = sim;
	f->fn = fn;
	f->bar_fd = -1;
	f->req_fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	ret = bar_open(f, fd);
	if (ret == 0)
		func_reset(f);
	return ret;
}

void
plx_sim_destroy(struct plx_sim *sim)
{
	unsigned int fn;

	if (sim == NULL)
		return;
	if (sim->has_thread) {
		__atomic_store_n(&sim->stop, true, __ATOMIC_RELEASE);
		pthread_join(sim->thread, NULL);
	}
	for (fn = 0; fn < sim->nb_funcs; fn++)
		func_fini(&sim->funcs[fn]);
	pthread_rwlock_destroy(&sim->iommu_lock);
	free(sim->tab);
	free(sim);
}

struct plx_sim *
plx_sim_create(const struct plx_sim_conf *conf)
{
	pthread_rwlockattr_t attr;
	struct plx_sim *sim;
	unsigned int fn;
	int ret = 0;

	if (conf == NULL || conf->nb_funcs == 0 ||
			conf->nb_funcs > PLX_SIM_MAX_FUNCS) {
		errno = EINVAL;
		return NULL;
	}
	sim = calloc(1, sizeof(*sim));
	if (sim == NULL)
		return NULL;
	sim->conf = *conf;
	sim->conf.bar_fds = NULL;	/* not ours to keep */
	sim->paced = conf->bandwidth != 0 || conf->desc_latency_ns != 0;
	/* The engine re-takes the read lock batch after batch: let a waiting
	 * map/unmap in first. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sim->iommu_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	for (fn = 0; fn < conf->nb_funcs && ret == 0; fn++) {
		ret = func_init(sim, fn,
			conf->bar_fds != NULL ? conf->bar_fds[fn] : -1);
		sim->nb_funcs = fn + 1;
	}
	if (ret == 0 && !conf->manual)
		ret = thread_start(sim);
	if (ret != 0) {
		plx_sim_destroy(sim);
		errno = -ret;
		return NULL;
	}
	return sim;
}

unsigned int
plx_sim_nb_funcs(const struct plx_sim *sim)
{
	return sim != NULL ? sim->nb_funcs : 0;
}

volatile void *
plx_sim_bar0(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return NULL;
	return sim->funcs[fn].bar;
}

int
plx_sim_bar0_fd(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return -1;
	return sim->funcs[fn].bar_fd;
}

static int
fault_unbind(struct plx_func *f)
{
	int fd = __atomic_load_n(&f->req_fd, __ATOMIC_ACQUIRE);

	if (fd < 0)
		return -ENOTCONN;
	if (eventfd_write(fd, 1) < 0)
		return -errno;
	return 0;
}

/* A fault that is a change of state: now. Caller holds f->lock. */
static int
fault_apply(struct plx_func *f, enum plx_sim_fault fault)
{
	switch (fault) {
	case PLX_SIM_FAULT_PAUSE_STUCK:
		f->pause_stuck = true;
		break;
	case PLX_SIM_FAULT_ABORT_STUCK:
		f->abort_stuck = true;
		break;
	case PLX_SIM_FAULT_SURPRISE_REMOVAL:
		f->removed = true;
		f->running = false;
		pf_drop(f);
		memset(f->bar, 0xff, PLX_BAR0_SIM_LEN);
		break;
	case PLX_SIM_FAULT_UNBIND_REQUEST:
		return fault_unbind(f);
	default:
		return -EINVAL;
	}
	plx_log(f, 1, "fault %s", plx_sim_fault_name(fault));
	return 0;
}

/* Faults of state whose descriptor count has come. */
static void
events_due(struct plx_func *f)
{
	unsigned int k;

	for (k = 0; k < PLX_SIM_FAULT_MAX; k++) {
		if (f->event_at[k] != f->desc_count)
			continue;
		f->event_at[k] = PLX_NEVER;
		fault_apply(f, k);
	}
	faults_rearm(f);
}

/* Arm fault on f for descriptor number at; caller holds f->lock. */
static int
fault_arm(struct plx_func *f, enum plx_sim_fault fault, uint64_t at)
{
	switch (fault) {
	case PLX_SIM_FAULT_READ_FAIL:
		f->read_fail_at = at;
		break;
	case PLX_SIM_FAULT_WRITE_FAIL:
		f->write_fail_at = at;
		break;
	case PLX_SIM_FAULT_STALL:
		f->stall_at = at;
		break;
	default:
		if (fault <= PLX_SIM_FAULT_NONE || fault >= PLX_SIM_FAULT_MAX)
			return -EINVAL;
		if (at == f->desc_count)
			return fault_apply(f, fault);
		f->event_at[fault] = at;
		break;
	}
	faults_rearm(f);
	return 0;
}

int
plx_sim_inject(struct plx_sim *sim, unsigned int fn,
		enum plx_sim_fault fault, uint64_t after)
{
	struct plx_func *f;
	uint64_t at;
	int ret;

	if (sim == NULL || fn >= sim->nb_funcs)
		return -EINVAL;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	at = f->desc_count + after;
	if (at < after)
		at = PLX_NEVER - 1;
	ret = fault_arm(f, fault, at);
	pthread_mutex_unlock(&f->lock);
	if (ret == 0)
		plx_log(f, 1, "fault %s armed (descriptor #%llu)",
			plx_sim_fault_name(fault), (unsigned long long)at);
	return ret;
}

void
plx_sim_clear_faults(struct plx_sim *sim, unsigned int fn)
{
	struct plx_func *f;

	if (sim == NULL || fn >= sim->nb_funcs)
		return;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	f->read_fail_at = PLX_NEVER;
	f->write_fail_at = PLX_NEVER;
	f->stall_at = PLX_NEVER;
	events_disarm(f);
	f->faults_armed = false;
	f->stalled = false;
	f->pause_stuck = false;
	f->abort_stuck = false;
	pthread_mutex_unlock(&f->lock);
	plx_log(f, 1, "faults cleared");
}

int
plx_sim_replug(struct plx_sim *sim, unsigned int fn)
{
	struct plx_func *f;

	if (sim == NULL || fn >= sim->nb_funcs)
		return -EINVAL;
	f = &sim->funcs[fn];
	pthread_mutex_lock(&f->lock);
	func_reset(f);
	pthread_mutex_unlock(&f->lock);
	plx_log(f, 1, "replugged");
	return 0;
}

void
plx_sim_set_null_copy(struct plx_sim *sim, bool on)
{
	if (sim != NULL)
		__atomic_store_n(&sim->conf.null_copy, on, __ATOMIC_RELAXED);
}

uint64_t
plx_sim_desc_count(struct plx_sim *sim, unsigned int fn)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return 0;
	return __atomic_load_n(&sim->funcs[fn].desc_count, __ATOMIC_ACQUIRE);
}

void
plx_sim_set_req_eventfd(struct plx_sim *sim, unsigned int fn, int fd)
{
	if (sim == NULL || fn >= sim->nb_funcs)
		return;
	__atomic_store_n(&sim->funcs[fn].req_fd, fd, __ATOMIC_RELEASE);
}

static const char * const fault_names[PLX_SIM_FAULT_MAX] = {
	[PLX_SIM_FAULT_NONE] = "none",
	[PLX_SIM_FAULT_READ_FAIL] = "read-fail",
	[PLX_SIM_FAULT_WRITE_FAIL] = "write-fail",
	[PLX_SIM_FAULT_STALL] = "stall",
	[PLX_SIM_FAULT_PAUSE_STUCK] = "pause-stuck",
	[PLX_SIM_FAULT_ABORT_STUCK] = "abort-stuck",
	[PLX_SIM_FAULT_SURPRISE_REMOVAL] = "surprise-removal",
	[PLX_SIM_FAULT_UNBIND_REQUEST] = "unbind-request",
};

const char *
plx_sim_fault_name(enum plx_sim_fault fault)
{
	if ((unsigned int)fault >= PLX_SIM_FAULT_MAX)
		return "unknown";
	return fault_names[fault];
}

int
plx_sim_fault_parse(const char *name, enum plx_sim_fault *fault)
{
	unsigned int i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < PLX_SIM_FAULT_MAX; i++) {
		if (strcmp(name, fault_names[i]) == 0) {
			if (fault != NULL)
				*fault = (enum plx_sim_fault)i;
			return 0;
		}
	}
	return -EINVAL;
}
