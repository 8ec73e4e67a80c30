/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dma_plx: PCI probe and remove, the control path, and the channel
 * lifecycle (doc/guides/dmadevs/plx.rst has it as a state diagram).
 *
 * A channel's private data is owned by its dmadev, not by the PCI device:
 * removing the PCI device while the application runs the channel detaches
 * the hardware and leaves the channel halted but valid; only the
 * application's rte_dma_close() frees it.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/queue.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include <bus_pci_driver.h>
#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_dmadev_pmd.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_pause.h>
#include <rte_string_fns.h>

#include "plx_dmadev.h"

RTE_LOG_REGISTER_DEFAULT(plx_dma_logtype, INFO);

#define PLX_DMA_ARG_MAX_TXFR		"max_txfr"
#define PLX_DMA_ARG_PREF_LIMIT		"pref_limit"
#define PLX_DMA_ARG_STOP_TIMEOUT	"stop_timeout_ms"
#define PLX_DMA_ARG_GONE_CHECK		"gone_check_us"

static const char *const plx_dma_valid_args[] = {
	PLX_DMA_ARG_MAX_TXFR,
	PLX_DMA_ARG_PREF_LIMIT,
	PLX_DMA_ARG_STOP_TIMEOUT,
	PLX_DMA_ARG_GONE_CHECK,
	NULL
};

static const struct plx_dma_devargs plx_dma_default_args = {
	.max_txfr_code = PLX_CTRL2_MAX_TXFR_64B,
	.pref_limit = PLX_PREF_LIMIT_4_DESC,
	.stop_timeout_ms = 1000,
	.gone_check_us = 100,
};

/* Attached channels, so remove() finds the one it detaches. */
static TAILQ_HEAD(, plx_dma_chan) plx_dma_attached =
	TAILQ_HEAD_INITIALIZER(plx_dma_attached);
static pthread_mutex_t plx_dma_list_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t plx_dma_generation;

/* 1: membarrier usable, 0: not, -1: not asked yet. */
static int plx_dma_membarrier = -1;

static bool
plx_dma_membarrier_ready(void)
{
	long cmds;

	if (plx_dma_membarrier >= 0)
		return plx_dma_membarrier == 1;
	cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	plx_dma_membarrier = cmds > 0 &&
		(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
		syscall(__NR_membarrier,
			MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
	if (!plx_dma_membarrier)
		PLX_DMA_WARN("membarrier unavailable: fast path uses full fences");
	return plx_dma_membarrier == 1;
}

/*
 * The removing side of plx_dma_bar_enter(): after this returns, the fast
 * path will not touch BAR0 again.
 */
static void
plx_dma_quiesce(struct plx_dma_chan *ch)
{
	uint64_t warn_at = rte_get_timer_cycles() + rte_get_timer_hz() / 10;
	bool warned = false;

	plx_dma_set_enqueue_limit(ch, 0);
	if (ch->fenced ||
			syscall(__NR_membarrier,
				MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		rte_smp_mb();
	/* A thread preempted in its BAR0 window resumes within a slice. */
	while (__atomic_load_n(&ch->in_bar, __ATOMIC_ACQUIRE)) {
		if (!warned && rte_get_timer_cycles() > warn_at) {
			PLX_DMA_WARN("%s: waiting for a fast-path thread to leave BAR0",
				ch->name);
			warned = true;
		}
		rte_pause();
	}
}

static void
plx_dma_set_halt(struct plx_dma_chan *ch, enum plx_dma_halt halt)
{
	plx_dma_set_enqueue_limit(ch, 0);
	/* Release: the ring's final state is visible before the halt. */
	__atomic_store_n(&ch->halt, halt, __ATOMIC_RELEASE);
}

void
plx_dma_check_gone(struct plx_dma_chan *ch)
{
	bool gone;

	ch->next_gone_check = rte_get_tsc_cycles() + ch->gone_check_cycles;
	if (!plx_dma_bar_enter(ch, ch->fenced)) {
		plx_dma_bar_leave(ch);
		return;
	}
	gone = rte_read16(ch->doorbell) == PLX_GONE_U16;
	plx_dma_bar_leave(ch);
	if (gone) {
		PLX_DMA_ERR("%s: device vanished (registers read all ones)",
			ch->name);
		plx_dma_set_halt(ch, PLX_DMA_HALT_GONE);
	}
}

/* --- engine control, per the contract's "Stopping" --- */

static uint32_t
plx_dma_ctrl2(const struct plx_dma_chan *ch)
{
	return (uint32_t)ch->args.max_txfr_code << 16;
}

/*
 * Wait for one of bits in CTRL: 0, or -ENODEV if the device is gone, or
 * -ETIMEDOUT.
 *
 * Every command this driver writes carries RESET_VAL, whose IMM_PAUSE_DONE
 * bit the engine never sets (no immediate pause is ever requested). A read
 * with that bit set is therefore our own write not yet taken by the
 * engine, as seen on a register file that is plain memory (the simulated
 * switch), and its done bits mean nothing yet. On silicon the rule never
 * fires.
 */
static int
plx_dma_wait_ctrl(const struct plx_dma_chan *ch, uint32_t bits)
{
	uint64_t end = rte_get_timer_cycles() +
		rte_get_timer_hz() * ch->args.stop_timeout_ms / 1000;
	uint32_t val;

	do {
		val = plx_dma_read32(ch, PLX_REG_CTRL);
		if (val == PLX_GONE_U32)
			return -ENODEV;
		if ((val & bits) && !(val & PLX_CTRL_IMM_PAUSE_DONE))
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
plx_dma_engine_command(const struct plx_dma_chan *ch, uint32_t cmd,
		uint32_t done)
{
	plx_dma_write32(ch, PLX_REG_CTRL,
		PLX_CTRL_RESET_VAL | cmd | plx_dma_ctrl2(ch));
	return plx_dma_wait_ctrl(ch, done);
}

/*
 * Stop the engine: graceful pause, then abort, then give up. 0 when it
 * stopped, -ENODEV when the device is gone, -ETIMEDOUT when the engine
 * ignored both (its ring must then never be freed).
 */
static int
plx_dma_engine_stop(struct plx_dma_chan *ch)
{
	const char *name = ch->name;
	uint32_t val = plx_dma_read32(ch, PLX_REG_CTRL);
	uint32_t cmd = PLX_CTRL_GRACEFUL_PAUSE;
	int ret;

	if (val == PLX_GONE_U32)
		return -ENODEV;
	if (val & ~PLX_CTRL_GRACEFUL_PAUSE) {
		ret = plx_dma_engine_command(ch, cmd,
			PLX_CTRL_GRACEFUL_PAUSE_DONE);
		if (ret == -ETIMEDOUT) {
			PLX_DMA_WARN("%s: graceful pause timed out, aborting",
				name);
			cmd = PLX_CTRL_ABORT;
			ret = plx_dma_engine_command(ch, cmd,
				PLX_CTRL_ABORT_DONE);
		}
		if (ret == -ETIMEDOUT)
			PLX_DMA_ERR("%s: engine ignored pause and abort; giving up on it",
				name);
		if (ret != 0)
			return ret;
		/* Clears the done bit; the command is harmless when stopped. */
		plx_dma_write32(ch, PLX_REG_CTRL,
			PLX_CTRL_RESET_VAL | cmd | plx_dma_ctrl2(ch));
	}
	plx_dma_clear_ring_regs(ch);
	return 0;
}

/* Probe: whatever a previous user left running, reach a known state. */
static int
plx_dma_engine_reset(struct plx_dma_chan *ch)
{
	int ret = plx_dma_engine_stop(ch);

	if (ret != 0)
		return ret;
	plx_dma_write32(ch, PLX_REG_CTRL, PLX_CTRL_RESET_VAL | plx_dma_ctrl2(ch));
	rte_write16(0, ch->bar0 + PLX_REG_INTR_CTRL);
	rte_write16(0xffff, ch->bar0 + PLX_REG_INTR_STATUS);
	return 0;
}

static void
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
 * already be out of BAR0. Afterwards every descriptor is either written
 * back or reported as not done.
 */
static void
plx_dma_halt_engine(struct plx_dma_chan *ch)
{
	int ret = 0;

	if (ch->halt == PLX_DMA_HALT_GONE)
		return;
	if (ch->bar0 != NULL && !ch->hw_lost)
		ret = plx_dma_engine_stop(ch);
	if (ret == -ETIMEDOUT)
		ch->hw_lost = true;
	plx_dma_set_halt(ch, ret == -ENODEV ? PLX_DMA_HALT_GONE :
		PLX_DMA_HALT_STOPPED);
}

/* --- ring memory --- */

static void
plx_dma_ring_free(struct plx_dma_chan *ch)
{
	if (ch->ring_mz == NULL)
		return;
	if (ch->hw_lost) {
		/* The engine may still write into it: never reuse it. */
		PLX_DMA_ERR("%s: keeping the %u-descriptor ring of a lost engine",
			ch->name, ch->nb_desc);
	} else {
		rte_memzone_free(ch->ring_mz);
	}
	ch->ring_mz = NULL;
	ch->ring = NULL;
	ch->ring_end = NULL;
}

static int
plx_dma_ring_alloc(struct plx_dma_chan *ch, uint16_t nb_desc)
{
	size_t len = (size_t)nb_desc * sizeof(struct plx_dma_hw_desc);
	char mz_name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	uint64_t iova;

	snprintf(mz_name, sizeof(mz_name), "plx_dma_ring_%u",
		__atomic_fetch_add(&plx_dma_generation, 1, __ATOMIC_RELAXED));
	/* Aligned to its power-of-two size, it cannot cross 4 GiB. */
	mz = rte_memzone_reserve_aligned(mz_name, len,
		ch->dmadev->data->numa_node, RTE_MEMZONE_IOVA_CONTIG, len);
	if (mz == NULL) {
		PLX_DMA_ERR("%s: no memory for a %u-descriptor ring",
			ch->name, nb_desc);
		return -ENOMEM;
	}
	iova = mz->iova;
	if ((iova & ~PLX_IOVA_MASK) != 0 ||
			iova / PLX_RING_WINDOW != (iova + len - 1) / PLX_RING_WINDOW) {
		PLX_DMA_ERR("%s: ring at IOVA 0x%" PRIx64 " is out of the engine's reach",
			ch->name, iova);
		rte_memzone_free(mz);
		return -ENOMEM;
	}
	plx_dma_ring_free(ch);
	ch->ring_mz = mz;
	ch->ring = mz->addr;
	ch->ring_iova = iova;
	ch->nb_desc = nb_desc;
	ch->ring_mask = nb_desc - 1;
	ch->ring_bytes_mask = (size_t)ch->ring_mask * sizeof(*ch->ring);
	ch->ring_end = ch->ring + ch->ring_mask + 1;
	return 0;
}

/* --- the list of attached channels --- */

static void
plx_dma_track(struct plx_dma_chan *ch)
{
	pthread_mutex_lock(&plx_dma_list_lock);
	TAILQ_INSERT_TAIL(&plx_dma_attached, ch, next);
	ch->tracked = true;
	pthread_mutex_unlock(&plx_dma_list_lock);
}

static void
plx_dma_untrack(struct plx_dma_chan *ch)
{
	pthread_mutex_lock(&plx_dma_list_lock);
	if (ch->tracked)
		TAILQ_REMOVE(&plx_dma_attached, ch, next);
	ch->tracked = false;
	pthread_mutex_unlock(&plx_dma_list_lock);
}

/* --- dmadev operations --- */

static int
plx_dma_info_get(const struct rte_dma_dev *dev, struct rte_dma_info *info,
		uint32_t info_sz __rte_unused)
{
	RTE_SET_USED(dev);
	info->dev_capa = RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY |
		RTE_DMA_CAPA_HANDLES_ERRORS;
	info->max_vchans = 1;
	info->min_desc = PLX_DMA_MIN_DESC;
	info->max_desc = PLX_DMA_MAX_DESC;
	info->max_sges = 0;
	return 0;
}

static int
plx_dma_configure(struct rte_dma_dev *dev, const struct rte_dma_conf *conf,
		uint32_t conf_sz __rte_unused)
{
	if (conf->nb_vchans != 1 || conf->enable_silent) {
		PLX_DMA_ERR("%s: needs exactly one vchan and no silent mode",
			dev->data->dev_name);
		return -EINVAL;
	}
	return 0;
}

static int
plx_dma_vchan_setup(struct rte_dma_dev *dev, uint16_t vchan,
		const struct rte_dma_vchan_conf *conf,
		uint32_t conf_sz __rte_unused)
{
	struct plx_dma_chan *ch = dev->data->dev_private;
	uint32_t nb_desc = conf->nb_desc;
	int ret;

	if (vchan != 0 || conf->direction != RTE_DMA_DIR_MEM_TO_MEM) {
		PLX_DMA_ERR("%s: only vchan 0, memory to memory", ch->name);
		return -EINVAL;
	}
	if (nb_desc < PLX_DMA_MIN_DESC || nb_desc > PLX_DMA_MAX_DESC) {
		PLX_DMA_ERR("%s: nb_desc %u outside %u..%u", ch->name,
			nb_desc, PLX_DMA_MIN_DESC, PLX_DMA_MAX_DESC);
		return -EINVAL;
	}
	if (!rte_is_power_of_2(nb_desc)) {
		nb_desc = rte_align32pow2(nb_desc);
		PLX_DMA_INFO("%s: ring size rounded up to %u", ch->name,
			nb_desc);
	}
	pthread_mutex_lock(&ch->ctl_lock);
	ret = ch->pci == NULL ? -ENODEV : plx_dma_ring_alloc(ch, nb_desc);
	pthread_mutex_unlock(&ch->ctl_lock);
	return ret;
}

static int
plx_dma_start(struct rte_dma_dev *dev)
{
	struct plx_dma_chan *ch = dev->data->dev_private;
	uint16_t pending = ch->write_pos - ch->read_pos;
	int ret = 0;

	pthread_mutex_lock(&ch->ctl_lock);
	if (ch->pci == NULL || ch->halt == PLX_DMA_HALT_GONE || ch->hw_lost) {
		PLX_DMA_ERR("%s: device removed or lost", ch->name);
		ret = -ENODEV;
	} else if (ch->ring == NULL) {
		PLX_DMA_ERR("%s: vchan 0 not set up", ch->name);
		ret = -EINVAL;
	} else if (pending != 0) {
		PLX_DMA_ERR("%s: collect the %u outstanding completions first",
			ch->name, pending);
		ret = -EBUSY;
	} else if (plx_dma_read32(ch, PLX_REG_CTRL) == PLX_GONE_U32) {
		PLX_DMA_ERR("%s: device vanished", ch->name);
		plx_dma_set_halt(ch, PLX_DMA_HALT_GONE);
		ret = -ENODEV;
	} else {
		/* A clean ring: ids restart at 0 with the engine at the base. */
		memset(ch->ring, 0, (size_t)ch->nb_desc * sizeof(*ch->ring));
		ch->write_pos = ch->submit_pos = ch->read_pos = 0;
		ch->next_gone_check = 0;
		plx_dma_engine_program(ch);
		ch->halt = PLX_DMA_HALT_NONE;
		plx_dma_set_enqueue_limit(ch, ch->nb_desc);
	}
	pthread_mutex_unlock(&ch->ctl_lock);
	return ret;
}

static int
plx_dma_stop(struct rte_dma_dev *dev)
{
	struct plx_dma_chan *ch = dev->data->dev_private;

	pthread_mutex_lock(&ch->ctl_lock);
	plx_dma_set_enqueue_limit(ch, 0);
	if (ch->halt == PLX_DMA_HALT_NONE)
		plx_dma_halt_engine(ch);
	pthread_mutex_unlock(&ch->ctl_lock);
	return 0;
}

static int
plx_dma_close(struct rte_dma_dev *dev)
{
	struct plx_dma_chan *ch = dev->data->dev_private;

	plx_dma_untrack(ch);
	plx_dma_ring_free(ch);
	pthread_mutex_destroy(&ch->ctl_lock);
	return 0;
}

static int
plx_dma_stats_get(const struct rte_dma_dev *dev, uint16_t vchan __rte_unused,
		struct rte_dma_stats *stats, uint32_t stats_sz __rte_unused)
{
	const struct plx_dma_chan *ch = dev->data->dev_private;

	stats->submitted = ch->submitted;
	stats->completed = ch->completed;
	stats->errors = ch->errors;
	return 0;
}

static int
plx_dma_stats_reset(struct rte_dma_dev *dev, uint16_t vchan __rte_unused)
{
	struct plx_dma_chan *ch = dev->data->dev_private;

	ch->submitted = ch->completed = ch->errors = 0;
	return 0;
}

/* ACTIVE while a submitted descriptor waits for its write-back. */
static enum rte_dma_vchan_status
plx_dma_engine_status(struct plx_dma_chan *ch)
{
	uint16_t submit_pos = __atomic_load_n(&ch->submit_pos,
		__ATOMIC_RELAXED);
	uint16_t read_pos = __atomic_load_n(&ch->read_pos, __ATOMIC_RELAXED);
	uint32_t last;

	if (plx_dma_read32(ch, PLX_REG_CTRL) == PLX_GONE_U32) {
		plx_dma_set_halt(ch, PLX_DMA_HALT_GONE);
		return RTE_DMA_VCHAN_HALTED_ERROR;
	}
	if (submit_pos == read_pos)
		return RTE_DMA_VCHAN_IDLE;
	last = plx_dma_slot_flags(&ch->ring[(submit_pos - 1) & ch->ring_mask]);
	return (last & PLX_DESC_VALID) ?
		RTE_DMA_VCHAN_ACTIVE : RTE_DMA_VCHAN_IDLE;
}

static int
plx_dma_vchan_status(const struct rte_dma_dev *dev,
		uint16_t vchan __rte_unused, enum rte_dma_vchan_status *status)
{
	struct plx_dma_chan *ch = dev->data->dev_private;

	pthread_mutex_lock(&ch->ctl_lock);
	if (ch->pci == NULL || ch->halt == PLX_DMA_HALT_GONE || ch->hw_lost)
		*status = RTE_DMA_VCHAN_HALTED_ERROR;
	else if (!plx_dma_takes_work(ch))
		*status = RTE_DMA_VCHAN_IDLE;
	else
		*status = plx_dma_engine_status(ch);
	pthread_mutex_unlock(&ch->ctl_lock);
	return 0;
}

static const char *
plx_dma_halt_name(uint8_t halt)
{
	static const char *const names[] = {
		[PLX_DMA_HALT_NONE] = "none",
		[PLX_DMA_HALT_STOPPED] = "stopped",
		[PLX_DMA_HALT_GONE] = "device gone",
	};

	return halt < RTE_DIM(names) ? names[halt] : "?";
}

static void
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

static int
plx_dma_dump(const struct rte_dma_dev *dev, FILE *f)
{
	struct plx_dma_chan *ch = dev->data->dev_private;

	pthread_mutex_lock(&ch->ctl_lock);
	fprintf(f, "dma_plx %s (%s)\n", dev->data->dev_name,
		ch->pci != NULL ? "attached" : "removed");
	fprintf(f, "  ring: %u descriptors at IOVA 0x%" PRIx64 ", ids: "
		"read %u, submit %u, write %u; capacity %u\n",
		ch->nb_desc, ch->ring_iova, ch->read_pos, ch->submit_pos,
		ch->write_pos, ch->ring != NULL ?
			plx_dma_burst_capacity(ch, 0) : 0);
	fprintf(f, "  state: %s, halt: %s%s\n",
		plx_dma_takes_work(ch) ? "active" : "inactive", plx_dma_halt_name(ch->halt),
		ch->hw_lost ? ", engine lost" : "");
	fprintf(f, "  stats: submitted %" PRIu64 ", completed %" PRIu64
		", errors %" PRIu64 "\n", ch->submitted, ch->completed,
		ch->errors);
	fprintf(f, "  devargs: max_txfr code %u, pref_limit %u, "
		"stop_timeout_ms %u, gone_check_us %u\n",
		ch->args.max_txfr_code, ch->args.pref_limit,
		ch->args.stop_timeout_ms, ch->args.gone_check_us);
	if (ch->bar0 != NULL)
		plx_dma_dump_regs(ch, f);
	pthread_mutex_unlock(&ch->ctl_lock);
	return 0;
}

static const struct rte_dma_dev_ops plx_dma_ops = {
	.dev_info_get = plx_dma_info_get,
	.dev_configure = plx_dma_configure,
	.dev_start = plx_dma_start,
	.dev_stop = plx_dma_stop,
	.dev_close = plx_dma_close,
	.vchan_setup = plx_dma_vchan_setup,
	.stats_get = plx_dma_stats_get,
	.stats_reset = plx_dma_stats_reset,
	.vchan_status = plx_dma_vchan_status,
	.dev_dump = plx_dma_dump,
};

/* --- devargs --- */

static int
plx_dma_parse_u32(const char *key, const char *value, void *opaque)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno != 0 || end == value || *end != '\0' || v > UINT32_MAX ||
			value[0] == '-') {
		PLX_DMA_ERR("devarg %s: '%s' is not a number", key, value);
		return -EINVAL;
	}
	*(uint32_t *)opaque = v;
	return 0;
}

static int
plx_dma_txfr_code(uint32_t bytes, uint8_t *code)
{
	uint8_t c;

	for (c = PLX_CTRL2_MAX_TXFR_64B; c <= PLX_CTRL2_MAX_TXFR_2KB; c++) {
		if (bytes == 64u << c) {
			*code = c;
			return 0;
		}
	}
	PLX_DMA_ERR("devarg %s: %u is not 64, 128, 256, 512, 1024 or 2048",
		PLX_DMA_ARG_MAX_TXFR, bytes);
	return -EINVAL;
}

static int
plx_dma_parse_devargs(const struct rte_devargs *devargs,
		struct plx_dma_devargs *args)
{
	struct rte_kvargs *kv;
	uint32_t txfr = 64u << plx_dma_default_args.max_txfr_code;
	int ret;

	*args = plx_dma_default_args;
	if (devargs == NULL || devargs->args == NULL || devargs->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(devargs->args, plx_dma_valid_args);
	if (kv == NULL) {
		PLX_DMA_ERR("bad devargs '%s' (keys: %s, %s, %s, %s)",
			devargs->args, PLX_DMA_ARG_MAX_TXFR,
			PLX_DMA_ARG_PREF_LIMIT, PLX_DMA_ARG_STOP_TIMEOUT,
			PLX_DMA_ARG_GONE_CHECK);
		return -EINVAL;
	}
	ret = rte_kvargs_process(kv, PLX_DMA_ARG_MAX_TXFR,
			plx_dma_parse_u32, &txfr);
	if (ret == 0)
		ret = plx_dma_txfr_code(txfr, &args->max_txfr_code);
	if (ret == 0)
		ret = rte_kvargs_process(kv, PLX_DMA_ARG_PREF_LIMIT,
			plx_dma_parse_u32, &args->pref_limit);
	if (ret == 0)
		ret = rte_kvargs_process(kv, PLX_DMA_ARG_STOP_TIMEOUT,
			plx_dma_parse_u32, &args->stop_timeout_ms);
	if (ret == 0)
		ret = rte_kvargs_process(kv, PLX_DMA_ARG_GONE_CHECK,
			plx_dma_parse_u32, &args->gone_check_us);
	rte_kvargs_free(kv);
	if (ret == 0 && (args->pref_limit > 8 || args->stop_timeout_ms == 0 ||
			args->stop_timeout_ms > 60000 ||
			args->gone_check_us > 1000000)) {
		PLX_DMA_ERR("devargs out of range: pref_limit 0..8, "
			"stop_timeout_ms 1..60000, gone_check_us 0..1000000");
		ret = -EINVAL;
	}
	return ret < 0 ? -EINVAL : 0;
}

/* --- PCI probe and remove --- */

static int
plx_dma_check_pci(const struct rte_pci_device *pci)
{
	const struct rte_mem_resource *bar = &pci->mem_resource[0];

	if (bar->addr == NULL) {
		PLX_DMA_ERR("%s: BAR0 is not mapped", pci->device.name);
		return -ENODEV;
	}
	if (bar->len < PLX_BAR0_MIN_LEN) {
		PLX_DMA_ERR("%s: BAR0 is %" PRIu64 " bytes, registers need %u",
			pci->device.name, bar->len, PLX_BAR0_MIN_LEN);
		return -ENODEV;
	}
	if (rte_mem_check_dma_mask(PLX_IOVA_BITS) != 0) {
		PLX_DMA_ERR("%s: DPDK memory lies beyond the engine's %u-bit reach",
			pci->device.name, PLX_IOVA_BITS);
		return -EINVAL;
	}
	return 0;
}

static void
plx_dma_chan_init(struct plx_dma_chan *ch, struct rte_dma_dev *dev,
		struct rte_pci_device *pci, const struct plx_dma_devargs *args)
{
	pthread_mutex_init(&ch->ctl_lock, NULL);
	ch->dmadev = dev;
	ch->pci = pci;
	ch->bar0 = pci->mem_resource[0].addr;
	ch->doorbell = (volatile uint16_t *)(ch->bar0 + PLX_REG_CTRL);
	ch->args = *args;
	ch->fenced = !plx_dma_membarrier_ready();
	ch->gone_check_cycles = rte_get_tsc_hz() * args->gone_check_us /
		1000000;
	ch->halt = PLX_DMA_HALT_STOPPED;
	rte_strscpy(ch->name, pci->device.name,
		sizeof(ch->name));

	dev->device = &pci->device;
	dev->dev_ops = &plx_dma_ops;
	dev->fp_obj->dev_private = ch;
	dev->fp_obj->copy = ch->fenced ? plx_dma_copy_fenced : plx_dma_copy;
	dev->fp_obj->submit = ch->fenced ? plx_dma_submit_fenced :
		plx_dma_submit;
	dev->fp_obj->completed = plx_dma_completed;
	dev->fp_obj->completed_status = plx_dma_completed_status;
	dev->fp_obj->burst_capacity = plx_dma_burst_capacity;
}

static int
plx_dma_probe(struct rte_pci_driver *drv __rte_unused,
		struct rte_pci_device *pci)
{
	const char *name = pci->device.name;
	struct plx_dma_devargs args;
	struct rte_dma_dev *dev;
	struct plx_dma_chan *ch;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		PLX_DMA_ERR("%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	ret = plx_dma_parse_devargs(pci->device.devargs, &args);
	if (ret == 0)
		ret = plx_dma_check_pci(pci);
	if (ret != 0)
		return ret;

	dev = rte_dma_pmd_allocate(name, pci->device.numa_node, sizeof(*ch));
	if (dev == NULL) {
		PLX_DMA_ERR("%s: cannot allocate a dmadev", name);
		return -ENOMEM;
	}
	ch = dev->data->dev_private;
	plx_dma_chan_init(ch, dev, pci, &args);
	ret = plx_dma_engine_reset(ch);
	if (ret != 0) {
		PLX_DMA_ERR("%s: engine did not reach a known state: %s", name,
			strerror(-ret));
		pthread_mutex_destroy(&ch->ctl_lock);
		rte_dma_pmd_release(name);
		return ret;
	}
	plx_dma_track(ch);
	dev->state = RTE_DMA_DEV_READY;
	PLX_DMA_INFO("%s: dmadev %d", name, dev->data->dev_id);
	return 0;
}

static struct plx_dma_chan *
plx_dma_find(const struct rte_pci_device *pci)
{
	struct plx_dma_chan *ch;

	pthread_mutex_lock(&plx_dma_list_lock);
	TAILQ_FOREACH(ch, &plx_dma_attached, next)
		if (ch->pci == pci)
			break;
	pthread_mutex_unlock(&plx_dma_list_lock);
	return ch;
}

/*
 * Cut the channel off the PCI device, which the bus unmaps and frees once
 * remove() returns. The channel keeps its name's new form, its ring and
 * everything not yet reported; rte_device is served by a stand-in.
 */
static void
plx_dma_detach(struct plx_dma_chan *ch)
{
	struct rte_dma_dev *dev = ch->dmadev;

	pthread_mutex_lock(&ch->ctl_lock);
	ch->detached = 1;
	plx_dma_quiesce(ch);
	if (ch->halt == PLX_DMA_HALT_NONE)
		plx_dma_halt_engine(ch);
	ch->bar0 = NULL;
	ch->doorbell = NULL;
	ch->removed_device.name = ch->name;
	ch->removed_device.numa_node = ch->pci->device.numa_node;
	ch->removed_device.driver = ch->pci->device.driver;
	dev->device = &ch->removed_device;
	ch->pci = NULL;
	pthread_mutex_unlock(&ch->ctl_lock);
}

static int
plx_dma_remove(struct rte_pci_device *pci)
{
	struct plx_dma_chan *ch = plx_dma_find(pci);
	struct rte_dma_dev *dev;
	char name[RTE_DEV_NAME_MAX_LEN];

	if (ch == NULL) {
		/* The application closed the dmadev already. */
		PLX_DMA_DEBUG("%s: no channel left to detach", pci->device.name);
		return 0;
	}
	dev = ch->dmadev;
	rte_strscpy(name, dev->data->dev_name, sizeof(name));
	plx_dma_untrack(ch);
	plx_dma_detach(ch);
	/* Held while the application may still collect completions. */
	if (!dev->data->dev_started && ch->write_pos == ch->read_pos) {
		PLX_DMA_INFO("%s: removed, dmadev %d released", name,
			dev->data->dev_id);
		return rte_dma_pmd_release(name);
	}
	/* Free the address for a re-plugged device to take. */
	if (snprintf(dev->data->dev_name, sizeof(dev->data->dev_name),
			"%.40s-removed%u", name, __atomic_fetch_add(
				&plx_dma_generation, 1, __ATOMIC_RELAXED)) < 0)
		dev->data->dev_name[0] = '\0';
	rte_strscpy(ch->name, dev->data->dev_name,
		sizeof(ch->name));
	PLX_DMA_WARN("%s: removed while in use; dmadev %d is now %s and "
		"halted until the application stops and closes it", name,
		dev->data->dev_id, dev->data->dev_name);
	return 0;
}

static const struct rte_pci_id plx_dma_pci_ids[] = {
	{ RTE_PCI_DEVICE(PLX_PCI_VENDOR_ID, PLX_PCI_DEVICE_ID_DMA) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver plx_dma_pmd = {
	.id_table = plx_dma_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = plx_dma_probe,
	.remove = plx_dma_remove,
};

RTE_PMD_REGISTER_PCI(dma_plx, plx_dma_pmd);
RTE_PMD_REGISTER_PCI_TABLE(dma_plx, plx_dma_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(dma_plx, "vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(dma_plx,
	PLX_DMA_ARG_MAX_TXFR "=<64|128|256|512|1024|2048> "
	PLX_DMA_ARG_PREF_LIMIT "=<0-8> "
	PLX_DMA_ARG_STOP_TIMEOUT "=<ms> "
	PLX_DMA_ARG_GONE_CHECK "=<us>");
