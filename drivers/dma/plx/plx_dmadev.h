/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_DMADEV_H
#define PLX_DMADEV_H

/*
 * State shared by the files of one dma_plx channel:
 *   plx_dmadev_lifecycle.c  channel object, states, PCI probe and remove
 *   plx_dmadev.c            dmadev control operations
 *   plx_dmadev_engine.c     engine control and ring memory
 *   plx_dmadev_devargs.c    device arguments
 *   plx_dmadev_fastpath.c   the fast path
 *   plx_dmadev_report.c     reports off the fast path: scatter-gather ops,
 *                           failures, halted channels
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/queue.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_dmadev_pmd.h>
#include <rte_io.h>
#include <rte_log.h>

#include <dev_driver.h>

#include "plx_dma_compat.h"
#include "plx_dma_hw.h"

struct rte_devargs;
struct rte_pci_device;
struct rte_memzone;

extern int plx_dma_logtype;
#define RTE_LOGTYPE_PLX_DMA plx_dma_logtype

/* Driver-wide messages, and messages about one channel, named once. */
#define PLX_DMA_LOG(level, ...) \
	RTE_LOG_LINE_PREFIX(level, PLX_DMA, "%s(): ", __func__, __VA_ARGS__)
#define PLX_CH_LOG(ch, level, ...) \
	RTE_LOG_LINE_PREFIX(level, PLX_DMA, "%s: ", (ch)->name, __VA_ARGS__)

/*
 * Ring sizes. 32 descriptors keep the engine's four-deep prefetch far from
 * the software's write position; 32768 is the largest power of two for
 * which a full ring and an empty one stay distinct in 16-bit ring ids.
 */
#define PLX_DMA_MIN_DESC	32
#define PLX_DMA_MAX_DESC	32768
/*
 * ring_mask without a ring: burst_capacity(), ring_mask + 1 less the
 * uncollected ops in 16 bits, then reads 0 without a test of its own.
 */
#define PLX_DMA_NO_RING_MASK	UINT16_MAX
/*
 * Segments per side of a scatter-gather op: split on both lists'
 * boundaries it takes at most 2 * 16 - 1 = 31 descriptors, which the
 * smallest ring holds.
 */
#define PLX_DMA_MAX_SGES	16

/*
 * Why the descriptors the engine did not finish are, or are not, reported:
 * set when the channel stops being able to finish them.
 */
enum plx_dma_halt {
	PLX_DMA_HALT_NONE = 0,	/* running: wait for the engine */
	PLX_DMA_HALT_STOPPED,	/* the engine was stopped: report as aborted */
	PLX_DMA_HALT_GONE,	/* the device left the bus: link error */
	/*
	 * The engine ignored pause and abort and could not be reset: it may
	 * still write into the buffers of unfinished operations, which are
	 * therefore never reported.
	 */
	PLX_DMA_HALT_LOST,
	/*
	 * The engine stands idle with submitted work and ignores START
	 * (silicon that halts after a failed descriptor): what it did not
	 * finish is reported NOT_ATTEMPTED. It is still to be stopped.
	 */
	PLX_DMA_HALT_ENGINE,
};

/* START rewrites at one descriptor that leave the engine idle: halted. */
#define PLX_DMA_MAX_KICKS	4

/*
 * The channel's life (plx.rst, :ref:`plx_lifecycle`, has the table of
 * state x call). Changed only under the channel lock.
 */
enum plx_chan_state {
	PLX_CHAN_PROBED = 0,	/* bound; the application holds no reference */
	PLX_CHAN_CONFIGURED,	/* the application holds it; stopped */
	PLX_CHAN_STARTED,
	PLX_CHAN_STOPPING,	/* the engine is being stopped, lock held */
	PLX_CHAN_REMOVED,	/* PCI device gone; held for the application */
	PLX_CHAN_CLOSED,	/* the dmadev is released */
	PLX_CHAN_NB_STATES
};

/* Fast-path refusals logged once per channel and start (bit numbers). */
enum plx_dma_refusal {
	PLX_DMA_REFUSE_NOT_STARTED = 0,
	PLX_DMA_REFUSE_REMOVED,
	PLX_DMA_REFUSE_LENGTH,
	PLX_DMA_REFUSE_IOVA,
	PLX_DMA_REFUSE_SG,
	PLX_DMA_REFUSE_HALTED,
};

#define PLX_DMA_DEVARG_MAX_TXFR		"max_txfr"
#define PLX_DMA_DEVARG_PREF_LIMIT	"pref_limit"
#define PLX_DMA_DEVARG_STOP_TIMEOUT	"stop_timeout_ms"
#define PLX_DMA_DEVARG_GONE_CHECK	"gone_check_us"
#define PLX_DMA_DEVARG_SRC_FIRST	"src_first"
#define PLX_DMA_DEVARGS_HELP \
	PLX_DMA_DEVARG_MAX_TXFR "=<64|128|256|512|1024|2048> " \
	PLX_DMA_DEVARG_PREF_LIMIT "=<0-8> " \
	PLX_DMA_DEVARG_STOP_TIMEOUT "=<1-60000> " \
	PLX_DMA_DEVARG_GONE_CHECK "=<0-1000000> " \
	PLX_DMA_DEVARG_SRC_FIRST "=<0|1>"

/* User tunables, from devargs. */
struct plx_dma_devargs {
	uint8_t max_txfr_code;	/* CTRL2 maximum transfer size code */
	uint32_t pref_limit;	/* PREF_LIMIT register value */
	uint32_t stop_timeout_ms; /* per step of pause, then abort */
	uint32_t gone_check_us;	/* surprise-removal check interval */
	uint8_t src_first;	/* source low word at byte 8 (not Linux's) */
};

/* A ring slot, also seen as the two 64-bit words the fast path stores. */
union plx_dma_slot {
	struct plx_dma_hw_desc desc;
	uint64_t qw[2];
};

struct plx_dma_chan {
	/*
	 * Fast path. Ring positions are 16-bit counters from 0 at start;
	 * the slot of position p is p & ring_mask and its id is p.
	 * Written only by the thread that owns the channel's fast path.
	 */
	union plx_dma_slot *ring;
	const union plx_dma_slot *ring_end;	/* one past the last slot */

	volatile uint16_t *doorbell;	/* CTRL in BAR0 */
	size_t ring_bytes_mask;	/* ring_mask in bytes */
	uint16_t ring_mask;
	uint16_t write_pos;	/* next descriptor copy() fills */
	uint16_t submit_pos;	/* first descriptor not yet submitted */
	uint16_t read_pos;	/* oldest descriptor not yet reported */
	/*
	 * Descriptors copy() may have outstanding: the ring size while the
	 * channel takes work, 0 once it does not (stopped, removed, gone).
	 * It is also the flag the BAR0 guard checks, see plx_dma_bar_enter().
	 * Other threads change it only through plx_dma_set_enqueue_limit();
	 * the fast path reads it once per call, so a plain read serves.
	 */
	uint16_t enqueue_limit;
	/* Dekker flag against removal, see plx_dma_bar_enter(). */
	volatile uint8_t in_bar;
	/* enum plx_dma_halt; read with acquire once the ring stops moving. */
	volatile uint8_t halt;
	/* Removal of the PCI device has begun. */
	volatile uint8_t detached;
	bool fenced;
	bool src_first;		/* args.src_first, where the fast path looks */
	uint8_t refusals_logged;	/* bits of enum plx_dma_refusal */
	/*
	 * Scatter-gather ops take several slots but one id: an op's id is
	 * its first slot less the extra slots of every SG op before it.
	 * id_bias counts those up to write_pos, submit_bias up to
	 * submit_pos, read_bias up to read_pos; sg_pending counts SG ops
	 * not yet reported (while it is 0, slots and ops are one to one
	 * from read_pos on).
	 */
	uint16_t id_bias;
	uint16_t submit_bias;
	uint16_t read_bias;
	uint16_t sg_pending;
	uint64_t gone_check_cycles;
	uint64_t next_gone_check;
	uint64_t submitted;
	uint64_t completed;
	uint64_t errors;

	/* Control path. */
	pthread_mutex_t lock;	/* every control call and remove() */
	enum plx_chan_state state;
	RTE_ATOMIC(uint32_t) refcnt;	/* PCI binding, application, lookups */
	bool app_ref;		/* the application's reference is held */
	TAILQ_ENTRY(plx_dma_chan) next;	/* in the list of bound channels */
	struct rte_dma_dev *dmadev;	/* NULL once CLOSED */
	struct rte_pci_device *pci;	/* NULL once removed */
	uint8_t *bar0;			/* NULL once removed */
	/*
	 * Per slot: the slots of the op it starts less one (0 for a plain
	 * copy, and in every slot that starts no unreported op).
	 */
	uint8_t *seg_extra;
	const struct rte_memzone *ring_mz;
	uint64_t ring_iova;
	uint16_t nb_desc;
	bool hw_lost;	/* engine ignored every stop: keep the ring */
	/* CTRL read all ones while config space answered. */
	RTE_ATOMIC(uint64_t) false_gone;
	/* START written again to an engine idle with work submitted. */
	RTE_ATOMIC(uint64_t) restarts;
	/* The slot of the last START rewrite (high 16 bits), how many in a
	 * row it has had (low 16 bits). */
	RTE_ATOMIC(uint32_t) kick_at;
	struct plx_dma_devargs args;
	/*
	 * What dev->device points at for the dmadev's whole life, so that no
	 * dmadev library call follows a pointer into the rte_pci_device the
	 * bus frees at removal.
	 */
	struct rte_device device;
	char name[RTE_DEV_NAME_MAX_LEN];
};

/* What the dmadev's private data holds: the channel outlives it. */
struct plx_dma_dev_private {
	struct plx_dma_chan *ch;
};

static inline struct plx_dma_chan *
plx_dma_chan_of(const struct rte_dma_dev *dev)
{
	return ((const struct plx_dma_dev_private *)
		dev->data->dev_private)->ch;
}

/* --- lifecycle (plx_dmadev_lifecycle.c) --- */

enum plx_chan_op {
	PLX_OP_CONFIGURE = 0,
	PLX_OP_VCHAN_SETUP,
	PLX_OP_START,
	PLX_OP_STOP,
	PLX_OP_CLOSE,
	PLX_OP_NB
};

/* Lock ch for op: 0, or the errno the state refuses it with (unlocked). */
int plx_chan_enter(struct plx_dma_chan *ch, enum plx_chan_op op);
void plx_chan_leave(struct plx_dma_chan *ch);
/* The application's first configure takes its reference (lock held). */
void plx_chan_take_app_ref(struct plx_dma_chan *ch);
/* rte_dma_close(): the application lets go (lock held; ch may be freed). */
void plx_chan_close(struct plx_dma_chan *ch);
const char *plx_chan_state_name(enum plx_chan_state state);

/* --- dmadev operations (plx_dmadev.c) --- */

extern const struct rte_dma_dev_ops plx_dma_ops;

/* --- devargs (plx_dmadev_devargs.c) --- */

int plx_dma_parse_devargs(const struct rte_devargs *devargs,
		struct plx_dma_devargs *args);

/* --- engine and ring (plx_dmadev_engine.c) --- */

/* Confirmed gone: CTRL and config space both read all ones. */
bool plx_dma_device_gone(struct plx_dma_chan *ch, uint32_t ctrl);
int plx_dma_engine_reset(struct plx_dma_chan *ch);
void plx_dma_engine_program(const struct plx_dma_chan *ch);
void plx_dma_halt_engine(struct plx_dma_chan *ch);
void plx_dma_set_halt(struct plx_dma_chan *ch, enum plx_dma_halt halt);
enum rte_dma_vchan_status plx_dma_engine_status(struct plx_dma_chan *ch,
		bool running);
void plx_dma_dump_regs(const struct plx_dma_chan *ch, FILE *f);
int plx_dma_ring_alloc(struct plx_dma_chan *ch, uint16_t nb_desc);
void plx_dma_ring_free(struct plx_dma_chan *ch);

/*
 * Control-path helpers the fast path calls on its slow branches. A
 * submitted op waits for the engine: is the device still there, is the
 * engine still running?
 */
void plx_dma_check_engine(struct plx_dma_chan *ch);
/* START again if CTRL shows the engine idle before a valid descriptor. */
void plx_dma_kick_stranded(struct plx_dma_chan *ch, uint32_t ctrl);

/* --- fast path (plx_dmadev_fastpath.c) --- */

int plx_dma_copy(void *dev_private, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags);
int plx_dma_copy_fenced(void *dev_private, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags);
int plx_dma_copy_src_first(void *dev_private, uint16_t vchan,
		rte_iova_t src, rte_iova_t dst, uint32_t length, uint64_t flags);
int plx_dma_copy_src_first_fenced(void *dev_private, uint16_t vchan,
		rte_iova_t src, rte_iova_t dst, uint32_t length, uint64_t flags);
int plx_dma_copy_sg(void *dev_private, uint16_t vchan,
		const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst, uint64_t flags);
int plx_dma_copy_sg_fenced(void *dev_private, uint16_t vchan,
		const struct rte_dma_sge *src, const struct rte_dma_sge *dst,
		uint16_t nb_src, uint16_t nb_dst, uint64_t flags);
int plx_dma_submit(void *dev_private, uint16_t vchan);
int plx_dma_submit_fenced(void *dev_private, uint16_t vchan);
uint16_t plx_dma_completed(void *dev_private, uint16_t vchan,
		const uint16_t nb_cpls, uint16_t *last_idx, bool *has_error);
uint16_t plx_dma_completed_status(void *dev_private, uint16_t vchan,
		const uint16_t nb_cpls, uint16_t *last_idx,
		enum rte_dma_status_code *status);
uint16_t plx_dma_burst_capacity(const void *dev_private, uint16_t vchan);

/* Fast-path internals shared with the report path (plx_dmadev_report.c). */
int plx_dma_refusal(struct plx_dma_chan *ch);
bool plx_dma_first_refusal(struct plx_dma_chan *ch, enum plx_dma_refusal why);
/* What a run of reports did to the counters. */
struct plx_dma_reported {
	uint16_t slots;
	uint16_t ops;
	uint16_t sg_ops;	/* of the ops, those of several slots */
	uint16_t failed;
};

/*
 * Apply a run of reports from read_pos on, in one place: positions,
 * biases, counters, the SG ops' first slots cleared, *last_idx.
 */
void plx_dma_account(struct plx_dma_chan *ch, const struct plx_dma_reported *r,
		uint16_t *last_idx);
/*
 * Report ops from read_pos on, one by one, whatever their slots: into
 * status (completed_status()), or, status NULL, stopping before a failed
 * one with *has_error set (completed()).
 */
uint16_t plx_dma_report_ops(struct plx_dma_chan *ch, uint16_t nb_cpls,
		uint16_t *last_idx, bool *has_error,
		enum rte_dma_status_code *status);

/*
 * The write-back that slot (in the ring) must show to be a clean success:
 * SUCCESS and the size given, little-endian; anything else, a short count
 * included, is not reported as a success. It sits in the flags word of
 * the slot as far past the ring's end as slot is past its start, in the
 * ring's memzone: reached from the slot's own address, it costs copy()
 * one store.
 */
static __rte_always_inline uint32_t *
plx_dma_slot_expect(const struct plx_dma_chan *ch, const union plx_dma_slot *slot)
{
	return (uint32_t *)RTE_PTR_ADD(slot, ch->ring_bytes_mask +
		sizeof(*slot));
}

/* Acquire: once the engine's write-back shows, so does the copied data. */
static __rte_always_inline uint32_t
plx_dma_slot_flags(const union plx_dma_slot *slot)
{
	return rte_le_to_cpu_32(rte_atomic_load_explicit(
		&slot->desc.flags_and_size, rte_memory_order_acquire));
}

/* Whether the engine may still run and is to be stopped. */
static inline bool
plx_dma_engine_live(const struct plx_dma_chan *ch)
{
	return ch->halt == PLX_DMA_HALT_NONE ||
		ch->halt == PLX_DMA_HALT_ENGINE;
}

static inline bool
plx_dma_takes_work(const struct plx_dma_chan *ch)
{
	return ch->enqueue_limit != 0;
}

static inline void
plx_dma_set_enqueue_limit(struct plx_dma_chan *ch, uint16_t limit)
{
	rte_atomic_store_explicit(&ch->enqueue_limit, limit,
		rte_memory_order_relaxed);
}

static inline uint32_t
plx_dma_read32(const struct plx_dma_chan *ch, uint32_t reg)
{
	return rte_read32(ch->bar0 + reg);
}

static inline void
plx_dma_write32(const struct plx_dma_chan *ch, uint32_t reg, uint32_t val)
{
	rte_write32(val, ch->bar0 + reg);
}

/*
 * BAR0 access from the fast-path thread, safe against a concurrent
 * removal (plx_dma_quiesce() in plx_dmadev_lifecycle.c has the other
 * half).
 *
 * This is Dekker's mutual exclusion with the expensive fence moved to the
 * removing side: the fast path stores in_bar = 1 then loads enqueue_limit;
 * the remover stores enqueue_limit = 0, runs membarrier(), which executes
 * a full memory barrier on every running thread of the process (a
 * preempted thread passed one in its context switch), then loads in_bar.
 * The two sides thus behave as if each had a full fence between its store
 * and its load, so at least one sees the other's store: either the fast
 * path sees enqueue_limit == 0 and leaves BAR0 alone, or the remover sees
 * in_bar == 1 and waits for it to drop before the bus unmaps BAR0. The
 * fast path pays only compiler barriers. Where membarrier could not be
 * registered the channel uses the "fenced" entry points, which pay a real
 * fence; where it fails later, removal fails rather than guess.
 */
static __rte_always_inline bool
plx_dma_bar_enter(struct plx_dma_chan *ch, bool fenced)
{
	ch->in_bar = 1;
	if (fenced)
		rte_atomic_thread_fence(rte_memory_order_seq_cst);
	else
		rte_compiler_barrier();
	return plx_dma_takes_work(ch);
}

static __rte_always_inline void
plx_dma_bar_leave(struct plx_dma_chan *ch)
{
	/* Release: every BAR0 access above is done before the flag drops. */
	rte_atomic_store_explicit(&ch->in_bar, 0, rte_memory_order_release);
}

#endif /* PLX_DMADEV_H */
