/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Cache hints, the requests a real engine keeps in flight.
 *
 * While the head descriptor is copied, the first lines of the source and
 * destination of each valid snapshot queued behind it are hinted to the
 * CPU's caches (each snapshot once), and so are the head's write-back
 * slot and register line, which it writes next: their misses then
 * overlap the copy instead of following one another. A hint is a
 * prefetch, which neither reads nor writes memory as software can tell,
 * so it changes nothing observable: what runs is still the snapshot, in
 * order, checked against the IOMMU when it runs. Only what the IOMMU
 * translates is hinted, through last-hit caches of the hints' own; a
 * custom translator (plx_sim_set_iova_xlate()) gets no hint, nor does a
 * null copy. Off unless plx_sim_conf.prefetch_hints: with buffers in
 * address order, which the CPU's prefetchers follow, hints only cost.
 */

#include <stdbool.h>
#include <stdint.h>

#include "plx_sim_priv.h"

#define PLX_LINE		64u
/* Lines hinted at the start of either side of a queued descriptor. */
#define PLX_HINT_LINES		4u

/* The line holding p, for ownership (write). */
static inline void
hint_own(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	/* PREFETCHW, which executes as a no-op where it is not supported. */
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/* The lines of [p, p + len), len > 0, to read or to own. */
static inline void
hint_lines(const uint8_t *p, uint32_t len, bool own)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(PLX_LINE - 1);
	uintptr_t end = (uintptr_t)p + len;

	for (; a < end; a += PLX_LINE) {
		if (own)
			hint_own((const void *)a);
		else
			__builtin_prefetch((const void *)a, 0, 3);
	}
}

static void
desc_hint(struct plx_func *f, const struct plx_pf_slot *s)
{
	uint32_t size = s->d.flags_and_size & PLX_DESC_SIZE_MASK;
	uint64_t src, dst;
	const uint8_t *p;

	if (!(s->d.flags_and_size & PLX_DESC_VALID) || size == 0)
		return;
	size = size < PLX_HINT_LINES * PLX_LINE ? size : PLX_HINT_LINES * PLX_LINE;
	desc_addrs(f, &s->d, &src, &dst);
	p = xlate(f, PLX_XL_HINT_SRC, src, size);
	if (p != NULL)
		hint_lines(p, size, false);
	p = xlate(f, PLX_XL_HINT_DST, dst, size);
	if (p != NULL)
		hint_lines(p, size, true);
}

/* Before the head runs: hint what it writes back and what follows it. */
void
hints_issue(struct plx_func *f)
{
	const struct plx_pf_slot *s = pf_at(f, 0);
	unsigned int i;

	if (likely(!f->sim->conf.prefetch_hints))
		return;
	if (s->host != NULL && (f->cfg & PLX_CTRL_WRITE_BACK_EN))
		hint_own(s->host);
	hint_own(reg32(f, PLX_REG_DESC_RING_NEXT_ADDR));
	if (unlikely(f->sim->xlate != NULL) ||
			plx_sim_load(&f->sim->conf.null_copy, memory_order_relaxed))
		return;
	for (i = f->pf_hinted > 1 ? f->pf_hinted : 1; i < f->pf_n; i++)
		desc_hint(f, pf_at(f, i));
	f->pf_hinted = f->pf_n;
}
