/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Engine control, after the contract's register programming, stop
 * sequence and surprise removal (plx_hw.rst: :ref:`plx_hw_ring_setup`,
 * :ref:`plx_hw_stop`, :ref:`plx_hw_removal`), and the ring memory the
 * engine reads. Callers hold the channel lock, except
 * plx_dma_check_engine(), which runs on the fast-path thread.
 */

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include <bus_pci_driver.h>
#include <rte_alarm.h>
#include <rte_bus_pci.h>
#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "plx_dmadev.h"

static uint32_t
plx_dma_ctrl2(const struct plx_dma_chan *ch)
{
	return PLX_CTRL32_OF_CTRL2(ch->args.max_txfr_code);
}

void
plx_dma_set_halt(struct plx_dma_chan *ch, enum plx_dma_halt halt)
{
	plx_dma_set_enqueue_limit(ch, 0);
	/* Release: the ring's final state is visible before the halt. */
	rte_atomic_store_explicit(&ch->halt, halt, rte_memory_order_release);
}

/*
 * A CTRL read of all ones says the device may have left the bus; so does
 * a transient glitch after which a live engine goes on writing. Acting on
 * a glitch would report operations the engine still finishes, so the
 * loss is confirmed with a read from another address space, config space
 * (plx_hw.rst, :ref:`plx_hw_removal`).
 */
bool
plx_dma_device_gone(struct plx_dma_chan *ch, uint32_t ctrl)
{
	uint32_t class_rev = PLX_GONE_U32;

	if ((ctrl & PLX_GONE_U16) != PLX_GONE_U16)
		return false;
	if (ch->pci == NULL)
		return true;
	if (rte_pci_read_config(ch->pci, &class_rev, sizeof(class_rev),
			PLX_PCI_CFG_CLASS_REV) != (int)sizeof(class_rev))
		class_rev = PLX_GONE_U32;
	if (class_rev != PLX_GONE_U32) {
		if (rte_atomic_fetch_add_explicit(&ch->false_gone, 1,
				rte_memory_order_relaxed) == 0)
			PLX_CH_LOG(ch, WARNING,
				"CTRL read all ones, config space answers: not a removal");
		return false;
	}
	return true;
}

/*
 * Submitted descriptors wait while the engine stands still: a START was
 * lost on its way, or the engine stopped at a snapshot it fetched before
 * the descriptor turned valid and did not re-read it (a weaker prefetch
 * latch than the contract's). START is idempotent, so it is written again
 * when the descriptor at NEXT_ADDR is valid. ctrl was read first, so an
 * engine that moved on meanwhile has written that slot back. A value with
 * IMM_PAUSE_DONE is a START not yet taken (:ref:`plx_hw_imm_pause_done`);
 * all ones has IN_PROGRESS set. An engine still idle at the same
 * descriptor after PLX_DMA_MAX_KICKS of them ignores START: halted.
 */
void
plx_dma_kick_stranded(struct plx_dma_chan *ch, uint32_t ctrl)
{
	uint32_t off, at, kicks;
	uint16_t slot;

	if (ctrl & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_IMM_PAUSE_DONE |
			PLX_CTRL_GRACEFUL_PAUSE | PLX_CTRL_ABORT))
		return;
	off = plx_dma_read32(ch, PLX_REG_DESC_RING_NEXT_ADDR) -
		(uint32_t)ch->ring_iova;
	if (off > ch->ring_bytes_mask || off % sizeof(*ch->ring) != 0)
		return;
	slot = off / sizeof(*ch->ring);
	if (!(plx_dma_slot_flags(&ch->ring[slot]) & PLX_DESC_VALID))
		return;
	at = rte_atomic_load_explicit(&ch->kick_at, rte_memory_order_relaxed);
	kicks = (at >> 16) == slot ? (at & UINT16_MAX) + 1 : 1;
	if (kicks > PLX_DMA_MAX_KICKS) {
		PLX_CH_LOG(ch, ERR, "engine idle at descriptor %u after %u STARTs: "
			"halted; unfinished operations are reported NOT_ATTEMPTED, "
			"stop and start the channel", slot, PLX_DMA_MAX_KICKS);
		plx_dma_set_halt(ch, PLX_DMA_HALT_ENGINE);
		return;
	}
	/* Racing with another thread's kick loses a count at worst. */
	rte_atomic_store_explicit(&ch->kick_at, ((uint32_t)slot << 16) | kicks,
		rte_memory_order_relaxed);
	rte_write16(PLX_CTRL_START_VAL, ch->doorbell);
	if (rte_atomic_fetch_add_explicit(&ch->restarts, 1,
			rte_memory_order_relaxed) == 0)
		PLX_CH_LOG(ch, NOTICE,
			"engine idle with submitted descriptors: START written again");
}

void
plx_dma_check_engine(struct plx_dma_chan *ch)
{
	uint32_t ctrl;
	bool gone;

	ch->next_gone_check = rte_get_tsc_cycles() + ch->gone_check_cycles;
	if (!plx_dma_bar_enter(ch, ch->fenced)) {
		plx_dma_bar_leave(ch);
		return;
	}
	/* Inside the window, remove() waits: ch->pci stays valid. */
	ctrl = plx_dma_read32(ch, PLX_REG_CTRL);
	gone = plx_dma_device_gone(ch, ctrl);
	if (!gone)
		plx_dma_kick_stranded(ch, ctrl);
	plx_dma_bar_leave(ch);
	if (gone) {
		PLX_CH_LOG(ch, ERR, "device vanished (registers read all ones)");
		plx_dma_set_halt(ch, PLX_DMA_HALT_GONE);
	}
}

/*
 * Wait for one of bits in CTRL: 0, or -ENODEV if the device is gone, or
 * -ETIMEDOUT.
 *
 * Every command this driver writes carries RESET_VAL, all four status
 * bits, which the engine never reports at once. A read equal to the
 * command is therefore the command itself not yet taken by the engine, as
 * a register file of plain memory (the simulated switch) shows it, and
 * its done bits mean nothing yet (:ref:`plx_hw_imm_pause_done`). Whether
 * the engine also sets IMM_PAUSE_DONE does not matter.
 */
static int
plx_dma_wait_ctrl(struct plx_dma_chan *ch, uint32_t cmd, uint32_t bits)
{
	uint64_t end = rte_get_timer_cycles() +
		rte_get_timer_hz() * ch->args.stop_timeout_ms / 1000;
	uint32_t val;

	do {
		val = plx_dma_read32(ch, PLX_REG_CTRL);
		if (val == PLX_GONE_U32 && plx_dma_device_gone(ch, val))
			return -ENODEV;
		if ((val & bits) && val != PLX_GONE_U32 &&
				PLX_CTRL32_CTRL(val) != PLX_CTRL32_CTRL(cmd))
			return 0;
		rte_delay_us_sleep(10);
	} while (rte_get_timer_cycles() < end);
	return -ETIMEDOUT;
}

static void
plx_dma_clear_ring_regs(const struct plx_dma_chan *ch)
{
	plx_dma_write32(ch, PLX_REG_DESC_RING_COUNT, 0);
	plx_dma_write32(ch, PLX_REG_DESC_RING_ADDR, 0);
	plx_dma_write32(ch, PLX_REG_DESC_RING_ADDR_HI, 0);
	plx_dma_write32(ch, PLX_REG_DESC_RING_NEXT_ADDR, 0);
}

/* Issue a stop command and wait for its done bit. */
static int
plx_dma_engine_command(struct plx_dma_chan *ch, uint32_t cmd, uint32_t done)
{
	uint32_t val = PLX_CTRL_RESET_VAL | cmd | plx_dma_ctrl2(ch);

	plx_dma_write32(ch, PLX_REG_CTRL, val);
	return plx_dma_wait_ctrl(ch, val, done);
}

/*
 * Stop the engine: graceful pause, then abort. 0 when it stopped, -ENODEV
 * when the device is gone, -ETIMEDOUT when the engine ignored both.
 */
static int
plx_dma_engine_stop(struct plx_dma_chan *ch)
{
	uint32_t val = plx_dma_read32(ch, PLX_REG_CTRL);
	uint32_t cmd = PLX_CTRL_GRACEFUL_PAUSE;
	int ret;

	if (plx_dma_device_gone(ch, val))
		return -ENODEV;
	/* Neither running nor showing a status bit: nothing to pause. */
	if (val & ~PLX_CTRL_GRACEFUL_PAUSE) {
		ret = plx_dma_engine_command(ch, cmd,
			PLX_CTRL_GRACEFUL_PAUSE_DONE);
		if (ret == -ETIMEDOUT) {
			PLX_CH_LOG(ch, WARNING, "graceful pause timed out, aborting");
			cmd = PLX_CTRL_ABORT;
			ret = plx_dma_engine_command(ch, cmd,
				PLX_CTRL_ABORT_DONE);
		}
		if (ret != 0)
			return ret;
		/* Clears the done bit; the command is harmless when stopped. */
		plx_dma_write32(ch, PLX_REG_CTRL,
			PLX_CTRL_RESET_VAL | cmd | plx_dma_ctrl2(ch));
	}
	plx_dma_clear_ring_regs(ch);
	return 0;
}

/*
 * The last resort for an engine that ignores pause and abort: a function
 * reset through vfio-pci, then a check that it took (the engine idle and
 * the ring count this driver programmed back at its power-on 0). Only
 * then may the buffers of unfinished operations be handed back.
 */
static int
plx_dma_function_reset(struct plx_dma_chan *ch)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint32_t ctrl, count;
	int fd;

	if (ch->pci->kdrv != RTE_PCI_KDRV_VFIO)
		return -ENOTSUP;
	fd = rte_intr_dev_fd_get(ch->pci->intr_handle);
	if (fd < 0 || ioctl(fd, VFIO_DEVICE_GET_INFO, &info) != 0 ||
			!(info.flags & VFIO_DEVICE_FLAGS_RESET))
		return -ENOTSUP;
	if (ioctl(fd, VFIO_DEVICE_RESET) != 0)
		return -errno;
	ctrl = plx_dma_read32(ch, PLX_REG_CTRL);
	count = plx_dma_read32(ch, PLX_REG_DESC_RING_COUNT);
	if (plx_dma_device_gone(ch, ctrl))
		return -ENODEV;
	if ((ctrl & (PLX_CTRL_IN_PROGRESS | PLX_CTRL_START)) || count != 0)
		return -EIO;
	return 0;
}

static int
plx_dma_engine_stop_or_reset(struct plx_dma_chan *ch)
{
	int ret = plx_dma_engine_stop(ch);

	if (ret != -ETIMEDOUT)
		return ret;
	ret = plx_dma_function_reset(ch);
	if (ret == 0) {
		PLX_CH_LOG(ch, WARNING,
			"engine ignored pause and abort; function reset took");
		return 0;
	}
	if (ret != -ENODEV) {
		PLX_CH_LOG(ch, ERR,
			"engine ignored pause and abort and cannot be reset (%s): "
			"its unfinished operations will never be reported",
			strerror(-ret));
		ret = -ETIMEDOUT;
	}
	return ret;
}

/* Probe: whatever a previous user left running, reach a known state. */
int
plx_dma_engine_reset(struct plx_dma_chan *ch)
{
	int ret = plx_dma_engine_stop_or_reset(ch);

	if (ret != 0)
		return ret;
	plx_dma_write32(ch, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | plx_dma_ctrl2(ch));
	rte_write16(0, ch->bar0 + PLX_REG_INTR_CTRL);
	rte_write16(PLX_INTR_STATUS_ALL, ch->bar0 + PLX_REG_INTR_STATUS);
	return 0;
}

void
plx_dma_engine_program(const struct plx_dma_chan *ch)
{
	plx_dma_write32(ch, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | plx_dma_ctrl2(ch));
	plx_dma_write32(ch, PLX_REG_DESC_RING_ADDR, (uint32_t)ch->ring_iova);
	plx_dma_write32(ch, PLX_REG_DESC_RING_ADDR_HI,
		(uint32_t)(ch->ring_iova >> 32));
	plx_dma_write32(ch, PLX_REG_DESC_RING_NEXT_ADDR,
		(uint32_t)ch->ring_iova);
	plx_dma_write32(ch, PLX_REG_DESC_RING_COUNT, ch->nb_desc);
	plx_dma_write32(ch, PLX_REG_PREF_LIMIT, ch->args.pref_limit);
	rte_write16(0, ch->bar0 + PLX_REG_INTR_CTRL);
}

/*
 * Stop the channel's engine for good or for a restart. The fast path must
 * already be out of BAR0. Afterwards every descriptor is written back, or
 * reported as not done, or (a lost engine) never reported.
 */
void
plx_dma_halt_engine(struct plx_dma_chan *ch)
{
	int ret = 0;

	if (ch->halt == PLX_DMA_HALT_GONE || ch->halt == PLX_DMA_HALT_LOST)
		return;
	if (ch->bar0 != NULL)
		ret = plx_dma_engine_stop_or_reset(ch);
	if (ret == -ETIMEDOUT) {
		ch->hw_lost = true;
		plx_dma_set_halt(ch, PLX_DMA_HALT_LOST);
	} else if (ret == -ENODEV) {
		plx_dma_set_halt(ch, PLX_DMA_HALT_GONE);
	} else if (ch->halt != PLX_DMA_HALT_ENGINE) {
		/* A halted engine's unfinished ops stay NOT_ATTEMPTED. */
		plx_dma_set_halt(ch, PLX_DMA_HALT_STOPPED);
	}
}

/*
 * HALTED_ERROR once the device is found gone, whatever the channel's
 * state; else ACTIVE while a channel that runs has a submitted descriptor
 * waiting for its write-back.
 */
enum rte_dma_vchan_status
plx_dma_engine_status(struct plx_dma_chan *ch, bool running)
{
	uint16_t submit_pos = rte_atomic_load_explicit(&ch->submit_pos,
		rte_memory_order_relaxed);
	uint16_t read_pos = rte_atomic_load_explicit(&ch->read_pos,
		rte_memory_order_relaxed);
	uint32_t ctrl = plx_dma_read32(ch, PLX_REG_CTRL);
	uint32_t last;

	if (plx_dma_device_gone(ch, ctrl)) {
		plx_dma_set_halt(ch, PLX_DMA_HALT_GONE);
		return RTE_DMA_VCHAN_HALTED_ERROR;
	}
	if (!running || submit_pos == read_pos)
		return RTE_DMA_VCHAN_IDLE;
	last = plx_dma_slot_flags(&ch->ring[(submit_pos - 1) & ch->ring_mask]);
	if (!(last & PLX_DESC_VALID))
		return RTE_DMA_VCHAN_IDLE;
	/* An application may wait on this alone: do not let it wait forever. */
	plx_dma_kick_stranded(ch, ctrl);
	return ch->halt == PLX_DMA_HALT_ENGINE ? RTE_DMA_VCHAN_HALTED_ERROR :
		RTE_DMA_VCHAN_ACTIVE;
}

void
plx_dma_dump_regs(const struct plx_dma_chan *ch, FILE *f)
{
	fprintf(f, "  registers:\n"
		"    CTRL/CTRL2     0x%08x\n"
		"    RING_ADDR      0x%08x:%08x\n"
		"    RING_NEXT_ADDR 0x%08x\n"
		"    RING_COUNT     %u\n"
		"    LAST_ADDR      0x%08x (size %u)\n"
		"    PREF_LIMIT     %u\n"
		"    INTR_CTRL/STAT 0x%04x/0x%04x\n",
		plx_dma_read32(ch, PLX_REG_CTRL),
		plx_dma_read32(ch, PLX_REG_DESC_RING_ADDR_HI),
		plx_dma_read32(ch, PLX_REG_DESC_RING_ADDR),
		plx_dma_read32(ch, PLX_REG_DESC_RING_NEXT_ADDR),
		plx_dma_read32(ch, PLX_REG_DESC_RING_COUNT),
		plx_dma_read32(ch, PLX_REG_DESC_RING_LAST_ADDR),
		plx_dma_read32(ch, PLX_REG_DESC_RING_LAST_SIZE),
		plx_dma_read32(ch, PLX_REG_PREF_LIMIT),
		rte_read16(ch->bar0 + PLX_REG_INTR_CTRL),
		rte_read16(ch->bar0 + PLX_REG_INTR_STATUS));
}

/* --- ring memory --- */

/*
 * How long the ring of a vanished device outlives its release. The engine
 * may have posted write-backs just before the link went down; PCIe gives
 * a posted write no completion, so nothing but the buffering between the
 * switch and memory bounds how late one lands, and that drains in
 * microseconds. 20 ms is three orders of magnitude beyond, counted from
 * the release, which comes after the loss was noticed (itself after a
 * CTRL read returned all ones); and short enough that rings do not pile
 * up when a device is removed and plugged back over and over.
 */
#define PLX_DMA_GONE_GRACE_US	(20 * 1000)

/* The grace of a vanished device's ring is over (EAL alarm thread). */
static void
plx_dma_ring_reap(void *arg)
{
	const struct rte_memzone *mz = arg;

	PLX_DMA_LOG(DEBUG, "%s: grace over, ring freed", mz->name);
	rte_memzone_free(mz);
}

/*
 * A ring the device may still write: an engine that ignored every stop
 * may go on forever, so its ring is never reused; a vanished device's
 * write-backs in flight land within the grace, so its ring is freed
 * after it.
 */
static void
plx_dma_ring_retire(struct plx_dma_chan *ch)
{
	const struct rte_memzone *mz = ch->ring_mz;

	if (ch->hw_lost) {
		PLX_CH_LOG(ch, ERR, "keeping the %u-descriptor ring of a lost engine",
			ch->nb_desc);
		return;
	}
	if (ch->halt != PLX_DMA_HALT_GONE) {
		rte_memzone_free(mz);
		return;
	}
	if (rte_eal_alarm_set(PLX_DMA_GONE_GRACE_US, plx_dma_ring_reap,
			(void *)(uintptr_t)mz) != 0) {
		PLX_CH_LOG(ch, ERR, "device gone, no alarm to free its ring: "
			"keeping the %u-descriptor ring", ch->nb_desc);
		return;
	}
	PLX_CH_LOG(ch, NOTICE, "device gone: its ring is kept %u ms for "
		"write-backs still in flight", PLX_DMA_GONE_GRACE_US / 1000);
}

void
plx_dma_ring_free(struct plx_dma_chan *ch)
{
	if (ch->ring_mz == NULL)
		return;
	plx_dma_ring_retire(ch);
	rte_free(ch->seg_extra);
	ch->seg_extra = NULL;
	ch->ring_mz = NULL;
	ch->ring = NULL;
	ch->ring_end = NULL;
	ch->ring_mask = PLX_DMA_NO_RING_MASK;
}

int
plx_dma_ring_alloc(struct plx_dma_chan *ch, uint16_t nb_desc)
{
	static RTE_ATOMIC(uint32_t) generation;
	size_t len = (size_t)nb_desc * sizeof(struct plx_dma_hw_desc);
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	uint8_t *seg_extra;
	uint64_t iova;

	snprintf(mz_name, sizeof(mz_name), "plx_dma_ring_%u",
		rte_atomic_fetch_add_explicit(&generation, 1,
			rte_memory_order_relaxed));
	/* Aligned to its power-of-two size, it cannot cross 4 GiB
	 * (:ref:`plx_hw_ring_window`). The slots' expected write-backs
	 * follow it, which the engine never reads. */
	mz = rte_memzone_reserve_aligned(mz_name, 2 * len, ch->device.numa_node,
		RTE_MEMZONE_IOVA_CONTIG, len);
	if (mz == NULL) {
		PLX_CH_LOG(ch, ERR, "no memory for a %u-descriptor ring", nb_desc);
		return -ENOMEM;
	}
	iova = mz->iova;
	if ((iova & ~PLX_IOVA_MASK) != 0 ||
			iova / PLX_RING_WINDOW != (iova + len - 1) / PLX_RING_WINDOW) {
		PLX_CH_LOG(ch, ERR, "ring at IOVA 0x%" PRIx64 " is out of the engine's reach",
			iova);
		rte_memzone_free(mz);
		return -ENOMEM;
	}
	seg_extra = rte_zmalloc_socket("plx_dma_seg_extra", nb_desc, 0,
		ch->device.numa_node);
	if (seg_extra == NULL) {
		PLX_CH_LOG(ch, ERR, "no memory for a %u-descriptor ring", nb_desc);
		rte_memzone_free(mz);
		return -ENOMEM;
	}
	plx_dma_ring_free(ch);
	ch->seg_extra = seg_extra;
	ch->ring_mz = mz;
	ch->ring = mz->addr;
	ch->ring_iova = iova;
	ch->nb_desc = nb_desc;
	ch->ring_mask = nb_desc - 1;
	ch->ring_bytes_mask = (size_t)ch->ring_mask * sizeof(*ch->ring);
	ch->ring_end = ch->ring + ch->ring_mask + 1;
	return 0;
}
