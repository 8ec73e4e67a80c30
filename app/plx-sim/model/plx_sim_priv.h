/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_PRIV_H
#define PLX_SIM_PRIV_H

/*
 * Inside the device model: the state of the switch and of its functions,
 * shared by the engine (plx_sim_engine.c, its registers plx_sim_ctrl.c),
 * the IOMMU (plx_sim_iommu.c), fault injection (plx_sim_fault.c) and the
 * switch's life cycle (plx_sim_switch.c). Not for users of the model: they use plx_sim.h.
 *
 * What the engine's hot loop calls from here is static inline, so that
 * splitting the model into files costs it no call; what crosses files is
 * hidden, so that it stays inside the library.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "plx_dma_hw.h"
#include "plx_sim.h"
#include "plx_sim_atomic.h"

#define PLX_SIM_INTERNAL	__attribute__((visibility("hidden")))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* Deepest prefetch the engine does (PREF_LIMIT 8). */
#define PLX_PF_MAX		4

#define PLX_NEVER		UINT64_MAX

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
	/* Those of the prefetch hints (plx_sim_engine.c), kept apart so
	 * that hints for the next descriptors never evict the head's. */
	PLX_XL_HINT_SRC,
	PLX_XL_HINT_DST,
	PLX_XL_MAX
};

/* Faults that change the outcome of one descriptor, in priority order. */
enum plx_desc_fault {
	PLX_DF_READ_FAIL,
	PLX_DF_WRITE_FAIL,
	PLX_DF_BOTH_FAIL,
	PLX_DF_NO_STATUS,
	PLX_DF_SHORT,
	PLX_DF_MAX
};

/* A prefetched descriptor: a snapshot plus the START epoch it was taken in. */
struct plx_pf_slot {
	struct plx_dma_hw_desc d;
	uint32_t addr_lo;
	uint64_t start_seq;
	uint32_t *host;		/* where to write it back; NULL: unmapped */
};

struct plx_func {
	struct plx_sim *sim;
	unsigned int fn;
	uint8_t *bar;		/* the engine's own mapping of BAR0 */
	uint8_t *sw;		/* software's, plx_sim_bar0() (a view) */
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
	bool burst;		/* burst prefetch, taken at START from idle */
	bool start_latch;	/* burst prefetch: a START seen while running */

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
	unsigned int pf_hinted;	/* snapshots from the head whose lines were hinted */

	/* IOMMU last-hit caches, valid while xl_gen == iommu generation. */
	struct plx_iommu_ent xl[PLX_XL_MAX];
	uint64_t xl_gen;

	/* Faults (descriptor numbers compare with desc_count). */
	uint64_t desc_fault_at[PLX_DF_MAX];
	uint64_t stall_at;
	/* Faults of the other kinds, taking effect after descriptor N. */
	uint64_t event_at[PLX_SIM_FAULT_MAX];
	bool faults_armed;	/* any of the above */
	bool stalled;
	bool pause_stuck;
	bool abort_stuck;
	bool reset_stuck;
	bool removed;
	unsigned int lost_starts;	/* START writes still to drop */
	bool halt_on_fail;
	bool halt_due;		/* a descriptor failed under halt_on_fail */
	bool halted;		/* stopped by it: START is ignored */
	bool glitch;		/* CTRL reads all ones for now */
	uint64_t glitch_end;	/* when it ends, threaded (ns) */
	uint32_t glitch_val;	/* CTRL writes held meanwhile... */
	uint32_t glitch_mask;	/* ...in these bits */

	/* A write-back in flight across a surprise removal. */
	uint64_t late_iova;	/* of its ring slot, 0: none */
	uint32_t late_wb;
	uint64_t late_due;
	uint64_t late_wbs;	/* atomic: delivered so far */

	/* Chunked transfer of the head descriptor, in progress. */
	bool chunked;
	bool xfer_busy;
	uint32_t xfer_size;	/* bytes to move (a fault may shorten it) */
	uint32_t xfer_done;	/* moved so far */
	uint32_t xfer_status;	/* SUCCESS, or 0 (wb-no-status) */

	/* Chaos (plx_sim_chaos.c). */
	bool chaos;
	uint64_t chaos_desc_rng;
	uint64_t chaos_svc_rng;
	uint64_t chaos_digest;	/* atomic: read from any thread */
	uint64_t ctrl_defer_until;

	/* Pacing, model time in ns. */
	uint64_t pace_due;
	uint64_t pace_last;

	uint64_t desc_count;	/* atomic: read from any thread */
	uint64_t owner_errors;	/* atomic: read from any thread */
	uint64_t dropped_writes;	/* atomic: to views while removed */
	int req_fd;		/* atomic */
};

struct plx_sim {
	struct plx_sim_conf conf;
	unsigned int nb_funcs;
	bool paced;
	uint32_t bar_len;		/* plx_sim_bar0_len(conf.variants) */

	pthread_rwlock_t iommu_lock;
	struct plx_iommu_ent *tab;	/* sorted by iova, no overlaps */
	unsigned int tab_n;
	unsigned int tab_cap;
	uint64_t iommu_gen;
	plx_sim_iova_xlate_t xlate;
	/* The table's runs for the translation caches (plx_sim_iommu.c). */
	pthread_mutex_t runs_lock;
	struct plx_iommu_ent *runs;
	unsigned int runs_n;
	unsigned int runs_cap;
	uint64_t runs_gen;		/* the iommu_gen they are of */

	pthread_t thread;
	bool has_thread;
	bool stop;			/* atomic */

	struct plx_func funcs[PLX_SIM_MAX_FUNCS];
};

PLX_SIM_INTERNAL void plx_log_print(const struct plx_func *f,
		const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold));

/* The level test stays inline: the engine logs every descriptor at 2. */
#define plx_log(f, level, ...) do { \
	if (__builtin_expect(!!((f)->sim->conf.verbose >= (level)), 0)) \
		plx_log_print(f, __VA_ARGS__); \
} while (0)

/* Whether the model departs from the contract as variant v says. */
static inline bool
variant_on(const struct plx_func *f, enum plx_sim_variant v)
{
	return (f->sim->conf.variants & PLX_SIM_VARIANT(v)) != 0;
}

/* Whether the transfer size code in CTRL2 works (txfr-64-only). */
static inline bool
txfr_code_ok(const struct plx_func *f)
{
	uint32_t code = f->ctrl2 & PLX_CTRL2_MAX_TXFR_MASK;

	return !variant_on(f, PLX_SIM_VAR_TXFR_64_ONLY) ||
		code == PLX_CTRL2_MAX_TXFR_64B || code == PLX_CTRL2_MAX_TXFR_4B;
}

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- IOMMU lookup: the map's and the engine's --- */

/* Index of the last of n entries sorted by iova with iova <= a, or -1. */
static inline int
ents_floor(const struct plx_iommu_ent *t, unsigned int n, uint64_t a)
{
	int lo = 0, hi = (int)n - 1, res = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (t[mid].iova <= a) {
			res = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return res;
}

/* Index of the last mapping with iova <= a, or -1. */
static inline int
iommu_floor(const struct plx_sim *sim, uint64_t a)
{
	return ents_floor(sim->tab, sim->tab_n, a);
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
static inline bool
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

/*
 * Host address of [iova, iova + len) or NULL, for a miss of function f's
 * last-hit translation of that kind (plx_sim_iommu.c); iommu_lock held.
 */
PLX_SIM_INTERNAL uint8_t *xlate_miss(struct plx_func *f,
		enum plx_xlate_kind kind, uint64_t iova, uint64_t len);

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

/* --- descriptors, as the engine and its hints read them --- */

static inline uint64_t
iova_of(uint16_t hi, uint32_t lo)
{
	return ((uint64_t)hi << 32) | lo;
}

/* The i-th queued snapshot, 0 being the head. */
static inline struct plx_pf_slot *
pf_at(struct plx_func *f, unsigned int i)
{
	return &f->pf[(f->pf_head + i) % PLX_PF_MAX];
}

/* Source and destination, the low words in the variant's order. */
static inline void
desc_addrs(const struct plx_func *f, const struct plx_dma_hw_desc *d,
		uint64_t *src, uint64_t *dst)
{
	bool swap = variant_on(f, PLX_SIM_VAR_SRC_BEFORE_DST);

	*src = iova_of(d->src_addr_hi, swap ? d->dst_addr_lo : d->src_addr_lo);
	*dst = iova_of(d->dst_addr_hi, swap ? d->src_addr_lo : d->dst_addr_lo);
}

/*
 * Hint the host's caches before the head descriptor runs (plx_sim_hint.c):
 * a prefetch, nothing observable. Caller holds f->lock and iommu_lock.
 */
PLX_SIM_INTERNAL void hints_issue(struct plx_func *f);

/* CTRL bits software sets and reads back unchanged. */
#define PLX_CTRL_CFG_MASK	(PLX_CTRL_WRITE_BACK_EN | PLX_CTRL_DESC_MODE_MASK | \
				 PLX_CTRL_RING_STOP_MODE | \
				 PLX_CTRL_GRACEFUL_PAUSE | PLX_CTRL_ABORT)
#define PLX_CTRL2_IN_PROGRESS	PLX_CTRL32_CTRL2(PLX_CTRL_IN_PROGRESS)
#define PLX_INTR_STATUS_MASK	(PLX_INTR_ERROR | PLX_INTR_INV_DESC | \
				 PLX_INTR_DESC_DONE | PLX_INTR_ABORT_DONE)

/* Register-visible state changes the engine makes through ctrl_commit(). */
enum plx_transition {
	PLX_TR_STOP_INVALID,	/* fetched a descriptor with VALID clear */
	PLX_TR_STOP_FETCH_FAIL,	/* the ring itself is not mapped */
	PLX_TR_STOP_ERROR,	/* a descriptor failed (stop-on-error) */
	PLX_TR_PAUSE_DONE,
	PLX_TR_ABORT_DONE,
	PLX_TR_HALT,		/* halt-on-fail: stopped after a failure */
};

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
	return plx_sim_load(reg32(f, off), memory_order_acquire);
}

static inline void
wr32(const struct plx_func *f, uint32_t off, uint32_t v)
{
	plx_sim_store(reg32(f, off), v, memory_order_release);
}

/* --- CTRL and INTR_STATUS (plx_sim_ctrl.c): the inline halves --- */

/* Take software writes of CTRL from cur on; caller holds f->lock. */
PLX_SIM_INTERNAL bool ctrl_take(struct plx_func *f, uint32_t cur);
/*
 * Publish transition tr unless a software write seen first makes it moot;
 * snap_seq is the START epoch the decision was based on.
 */
PLX_SIM_INTERNAL bool ctrl_commit(struct plx_func *f, enum plx_transition tr,
		uint64_t snap_seq);
PLX_SIM_INTERNAL void intr_update(struct plx_func *f, uint16_t set,
		uint16_t cur);

/* Checked before every descriptor: the common case stays inline. */
static inline bool
ctrl_poll(struct plx_func *f)
{
	uint32_t cur = plx_sim_load(reg32(f, PLX_REG_CTRL), memory_order_acquire);

	if (likely(cur == f->ctrl_pub))
		return false;
	return ctrl_take(f, cur);
}

static inline void
intr_raise(struct plx_func *f, uint16_t set)
{
	uint16_t cur = plx_sim_load(reg16(f, PLX_REG_INTR_STATUS),
		memory_order_acquire);

	if (likely(cur == f->intr_pub && (cur & set) == set))
		return;
	intr_update(f, set, cur);
}

/* --- fault and prefetch bookkeeping the engine and the faults share --- */

static inline void
faults_rearm(struct plx_func *f)
{
	unsigned int k;

	f->faults_armed = f->stall_at != PLX_NEVER || f->halt_on_fail;
	for (k = 0; k < PLX_DF_MAX; k++)
		f->faults_armed |= f->desc_fault_at[k] != PLX_NEVER;
	for (k = 0; k < PLX_SIM_FAULT_MAX; k++)
		f->faults_armed |= f->event_at[k] != PLX_NEVER;
}

static inline void
events_disarm(struct plx_func *f)
{
	unsigned int k;

	for (k = 0; k < PLX_SIM_FAULT_MAX; k++)
		f->event_at[k] = PLX_NEVER;
}

/* No fault armed, none in effect but a removal (power-on, or cleared). */
static inline void
faults_disarm(struct plx_func *f)
{
	unsigned int k;

	for (k = 0; k < PLX_DF_MAX; k++)
		f->desc_fault_at[k] = PLX_NEVER;
	f->stall_at = PLX_NEVER;
	events_disarm(f);
	f->faults_armed = false;
	f->stalled = false;
	f->pause_stuck = false;
	f->abort_stuck = false;
	f->reset_stuck = false;
	f->lost_starts = 0;
	f->halt_on_fail = false;
	f->halt_due = false;
	f->halted = false;
	f->glitch_end = 0;	/* a glitch in effect ends at the next look */
}

/* Also drops a chunked transfer in progress: it is not written back. */
static inline void
pf_drop(struct plx_func *f)
{
	f->pf_head = 0;
	f->pf_n = 0;
	f->pf_hinted = 0;
	f->pace_due = 0;
	f->xfer_busy = false;
}

/* What serving a function found, for the engine thread's back-off. */
struct plx_svc {
	bool active;	/* took a write or moved the engine */
	bool wait;	/* running, held back by pacing only */
};

/* --- chaos (plx_sim_chaos.c); caller holds f->lock --- */

PLX_SIM_INTERNAL void chaos_init(struct plx_func *f, uint64_t seed);
/* The time the next descriptor takes, a pause after it included. */
PLX_SIM_INTERNAL uint64_t chaos_desc_ns(struct plx_func *f);
PLX_SIM_INTERNAL unsigned int chaos_batch(struct plx_func *f, unsigned int max);
PLX_SIM_INTERNAL bool chaos_ctrl_deferred(struct plx_func *f);

/* One pass of the engine thread over every function (plx_sim_engine.c). */
PLX_SIM_INTERNAL void engine_pass(struct plx_sim *sim, struct plx_svc *svc);
/*
 * Late write-backs (plx_sim_fault.c; caller holds f->lock): whether the
 * write-back wb of the descriptor at ring IOVA iova is held back, a
 * removal being due right after it; and its delivery once due.
 */
/*
 * Software's views of BAR0 (plx_sim_view.c): on a removal (gone) they
 * read all ones and drop writes, on a replug they answer again; whether
 * writes trap at all (else the engine re-stamps all ones each pass).
 * plx_sim_insn.c: the length of an instruction writing memory, or -1.
 */
PLX_SIM_INTERNAL void *views_map(struct plx_func *f, void *addr,
		size_t len, int prot, int flags, off_t off);
PLX_SIM_INTERNAL void views_set_gone(struct plx_func *f, bool gone);
PLX_SIM_INTERNAL void views_forget_func(struct plx_func *f);
PLX_SIM_INTERNAL bool views_trap_writes(void);
PLX_SIM_INTERNAL int plx_insn_store_len(const uint8_t *p);

PLX_SIM_INTERNAL bool late_wb_hold(struct plx_func *f, uint64_t iova,
		uint32_t wb);
PLX_SIM_INTERNAL void late_wb_deliver(struct plx_func *f);
/* Apply a fault of state now (plx_sim_fault.c); caller holds f->lock. */
PLX_SIM_INTERNAL int fault_apply(struct plx_func *f, enum plx_sim_fault fault);
/* CTRL reads all ones from now (plx_sim_ctrl.c); caller holds f->lock. */
PLX_SIM_INTERNAL void glitch_begin(struct plx_func *f, uint64_t us);
/* Whether an all-ones glitch is over, restoring CTRL if so (f->lock). */
PLX_SIM_INTERNAL bool glitch_over(struct plx_func *f);

#endif /* PLX_SIM_PRIV_H */
