/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * Seeded timing chaos (plx_sim_conf.chaos): what the engine thread draws
 * to be as unfriendly in time as silicon may be, without leaving the
 * contract. Each function has two streams from the seed: one drawn once
 * per descriptor (its latency, a pause after it), which a replay with the
 * same seed repeats as long as the same descriptors run; one drawn per
 * service of the function (its batch size, deferred CTRL polls), which
 * follows the run's own timing.
 */

#include "plx_sim_priv.h"

/* splitmix64: small, fast, and any seed (0 included) is a good one. */
static uint64_t
chaos_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
chaos_init(struct plx_func *f, uint64_t seed)
{
	uint64_t s = seed ^ ((uint64_t)f->fn << 56);

	f->chaos_desc_rng = chaos_next(&s);
	f->chaos_svc_rng = chaos_next(&s);
	f->chaos_digest = 0;
	f->ctrl_defer_until = 0;
}

/* Uniform in [lo, hi) ns. */
static uint64_t
chaos_range(uint64_t r, uint64_t lo, uint64_t hi)
{
	return lo + r % (hi - lo);
}

/*
 * The time the next descriptor takes, held snapshots and all: most take
 * none; one in eight is held, mostly a few microseconds, one in 128 for
 * up to 300 us; one in 64 is followed by a pause before the next.
 * (Every wait costs the engine thread a yield of the CPU on a loaded
 * machine, so they are kept rare enough for a test suite to run.)
 */
uint64_t
chaos_desc_ns(struct plx_func *f)
{
	uint64_t r = chaos_next(&f->chaos_desc_rng);
	unsigned int kind = r & 127;
	uint64_t t;

	r >>= 8;
	if (kind < 112)
		t = 0;
	else if (kind < 124)
		t = chaos_range(r, 1, 5000);
	else if (kind < 127)
		t = chaos_range(r, 5000, 50000);
	else
		t = chaos_range(r, 50000, 300000);
	if (((r >> 40) & 63) == 0)
		t += chaos_range(r >> 20, 1000, 100000);
	plx_sim_store(&f->chaos_digest,
		(f->chaos_digest ^ t) * UINT64_C(0x100000001b3),
		memory_order_relaxed);
	return t;
}

/* Descriptors the engine takes before serving the next function. */
unsigned int
chaos_batch(struct plx_func *f, unsigned int max)
{
	return 1 + (unsigned int)(chaos_next(&f->chaos_svc_rng) % max);
}

/*
 * Whether to leave software's CTRL writes where they are for now: one
 * poll in eight starts a deferral of up to 30 us, as a slow register
 * path. Transitions still take every write (ctrl_commit()), so nothing
 * is missed, only seen late.
 */
bool
chaos_ctrl_deferred(struct plx_func *f)
{
	uint64_t now = now_ns(), r;

	if (now < f->ctrl_defer_until)
		return true;
	r = chaos_next(&f->chaos_svc_rng);
	if ((r & 7) != 0)
		return false;
	f->ctrl_defer_until = now + chaos_range(r >> 3, 1000, 30000);
	return true;
}
