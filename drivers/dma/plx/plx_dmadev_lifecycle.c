/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * The life of a dma_plx channel: PCI probe and remove, its states, and
 * the references that decide when its private data is freed
 * (plx.rst, :ref:`plx_lifecycle`).
 *
 * A PCI device can be removed at any moment, from any thread: the
 * application's, or the EAL interrupt thread delivering an unbind. So the
 * channel is a reference-counted object apart from the dmadev: the PCI
 * binding holds one reference (probe to remove()), the application holds
 * one (its first configure to its close), and remove()'s lookup holds one
 * while it works. Whichever side drops the last frees the channel. Every
 * control call and remove() take the channel lock and act on the state.
 */

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/membarrier.h>

#include <bus_pci_driver.h>
#include <rte_cycles.h>
#include <rte_dmadev_pmd.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_string_fns.h>

#include "plx_dmadev.h"

RTE_LOG_REGISTER_DEFAULT(plx_dma_logtype, INFO);

/* Bound channels, so that remove() finds the one of its PCI device. */
static TAILQ_HEAD(, plx_dma_chan) plx_dma_bound =
	TAILQ_HEAD_INITIALIZER(plx_dma_bound);
static pthread_mutex_t plx_dma_list_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * What each control call meets in each state: 0 lets it act (its action
 * depends on the state), otherwise the errno it returns. The dmadev
 * library refuses some calls before they reach the driver (for instance
 * close while started); the table refuses them too, so that the driver
 * never depends on the library's flags, which it sets outside the
 * driver's lock.
 */
static const int plx_chan_gate[PLX_CHAN_NB_STATES][PLX_OP_NB] = {
	/*                       configure vchan_setup start    stop close */
	[PLX_CHAN_PROBED]     = { 0,       -EINVAL,    -EINVAL, 0,   0 },
	[PLX_CHAN_CONFIGURED] = { 0,       0,          0,       0,   0 },
	[PLX_CHAN_STARTED]    = { -EBUSY,  -EBUSY,     0,       0,   -EBUSY },
	[PLX_CHAN_STOPPING]   = { -EBUSY,  -EBUSY,     -EBUSY,  0,   -EBUSY },
	[PLX_CHAN_REMOVED]    = { -ENODEV, -ENODEV,    -ENODEV, 0,   0 },
	[PLX_CHAN_CLOSED]     = { -ENODEV, -ENODEV,    -ENODEV, 0,   0 },
};

static const char *const plx_chan_op_names[PLX_OP_NB] = {
	[PLX_OP_CONFIGURE] = "configure",
	[PLX_OP_VCHAN_SETUP] = "vchan_setup",
	[PLX_OP_START] = "start",
	[PLX_OP_STOP] = "stop",
	[PLX_OP_CLOSE] = "close",
};

const char *
plx_chan_state_name(enum plx_chan_state state)
{
	static const char *const names[PLX_CHAN_NB_STATES] = {
		[PLX_CHAN_PROBED] = "probed",
		[PLX_CHAN_CONFIGURED] = "configured",
		[PLX_CHAN_STARTED] = "started",
		[PLX_CHAN_STOPPING] = "stopping",
		[PLX_CHAN_REMOVED] = "removed, held",
		[PLX_CHAN_CLOSED] = "closed",
	};

	return (unsigned int)state < RTE_DIM(names) ? names[state] : "?";
}

int
plx_chan_enter(struct plx_dma_chan *ch, enum plx_chan_op op)
{
	int ret;

	pthread_mutex_lock(&ch->lock);
	ret = plx_chan_gate[ch->state][op];
	if (ret != 0) {
		PLX_CH_LOG(ch, ERR, "%s refused: the channel is %s",
			plx_chan_op_names[op], plx_chan_state_name(ch->state));
		pthread_mutex_unlock(&ch->lock);
	}
	return ret;
}

void
plx_chan_leave(struct plx_dma_chan *ch)
{
	pthread_mutex_unlock(&ch->lock);
}

/* --- references --- */

static void
plx_chan_get(struct plx_dma_chan *ch)
{
	rte_atomic_fetch_add_explicit(&ch->refcnt, 1, rte_memory_order_relaxed);
}

static void
plx_chan_free(struct plx_dma_chan *ch)
{
	plx_dma_ring_free(ch);
	pthread_mutex_destroy(&ch->lock);
	rte_free(ch);
}

static void
plx_chan_put(struct plx_dma_chan *ch)
{
	/* Acquire-release: the last holder sees every other's writes. */
	if (rte_atomic_fetch_sub_explicit(&ch->refcnt, 1,
			rte_memory_order_acq_rel) == 1)
		plx_chan_free(ch);
}

void
plx_chan_take_app_ref(struct plx_dma_chan *ch)
{
	plx_chan_get(ch);
	ch->app_ref = true;
	ch->state = PLX_CHAN_CONFIGURED;
}

void
plx_chan_close(struct plx_dma_chan *ch)
{
	bool had_ref = ch->app_ref;

	plx_dma_ring_free(ch);
	ch->app_ref = false;
	ch->dmadev = NULL;
	ch->state = PLX_CHAN_CLOSED;
	pthread_mutex_unlock(&ch->lock);
	if (had_ref)
		plx_chan_put(ch);
}

/* --- the list of bound channels --- */

static void
plx_chan_list(struct plx_dma_chan *ch)
{
	pthread_mutex_lock(&plx_dma_list_lock);
	TAILQ_INSERT_TAIL(&plx_dma_bound, ch, next);
	pthread_mutex_unlock(&plx_dma_list_lock);
}

static void
plx_chan_unlist(struct plx_dma_chan *ch)
{
	pthread_mutex_lock(&plx_dma_list_lock);
	TAILQ_REMOVE(&plx_dma_bound, ch, next);
	pthread_mutex_unlock(&plx_dma_list_lock);
}

/* The channel bound to pci, with a reference taken, or NULL. */
static struct plx_dma_chan *
plx_chan_lookup(const struct rte_pci_device *pci)
{
	struct plx_dma_chan *ch;

	pthread_mutex_lock(&plx_dma_list_lock);
	TAILQ_FOREACH(ch, &plx_dma_bound, next)
		if (ch->pci == pci)
			break;
	if (ch != NULL)
		plx_chan_get(ch);
	pthread_mutex_unlock(&plx_dma_list_lock);
	return ch;
}

/* --- shutting the fast path out of BAR0 --- */

/* 1: membarrier registered, 0: not, -1: not asked yet. */
static int plx_dma_membarrier_state = -1;

static bool
plx_dma_membarrier_ready(void)
{
	long cmds;

	if (plx_dma_membarrier_state >= 0)
		return plx_dma_membarrier_state == 1;
	cmds = syscall(__NR_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	plx_dma_membarrier_state = cmds > 0 &&
		(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
		syscall(__NR_membarrier,
			MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
	if (!plx_dma_membarrier_state)
		PLX_DMA_LOG(WARNING, "membarrier unavailable: fast path uses full fences");
	return plx_dma_membarrier_state == 1;
}

/*
 * The remover's fence of plx_dma_bar_enter(). A failure of the expedited
 * call (it can fail for memory) falls back to the global one, which needs
 * no registration; if that fails too, nothing proves that a fast-path
 * thread saw enqueue_limit drop, so the caller must not let BAR0 go.
 */
static int
plx_dma_remote_fence(struct plx_dma_chan *ch)
{
	if (ch->fenced) {
		rte_atomic_thread_fence(rte_memory_order_seq_cst);
		return 0;
	}
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
		return 0;
	PLX_CH_LOG(ch, WARNING, "membarrier failed (%s), trying the global one",
		strerror(errno));
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return 0;
	PLX_CH_LOG(ch, ERR, "membarrier failed (%s): cannot prove the fast path is out of BAR0",
		strerror(errno));
	return -EAGAIN;
}

/*
 * Wait for a fast-path thread to leave its BAR0 window, bounded by
 * stop_timeout_ms. It sleeps between looks, so that a remover of higher
 * priority on the CPU of a preempted fast-path thread lets it run.
 */
static int
plx_dma_wait_bar_exit(struct plx_dma_chan *ch)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t start = rte_get_timer_cycles();
	uint64_t limit = hz * ch->args.stop_timeout_ms / 1000;
	unsigned int spins = 0;
	bool warned = false;

	while (rte_atomic_load_explicit(&ch->in_bar, rte_memory_order_acquire)) {
		uint64_t waited = rte_get_timer_cycles() - start;

		if (waited > limit) {
			PLX_CH_LOG(ch, ERR, "a fast-path thread stayed in BAR0 for %u ms",
				ch->args.stop_timeout_ms);
			return -EBUSY;
		}
		if (!warned && waited > hz / 10) {
			PLX_CH_LOG(ch, WARNING, "waiting for a fast-path thread to leave BAR0");
			warned = true;
		}
		if (++spins < 256)
			rte_pause();
		else
			rte_delay_us_sleep(10);
	}
	return 0;
}

/* After this returns 0, the fast path will not touch BAR0 again. */
static int
plx_dma_quiesce(struct plx_dma_chan *ch)
{
	int ret;

	plx_dma_set_enqueue_limit(ch, 0);
	ret = plx_dma_remote_fence(ch);
	if (ret == 0)
		ret = plx_dma_wait_bar_exit(ch);
	return ret;
}

/* --- PCI probe --- */

static int
plx_dma_check_pci(const struct rte_pci_device *pci)
{
	const struct rte_mem_resource *bar = &pci->mem_resource[0];

	if (bar->addr == NULL) {
		PLX_DMA_LOG(ERR, "%s: BAR0 is not mapped", pci->device.name);
		return -ENODEV;
	}
	if (bar->len < PLX_BAR0_MIN_LEN) {
		PLX_DMA_LOG(ERR, "%s: BAR0 is %" PRIu64 " bytes, registers need %u",
			pci->device.name, bar->len, PLX_BAR0_MIN_LEN);
		return -ENODEV;
	}
	if (rte_mem_check_dma_mask(PLX_IOVA_BITS) != 0) {
		PLX_DMA_LOG(ERR, "%s: DPDK memory lies beyond the engine's %u-bit reach",
			pci->device.name, PLX_IOVA_BITS);
		return -EINVAL;
	}
	return 0;
}

/* A new channel for pci, holding the PCI binding's reference. */
static struct plx_dma_chan *
plx_chan_alloc(struct rte_pci_device *pci, const struct plx_dma_devargs *args)
{
	struct plx_dma_chan *ch;

	ch = rte_zmalloc_socket("plx_dma_chan", sizeof(*ch), RTE_CACHE_LINE_SIZE,
		pci->device.numa_node);
	if (ch == NULL)
		return NULL;
	pthread_mutex_init(&ch->lock, NULL);
	ch->refcnt = 1;
	ch->state = PLX_CHAN_PROBED;
	ch->pci = pci;
	ch->bar0 = pci->mem_resource[0].addr;
	ch->doorbell = (volatile uint16_t *)(ch->bar0 + PLX_REG_CTRL);
	ch->args = *args;
	ch->src_first = args->src_first != 0;
	ch->fenced = !plx_dma_membarrier_ready();
	ch->gone_check_cycles = rte_get_tsc_hz() * args->gone_check_us /
		1000000;
	ch->halt = PLX_DMA_HALT_STOPPED;
	ch->ring_mask = PLX_DMA_NO_RING_MASK;
	rte_strscpy(ch->name, pci->device.name, sizeof(ch->name));
	ch->device.name = ch->name;
	ch->device.driver = pci->device.driver;
	ch->device.bus = pci->device.bus;
	ch->device.numa_node = pci->device.numa_node;
	return ch;
}

static void
plx_chan_attach(struct plx_dma_chan *ch, struct rte_dma_dev *dev)
{
	/* [src_first][fenced]: each a copy() with no test of its own. */
	static const rte_dma_copy_t copies[2][2] = {
		{ plx_dma_copy, plx_dma_copy_fenced },
		{ plx_dma_copy_src_first, plx_dma_copy_src_first_fenced },
	};
	struct plx_dma_dev_private *priv = dev->data->dev_private;

	priv->ch = ch;
	ch->dmadev = dev;
	dev->device = &ch->device;
	dev->dev_ops = &plx_dma_ops;
	dev->fp_obj->dev_private = ch;
	dev->fp_obj->copy = copies[ch->src_first][ch->fenced];
	dev->fp_obj->copy_sg = ch->fenced ? plx_dma_copy_sg_fenced :
		plx_dma_copy_sg;
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
		PLX_DMA_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	ret = plx_dma_parse_devargs(pci->device.devargs, &args);
	if (ret == 0)
		ret = plx_dma_check_pci(pci);
	if (ret != 0)
		return ret;

	ch = plx_chan_alloc(pci, &args);
	dev = ch == NULL ? NULL : rte_dma_pmd_allocate(name,
		pci->device.numa_node, sizeof(struct plx_dma_dev_private));
	if (dev == NULL) {
		PLX_DMA_LOG(ERR, "%s: cannot allocate a dmadev", name);
		if (ch != NULL)
			plx_chan_put(ch);
		return -ENOMEM;
	}
	plx_chan_attach(ch, dev);
	ret = plx_dma_engine_reset(ch);
	if (ret != 0) {
		PLX_CH_LOG(ch, ERR, "engine did not reach a known state: %s",
			strerror(-ret));
		/* Not READY yet: the library frees it without a close. */
		rte_dma_pmd_release(name);
		plx_chan_put(ch);
		return ret;
	}
	plx_chan_list(ch);
	dev->state = RTE_DMA_DEV_READY;
	PLX_CH_LOG(ch, INFO, "dmadev %d", dev->data->dev_id);
	return 0;
}

/* --- PCI remove --- */

/*
 * Cut the channel off its PCI device, which the bus unmaps and frees once
 * remove() returns: shut the fast path out of BAR0, stop the engine,
 * forget the device. 0, or an errno when BAR0 cannot yet be let go (the
 * channel then takes no work but keeps its device).
 */
static int
plx_chan_detach(struct plx_dma_chan *ch)
{
	int ret;

	ch->detached = 1;
	ret = plx_dma_quiesce(ch);
	if (ret != 0)
		return ret;
	if (ch->state == PLX_CHAN_STARTED && plx_dma_engine_live(ch)) {
		ch->state = PLX_CHAN_STOPPING;
		plx_dma_halt_engine(ch);
		ch->state = PLX_CHAN_STARTED;
	}
	ch->bar0 = NULL;
	ch->doorbell = NULL;
	ch->pci = NULL;
	return 0;
}

/* Give the address back for a re-plugged device to take. */
static void
plx_chan_rename(struct plx_dma_chan *ch)
{
	static RTE_ATOMIC(uint32_t) removals;
	struct rte_dma_dev *dev = ch->dmadev;
	char old[RTE_DEV_NAME_MAX_LEN];

	rte_strscpy(old, ch->name, sizeof(old));
	snprintf(ch->name, sizeof(ch->name), "%.40s-removed%u", old,
		rte_atomic_fetch_add_explicit(&removals, 1,
			rte_memory_order_relaxed));
	rte_strscpy(dev->data->dev_name, ch->name, sizeof(dev->data->dev_name));
	PLX_DMA_LOG(WARNING, "%s: removed while in use: dmadev %d is now %s, "
		"halted until the application closes it", old,
		dev->data->dev_id, ch->name);
}

static int
plx_dma_remove(struct rte_pci_device *pci)
{
	struct plx_dma_chan *ch = plx_chan_lookup(pci);
	char name[RTE_DEV_NAME_MAX_LEN];
	bool release = false;
	int ret;

	if (ch == NULL)
		return 0;
	pthread_mutex_lock(&ch->lock);
	ret = plx_chan_detach(ch);
	if (ret != 0) {
		PLX_CH_LOG(ch, ERR, "removal refused (%s): it may be retried",
			strerror(-ret));
	} else if (ch->state == PLX_CHAN_PROBED) {
		/* Nobody holds the dmadev: release it, its close a no-op. */
		rte_strscpy(name, ch->name, sizeof(name));
		ch->state = PLX_CHAN_CLOSED;
		release = true;
	} else if (ch->state != PLX_CHAN_CLOSED) {
		plx_chan_rename(ch);
		ch->state = PLX_CHAN_REMOVED;
	}
	pthread_mutex_unlock(&ch->lock);

	if (ret == 0) {
		if (release) {
			PLX_DMA_LOG(INFO, "%s: removed, dmadev released", name);
			rte_dma_pmd_release(name);
		}
		plx_chan_unlist(ch);
		plx_chan_put(ch);	/* the PCI binding's */
	}
	plx_chan_put(ch);		/* the lookup's */
	return ret;
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
RTE_PMD_REGISTER_PARAM_STRING(dma_plx, PLX_DMA_DEVARGS_HELP);
