/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

#ifndef PLX_SIM_ATOMIC_H
#define PLX_SIM_ATOMIC_H

/*
 * Atomics of the simulated switch and of the tests of its model. These
 * link no DPDK, so they use C11 <stdatomic.h> rather than the
 * rte_atomic_* of drivers/dma/plx/plx_dma_compat.h.
 *
 * What they share with other threads is mostly memory that is not theirs
 * to declare _Atomic: BAR0 registers, the descriptors of a ring in the
 * application's memory. PLX_SIM_ATOMIC(p) sees the object at p as the
 * atomic of its type, which for these lock-free integers, pointers and
 * bools has the same size and representation.
 */

#include <stdatomic.h>

#define PLX_SIM_ATOMIC(p)	((_Atomic __typeof__(*(p)) *)(p))

#define plx_sim_load(p, mo)	atomic_load_explicit(PLX_SIM_ATOMIC(p), mo)
#define plx_sim_store(p, v, mo)	atomic_store_explicit(PLX_SIM_ATOMIC(p), v, mo)
#define plx_sim_fetch_add(p, v, mo) \
	atomic_fetch_add_explicit(PLX_SIM_ATOMIC(p), v, mo)
#define plx_sim_exchange(p, v, mo) \
	atomic_exchange_explicit(PLX_SIM_ATOMIC(p), v, mo)
#define plx_sim_fetch_or(p, v, mo) \
	atomic_fetch_or_explicit(PLX_SIM_ATOMIC(p), v, mo)
/* Strong compare and swap: acquire-release, acquire where it fails. */
#define plx_sim_cas(p, expected, v) \
	atomic_compare_exchange_strong_explicit(PLX_SIM_ATOMIC(p), expected, \
		v, memory_order_acq_rel, memory_order_acquire)

#endif /* PLX_SIM_ATOMIC_H */
