/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_DMADEV_H
#define PLX_DMADEV_H

/*
 * State shared by the control path (plx_dmadev.c) and the fast path
 * (plx_dmadev_fastpath.c) of one dma_plx channel.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/queue.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_io.h>
#include <rte_log.h>

#include <dev_driver.h>

#include "plx_dma_hw.h"

extern int plx_dma_logtype;
#define RTE_LOGTYPE_PLX_DMA plx_dma_logtype

#define PLX_DMA_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, plx_dma_logtype, "%s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)
#define PLX_DMA_ERR(fmt, ...) PLX_DMA_LOG(ERR, fmt, ##__VA_ARGS__)
#define PLX_DMA_WARN(fmt, ...) PLX_DMA_LOG(WARNING, fmt, ##__VA_ARGS__)
#define PLX_DMA_INFO(fmt, ...) PLX_DMA_LOG(INFO, fmt, ##__VA_ARGS__)
#define PLX_DMA_DEBUG(fmt, ...) PLX_DMA_LOG(DEBUG, fmt, ##__VA_ARGS__)

/*
 * Ring sizes. 32 descriptors keep the engine's four-deep prefetch far from
 * the software's write position; 32768 is the largest power of two for
 * which a full ring and an empty one stay distinct in 16-bit ring ids.
 */
#define PLX_DMA_MIN_DESC	32
#define PLX_DMA_MAX_DESC	32768

/*
 * Why the descriptors the engine did not finish are reported as failed:
 * set when the channel stops being able to finish them.
 */
enum plx_dma_halt {
	PLX_DMA_HALT_NONE = 0,	/* running: wait for the engine */
	PLX_DMA_HALT_STOPPED,	/* rte_dma_stop() or removal paused the engine */
	PLX_DMA_HALT_GONE,	/* the device left the bus */
};

/* User tunables, from devargs. */
struct plx_dma_devargs {
	uint8_t max_txfr_code;	/* CTRL2 maximum transfer size code */
	uint32_t pref_limit;	/* PREF_LIMIT register value */
	uint32_t stop_timeout_ms; /* per step of pause, then abort */
	uint32_t gone_check_us;	/* surprise-removal check interval */
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
	/* The PCI device is being or has been removed. */
	volatile uint8_t detached;
	bool fenced;
	uint64_t gone_check_cycles;
	uint64_t next_gone_check;
	uint64_t submitted;
	uint64_t completed;
	uint64_t errors;

	/* Control path. */
	pthread_mutex_t ctl_lock;	/* control ops against removal */
	TAILQ_ENTRY(plx_dma_chan) next;	/* in the list of attached channels */
	bool tracked;
	struct rte_dma_dev *dmadev;
	struct rte_pci_device *pci;	/* NULL once removed */
	uint8_t *bar0;			/* NULL once removed */
	const struct rte_memzone *ring_mz;
	uint64_t ring_iova;
	uint16_t nb_desc;
	bool configured;
	bool hw_lost;	/* engine never acknowledged a stop: keep the ring */
	struct plx_dma_devargs args;
	/* Stands in for the freed rte_pci_device once removed. */
	struct rte_device removed_device;
	char name[RTE_DEV_NAME_MAX_LEN];
};

/* Fast-path entry points (plx_dmadev_fastpath.c). */
int plx_dma_copy(void *dev_private, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags);
int plx_dma_copy_fenced(void *dev_private, uint16_t vchan, rte_iova_t src,
		rte_iova_t dst, uint32_t length, uint64_t flags);
int plx_dma_submit(void *dev_private, uint16_t vchan);
int plx_dma_submit_fenced(void *dev_private, uint16_t vchan);
uint16_t plx_dma_completed(void *dev_private, uint16_t vchan,
		const uint16_t nb_cpls, uint16_t *last_idx, bool *has_error);
uint16_t plx_dma_completed_status(void *dev_private, uint16_t vchan,
		const uint16_t nb_cpls, uint16_t *last_idx,
		enum rte_dma_status_code *status);
uint16_t plx_dma_burst_capacity(const void *dev_private, uint16_t vchan);

/* Control-path helpers the fast path calls on its slow branches. */
void plx_dma_check_gone(struct plx_dma_chan *ch);

/* Acquire: once the engine's write-back shows, so does the copied data. */
static __rte_always_inline uint32_t
plx_dma_slot_flags(const union plx_dma_slot *slot)
{
	return rte_le_to_cpu_32(__atomic_load_n(&slot->desc.flags_and_size,
		__ATOMIC_ACQUIRE));
}

static inline bool
plx_dma_takes_work(const struct plx_dma_chan *ch)
{
	return ch->enqueue_limit != 0;
}

static inline void
plx_dma_set_enqueue_limit(struct plx_dma_chan *ch, uint16_t limit)
{
	__atomic_store_n(&ch->enqueue_limit, limit, __ATOMIC_RELAXED);
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
 * removal (plx_dma_quiesce() in plx_dmadev.c has the other half).
 *
 * This is Dekker's mutual exclusion with the expensive fence moved to the
 * removing side: the fast path stores in_bar = 1 then loads enqueue_limit;
 * the remover stores enqueue_limit = 0, runs membarrier(PRIVATE_EXPEDITED),
 * which
 * executes a full memory barrier on every running thread of the process
 * (a preempted thread passed one in its context switch), then loads in_bar.
 * The two sides thus behave as if each had a full fence between its store
 * and its load, so at least one sees the other's store: either the fast
 * path sees enqueue_limit == 0 and leaves BAR0 alone, or the remover sees
 * in_bar == 1 and waits for it to drop before the bus unmaps BAR0. The
 * fast path pays only compiler barriers. Where membarrier is missing the
 * channel uses the "fenced" entry points, which pay a real fence.
 */
static __rte_always_inline bool
plx_dma_bar_enter(struct plx_dma_chan *ch, bool fenced)
{
	ch->in_bar = 1;
	if (fenced)
		rte_smp_mb();
	else
		rte_compiler_barrier();
	return plx_dma_takes_work(ch);
}

static __rte_always_inline void
plx_dma_bar_leave(struct plx_dma_chan *ch)
{
	/* Release: every BAR0 access above is done before the flag drops. */
	__atomic_store_n(&ch->in_bar, 0, __ATOMIC_RELEASE);
}

#endif /* PLX_DMADEV_H */
