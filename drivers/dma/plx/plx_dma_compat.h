/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_DMA_COMPAT_H
#define PLX_DMA_COMPAT_H

/*
 * The one place that knows which DPDK release it is built against
 * (22.11, 24.11 and 25.11 are tested). Everything else in the tree is
 * written in the idioms of the newest release: RTE_LOG_LINE logging,
 * rte_atomic_*_explicit with rte_memory_order_*, and the rte_dma_conf
 * flags word. For older releases this header supplies those names.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_dmadev.h>
#include <rte_log.h>
#include <rte_version.h>

#define PLX_DPDK_AT_LEAST(y, m) (RTE_VERSION >= RTE_VERSION_NUM(y, m, 0, 0))

/* --- atomics: <rte_stdatomic.h> came with 23.11 --- */
#if PLX_DPDK_AT_LEAST(23, 11)
#include <rte_stdatomic.h>
#else
#include <rte_atomic.h>
#define RTE_ATOMIC(type) type
#define rte_memory_order_relaxed __ATOMIC_RELAXED
#define rte_memory_order_acquire __ATOMIC_ACQUIRE
#define rte_memory_order_release __ATOMIC_RELEASE
#define rte_memory_order_acq_rel __ATOMIC_ACQ_REL
#define rte_memory_order_seq_cst __ATOMIC_SEQ_CST
#define rte_atomic_load_explicit(ptr, mo) __atomic_load_n(ptr, mo)
#define rte_atomic_store_explicit(ptr, val, mo) __atomic_store_n(ptr, val, mo)
#define rte_atomic_fetch_add_explicit(ptr, val, mo) \
	__atomic_fetch_add(ptr, val, mo)
#define rte_atomic_fetch_sub_explicit(ptr, val, mo) \
	__atomic_fetch_sub(ptr, val, mo)
#define rte_atomic_exchange_explicit(ptr, val, mo) \
	__atomic_exchange_n(ptr, val, mo)
/* rte_atomic_thread_fence() itself exists since 20.11. */
#endif

/* --- logging: RTE_LOG_LINE* came with 24.03 --- */
#ifndef RTE_LOG_LINE
#define RTE_LOG_LINE(l, t, ...) \
	RTE_LOG(l, t, RTE_FMT(RTE_FMT_HEAD(__VA_ARGS__ ,) "\n", \
		RTE_FMT_TAIL(__VA_ARGS__ ,)))
#endif
#ifndef RTE_LOG_LINE_PREFIX
#define RTE_LOG_COMMA ,
#define RTE_LOG_LINE_PREFIX(l, t, prefix, args, ...) \
	RTE_LOG(l, t, RTE_FMT(prefix RTE_FMT_HEAD(__VA_ARGS__ ,) "\n", \
		args RTE_LOG_COMMA RTE_FMT_TAIL(__VA_ARGS__ ,)))
#endif

/* --- rte_dma_conf: 25.11 folded enable_silent into a flags word --- */
#ifndef RTE_DMA_CFG_FLAG_SILENT
#define RTE_DMA_CFG_FLAG_SILENT RTE_BIT64(0)
#endif

/* The RTE_DMA_CFG_FLAG_* an application asked for in conf. */
static inline uint64_t
plx_dma_conf_flags(const struct rte_dma_conf *conf)
{
#if PLX_DPDK_AT_LEAST(25, 11)
	return conf->flags;
#else
	return conf->enable_silent ? RTE_DMA_CFG_FLAG_SILENT : 0;
#endif
}

/* Ask for the RTE_DMA_CFG_FLAG_* in flags (tests, applications). */
static inline void
plx_dma_conf_set_flags(struct rte_dma_conf *conf, uint64_t flags)
{
#if PLX_DPDK_AT_LEAST(25, 11)
	conf->flags = flags;
#else
	conf->enable_silent = (flags & RTE_DMA_CFG_FLAG_SILENT) != 0;
#endif
}

#endif /* PLX_DMA_COMPAT_H */
