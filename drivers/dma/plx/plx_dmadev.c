/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dma_plx control path: the dmadev operations. Each one takes the channel
 * lock through plx_chan_enter(), which also refuses what the channel's
 * state does not allow (plx_dmadev_lifecycle.c has the table), and then
 * acts on the state.
 */

#include <errno.h>
#include <string.h>

#include <rte_dmadev_pmd.h>

#include "plx_dmadev.h"

static int
plx_dma_info_get(const struct rte_dma_dev *dev __rte_unused,
		struct rte_dma_info *info, uint32_t info_sz __rte_unused)
{
	info->dev_capa = RTE_DMA_CAPA_MEM_TO_MEM | RTE_DMA_CAPA_OPS_COPY |
		RTE_DMA_CAPA_OPS_COPY_SG | RTE_DMA_CAPA_HANDLES_ERRORS;
	info->max_vchans = 1;
	info->min_desc = PLX_DMA_MIN_DESC;
	info->max_desc = PLX_DMA_MAX_DESC;
	info->max_sges = PLX_DMA_MAX_SGES;
	return 0;
}

static int
plx_dma_configure(struct rte_dma_dev *dev, const struct rte_dma_conf *conf,
		uint32_t conf_sz __rte_unused)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);
	int ret = plx_chan_enter(ch, PLX_OP_CONFIGURE);

	if (ret != 0)
		return ret;
	if (conf->nb_vchans != 1 || plx_dma_conf_flags(conf) != 0) {
		PLX_CH_LOG(ch, ERR, "needs exactly one vchan and no flags (%u vchans, flags 0x%" PRIx64 ")",
			conf->nb_vchans, plx_dma_conf_flags(conf));
		ret = -EINVAL;
	} else if (ch->state == PLX_CHAN_PROBED) {
		plx_chan_take_app_ref(ch);
	}
	plx_chan_leave(ch);
	return ret;
}

/* Operations handed out and not yet reported. */
static uint16_t
plx_dma_uncollected(const struct plx_dma_chan *ch)
{
	return ch->write_pos - ch->read_pos;
}

static int
plx_dma_check_vchan_conf(struct plx_dma_chan *ch, uint16_t vchan,
		const struct rte_dma_vchan_conf *conf)
{
	if (vchan != 0 || conf->direction != RTE_DMA_DIR_MEM_TO_MEM) {
		PLX_CH_LOG(ch, ERR, "only vchan 0, memory to memory");
		return -EINVAL;
	}
	if (conf->nb_desc < PLX_DMA_MIN_DESC || conf->nb_desc > PLX_DMA_MAX_DESC) {
		PLX_CH_LOG(ch, ERR, "nb_desc %u outside %u..%u", conf->nb_desc,
			PLX_DMA_MIN_DESC, PLX_DMA_MAX_DESC);
		return -EINVAL;
	}
	/* The old ring's engine might still write into a new one. */
	if (ch->hw_lost) {
		PLX_CH_LOG(ch, ERR, "engine lost: no new ring until it is probed again");
		return -EBUSY;
	}
	/* A new ring would lose their positions, and their reports. */
	if (plx_dma_uncollected(ch) != 0) {
		PLX_CH_LOG(ch, ERR, "collect the %u outstanding completions first",
			plx_dma_uncollected(ch));
		return -EBUSY;
	}
	return 0;
}

static int
plx_dma_vchan_setup(struct rte_dma_dev *dev, uint16_t vchan,
		const struct rte_dma_vchan_conf *conf,
		uint32_t conf_sz __rte_unused)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);
	uint32_t nb_desc = conf->nb_desc;
	int ret = plx_chan_enter(ch, PLX_OP_VCHAN_SETUP);

	if (ret != 0)
		return ret;
	ret = plx_dma_check_vchan_conf(ch, vchan, conf);
	if (ret == 0 && !rte_is_power_of_2(nb_desc)) {
		nb_desc = rte_align32pow2(nb_desc);
		PLX_CH_LOG(ch, INFO, "ring size rounded up to %u", nb_desc);
	}
	if (ret == 0)
		ret = plx_dma_ring_alloc(ch, nb_desc);
	plx_chan_leave(ch);
	return ret;
}

/* Why a configured channel cannot start: 0 if it can. */
static int
plx_dma_start_check(struct plx_dma_chan *ch)
{
	if (ch->detached || ch->halt == PLX_DMA_HALT_GONE) {
		PLX_CH_LOG(ch, ERR, "device removed or vanished");
		return -ENODEV;
	}
	if (ch->hw_lost) {
		PLX_CH_LOG(ch, ERR, "engine lost: it ignored every stop");
		return -ENODEV;
	}
	if (ch->ring == NULL) {
		PLX_CH_LOG(ch, ERR, "vchan 0 not set up");
		return -EINVAL;
	}
	if (plx_dma_uncollected(ch) != 0) {
		PLX_CH_LOG(ch, ERR, "collect the %u outstanding completions first",
			plx_dma_uncollected(ch));
		return -EBUSY;
	}
	if (plx_dma_device_gone(ch, plx_dma_read32(ch, PLX_REG_CTRL))) {
		PLX_CH_LOG(ch, ERR, "device vanished");
		plx_dma_set_halt(ch, PLX_DMA_HALT_GONE);
		return -ENODEV;
	}
	return 0;
}

static int
plx_dma_start(struct rte_dma_dev *dev)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);
	int ret = plx_chan_enter(ch, PLX_OP_START);

	if (ret != 0)
		return ret;
	if (ch->state == PLX_CHAN_STARTED) {
		plx_chan_leave(ch);
		return 0;
	}
	ret = plx_dma_start_check(ch);
	if (ret == 0) {
		/* A clean ring: ids restart at 0 with the engine at the base. */
		memset(ch->ring, 0, (size_t)ch->nb_desc * sizeof(*ch->ring));
		memset(ch->seg_extra, 0, ch->nb_desc);
		ch->write_pos = ch->submit_pos = ch->read_pos = 0;
		ch->id_bias = ch->submit_bias = ch->read_bias = 0;
		ch->sg_pending = 0;
		ch->next_gone_check = 0;
		ch->refusals_logged = 0;
		rte_atomic_store_explicit(&ch->kick_at, 0,
			rte_memory_order_relaxed);
		plx_dma_engine_program(ch);
		ch->halt = PLX_DMA_HALT_NONE;
		plx_dma_set_enqueue_limit(ch, ch->nb_desc);
		ch->state = PLX_CHAN_STARTED;
	}
	plx_chan_leave(ch);
	return ret;
}

static int
plx_dma_stop(struct rte_dma_dev *dev)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);

	plx_chan_enter(ch, PLX_OP_STOP);	/* allowed in every state */
	if (ch->state == PLX_CHAN_STARTED) {
		ch->state = PLX_CHAN_STOPPING;
		plx_dma_set_enqueue_limit(ch, 0);
		if (plx_dma_engine_live(ch))
			plx_dma_halt_engine(ch);
		ch->state = PLX_CHAN_CONFIGURED;
	}
	plx_chan_leave(ch);
	return 0;
}

static int
plx_dma_close(struct rte_dma_dev *dev)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);
	int ret = plx_chan_enter(ch, PLX_OP_CLOSE);

	if (ret != 0)
		return ret;
	if (ch->state == PLX_CHAN_CLOSED)	/* released by remove() */
		plx_chan_leave(ch);
	else
		plx_chan_close(ch);	/* unlocks, may free ch */
	return 0;
}

/*
 * The counters are the fast path's, read and reset without the lock as
 * other dmadev drivers do: a value read while the fast path runs is only
 * as current as the moment it was read.
 */
static int
plx_dma_stats_get(const struct rte_dma_dev *dev, uint16_t vchan __rte_unused,
		struct rte_dma_stats *stats, uint32_t stats_sz __rte_unused)
{
	const struct plx_dma_chan *ch = plx_dma_chan_of(dev);

	stats->submitted = ch->submitted;
	stats->completed = ch->completed;
	stats->errors = ch->errors;
	return 0;
}

static int
plx_dma_stats_reset(struct rte_dma_dev *dev, uint16_t vchan __rte_unused)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);

	ch->submitted = ch->completed = ch->errors = 0;
	return 0;
}

static int
plx_dma_vchan_status(const struct rte_dma_dev *dev,
		uint16_t vchan __rte_unused, enum rte_dma_vchan_status *status)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);

	pthread_mutex_lock(&ch->lock);
	if (ch->pci == NULL || ch->detached || ch->hw_lost ||
			ch->halt == PLX_DMA_HALT_GONE ||
			ch->halt == PLX_DMA_HALT_ENGINE)
		*status = RTE_DMA_VCHAN_HALTED_ERROR;
	else
		*status = plx_dma_engine_status(ch, ch->state == PLX_CHAN_STARTED &&
			plx_dma_takes_work(ch));
	pthread_mutex_unlock(&ch->lock);
	return 0;
}

static const char *
plx_dma_halt_name(uint8_t halt)
{
	static const char *const names[] = {
		[PLX_DMA_HALT_NONE] = "none",
		[PLX_DMA_HALT_STOPPED] = "stopped",
		[PLX_DMA_HALT_GONE] = "device gone",
		[PLX_DMA_HALT_LOST] = "engine lost",
		[PLX_DMA_HALT_ENGINE] = "engine halted",
	};

	return halt < RTE_DIM(names) ? names[halt] : "?";
}

static int
plx_dma_dump(const struct rte_dma_dev *dev, FILE *f)
{
	struct plx_dma_chan *ch = plx_dma_chan_of(dev);

	pthread_mutex_lock(&ch->lock);
	fprintf(f, "dma_plx %s (%s)\n", ch->name,
		plx_chan_state_name(ch->state));
	fprintf(f, "  ring: %u descriptors at IOVA 0x%" PRIx64 ", ids: "
		"read %u, submit %u, write %u; capacity %u\n",
		ch->nb_desc, ch->ring_iova, ch->read_pos, ch->submit_pos,
		ch->write_pos, ch->ring != NULL ?
			plx_dma_burst_capacity(ch, 0) : 0);
	fprintf(f, "  takes work: %s, halt: %s, references: %u, "
		"all-ones reads not confirmed: %" PRIu64 ", "
		"START rewrites: %" PRIu64 "\n",
		plx_dma_takes_work(ch) ? "yes" : "no",
		plx_dma_halt_name(ch->halt),
		rte_atomic_load_explicit(&ch->refcnt, rte_memory_order_relaxed),
		rte_atomic_load_explicit(&ch->false_gone,
			rte_memory_order_relaxed),
		rte_atomic_load_explicit(&ch->restarts,
			rte_memory_order_relaxed));
	fprintf(f, "  stats: submitted %" PRIu64 ", completed %" PRIu64
		", errors %" PRIu64 "\n", ch->submitted, ch->completed,
		ch->errors);
	fprintf(f, "  devargs: max_txfr code %u, pref_limit %u, "
		"stop_timeout_ms %u, gone_check_us %u, src_first %u\n",
		ch->args.max_txfr_code, ch->args.pref_limit,
		ch->args.stop_timeout_ms, ch->args.gone_check_us,
		ch->args.src_first);
	if (ch->bar0 != NULL)
		plx_dma_dump_regs(ch, f);
	pthread_mutex_unlock(&ch->lock);
	return 0;
}

const struct rte_dma_dev_ops plx_dma_ops = {
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
