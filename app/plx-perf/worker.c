/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The plx-dma authors
 */

/*
 * dpdk-test-plx-perf: what a worker lcore runs for one case, the measured
 * loops (dpdk-test-dma-perf's for the DMA engines, rte_memcpy for the
 * CPU) and the low-load latency run, with its busy and idle accounting
 * (main.c says what counts as idle).
 */

#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_dmadev.h>
#include <rte_launch.h>
#include <rte_memcpy.h>
#include <rte_pause.h>

#include "plx_perf.h"

static inline uint8_t *
chan_src(const struct chan *ch)
{
	return ch->src_mz->addr;
}

static inline uint8_t *
chan_dst(const struct chan *ch)
{
	return ch->dst_mz->addr;
}

/* Where buffer buf is in the source and the destination zone. */
static inline size_t
buf_off(const struct chan *ch, uint32_t buf)
{
	return ch->first + (size_t)buf * ch->stride;
}

/*
 * Instruction-count mode: wait, without touching the driver, until the
 * simulated engine has processed everything submitted. Yield, so that
 * valgrind, which runs one thread at a time, switches to the engine.
 */
static __rte_noinline void
sync_engine(struct chan *ch)
{
	/* An op of --sg segments is as many descriptors (equal lists). */
	while (plx_sim_desc_count(sim, ch->sim_fn[ch->engine]) - ch->sim_base <
			ch->submitted * opt.sges)
		sched_yield();
}

static inline uint16_t
dma_poll(struct chan *ch)
{
	uint16_t last, n;
	bool err = false;

	if (opt.sync)
		sync_engine(ch);
	n = rte_dma_completed(ch->dev_id, 0, MAX_CPL, &last, &err);
	ch->done += n;
	ch->polls++;
	if (n == 0)
		ch->empty_polls++;
	if (unlikely(err))
		ch->error = -EIO;
	return n;
}

/* Poll until something completes; what follows a first empty poll is idle. */
static void
dma_wait(struct chan *ch)
{
	uint64_t t0, t;

	if (dma_poll(ch) != 0 || ch->error != 0)
		return;
	t0 = rte_rdtsc();
	do {
		t = rte_rdtsc();
		if (t - t0 > WAIT_LIMIT_S * tsc_hz) {
			ch->error = -ETIMEDOUT;
			break;
		}
	} while (dma_poll(ch) == 0 && ch->error == 0);
	ch->idle += t - t0;
}

/*
 * The ring is full: collect until a kick batch (at most half the ring)
 * fits again. By default the worker re-polls at once, as an application
 * with nothing else to do, and as dpdk-test-dma-perf (which retries the
 * copy after every poll instead, and so submits one op at a time whenever
 * the engine is slower than the worker). With --paced it waits about as
 * long as the missing completions should take, from the rate seen in this
 * wait, instead of re-reading descriptors the engine is writing: the figure
 * is then the driver's cost, not that of a cache line bouncing between the
 * cores at the engine's pace.
 */
static void
dma_wait_room(struct chan *ch)
{
	uint64_t room = RTE_MIN(ch->batch, ch->ring_cap / 2);
	uint64_t want = ch->done + RTE_MIN(room, ch->issued - ch->done);
	uint64_t first_done = 0, first_t = 0;

	for (;;) {
		uint64_t t, until;

		dma_wait(ch);
		if (ch->done >= want || ch->error != 0)
			return;
		if (!opt.paced)
			continue;
		t = rte_rdtsc();
		if (first_t == 0) {
			first_t = t;
			first_done = ch->done;
			continue;
		}
		until = t + RTE_MIN((t - first_t) * (want - ch->done) /
			(ch->done - first_done + 1), tsc_hz / PACE_MAX_HZ);
		while (rte_rdtsc() < until)
			rte_pause();
		ch->idle += rte_rdtsc() - t;
	}
}

static inline void
dma_submit(struct chan *ch)
{
	int ret = rte_dma_submit(ch->dev_id, 0);

	if (unlikely(ret < 0))
		ch->error = ret;
	ch->submitted = ch->issued;
}

/* Stop at the end of a pass over the buffers once the time is up. */
static inline bool
pass_end(const struct chan *ch, uint64_t start)
{
	return ch->duration != 0 && rte_rdtsc() - start >= ch->duration;
}

/*
 * One op of --sg segments on each side: the buffer cut into equal parts,
 * the last taking the remainder.
 */
static inline int
dma_copy_sg(int16_t dev, rte_iova_t src, rte_iova_t dst, uint32_t size)
{
	struct rte_dma_sge s[PERF_MAX_SGES], d[PERF_MAX_SGES];
	const uint16_t n = opt.sges;
	const uint32_t part = size / n;
	uint16_t i;

	for (i = 0; i < n; i++) {
		s[i].addr = src + (uint64_t)i * part;
		d[i].addr = dst + (uint64_t)i * part;
		s[i].length = d[i].length = i + 1 < n ? part :
			size - (uint32_t)(n - 1) * part;
	}
	return rte_dma_copy_sg(dev, 0, s, d, n, n, 0);
}

/* The measured loop of the DMA engines, dpdk-test-dma-perf's. */
static __rte_noinline void
perf_dma_loop(struct chan *ch, uint64_t start)
{
	const rte_iova_t src0 = ch->src_mz->iova + ch->first;
	const rte_iova_t dst0 = ch->dst_mz->iova + ch->first;
	const int16_t dev = ch->dev_id;
	const uint32_t size = ch->size;
	const uint64_t stride = ch->stride;
	const uint16_t batch = ch->batch;
	rte_iova_t src = src0, dst = dst0;
	uint32_t buf = 0;
	uint16_t pending = 0;

	while (ch->issued < ch->max_ops && ch->error == 0) {
		int ret;

		if (buf == ch->nbuf) {
			buf = 0;
			src = src0;
			dst = dst0;
			if (pass_end(ch, start))
				break;
		}
		ret = opt.sges > 1 ? dma_copy_sg(dev, src, dst, size) :
			rte_dma_copy(dev, 0, src, dst, size, 0);
		if (unlikely(ret < 0)) {
			if (ret != -ENOSPC) {
				ch->error = ret;
				break;
			}
			if (pending != 0) {
				dma_submit(ch);
				pending = 0;
			}
			dma_wait_room(ch);
			continue;
		}
		ch->issued++;
		buf++;
		src += stride;
		dst += stride;
		if (++pending == batch) {
			dma_submit(ch);
			pending = 0;
			dma_poll(ch);
		}
	}
	if (pending != 0)
		dma_submit(ch);
	while (ch->done < ch->issued && ch->error == 0)
		dma_wait(ch);
}

/* The same for rte_memcpy on the worker. */
static __rte_noinline void
perf_cpu_loop(struct chan *ch, uint64_t start)
{
	uint8_t *const src0 = chan_src(ch) + ch->first;
	uint8_t *const dst0 = chan_dst(ch) + ch->first;
	const uint32_t size = ch->size;
	const uint64_t stride = ch->stride;
	uint8_t *src = src0, *dst = dst0;
	uint32_t buf = 0;

	while (ch->issued < ch->max_ops) {
		if (buf == ch->nbuf) {
			buf = 0;
			src = src0;
			dst = dst0;
			if (pass_end(ch, start))
				break;
		}
		rte_memcpy(dst, src, size);
		ch->issued++;
		buf++;
		src += stride;
		dst += stride;
	}
	ch->done = ch->issued;
}

/* Low load: one operation in flight, submitted on its own. */
static void
perf_latency(struct chan *ch)
{
	unsigned int i, buf = 0;

	for (i = 0; i < opt.lat_samples + LAT_WARM && ch->error == 0; i++) {
		size_t off = buf_off(ch, buf);
		uint64_t t0, t1;

		t0 = rte_rdtsc_precise();
		if (ch->engine == ENG_CPU) {
			rte_memcpy(chan_dst(ch) + off, chan_src(ch) + off,
				ch->size);
		} else {
			int ret = rte_dma_copy(ch->dev_id, 0,
				ch->src_mz->iova + off, ch->dst_mz->iova + off,
				ch->size, RTE_DMA_OP_FLAG_SUBMIT);

			if (ret < 0) {
				ch->error = ret;
				break;
			}
			ch->issued++;
			ch->submitted = ch->issued;
			dma_wait(ch);
		}
		t1 = rte_rdtsc_precise();
		if (i >= LAT_WARM)
			ch->lat[i - LAT_WARM] = t1 - t0;
		if (++buf == ch->nbuf)
			buf = 0;
	}
	if (ch->engine == ENG_CPU)
		ch->issued = ch->done = i;
}

/* Source: a pattern unique to the case; destination: zero; buffers only. */
static void
buffers_fill(struct chan *ch, uint32_t nbuf)
{
	uint8_t *s = chan_src(ch);
	uint32_t b;

	for (b = 0; b < nbuf; b++) {
		size_t i = buf_off(ch, b), end = i + ch->size;

		for (; i + 8 <= end; i += 8) {
			uint64_t v = (ch->seed + i) *
				UINT64_C(0x9e3779b97f4a7c15);

			memcpy(s + i, &v, 8);
		}
		for (; i < end; i++)
			s[i] = (uint8_t)(ch->seed + i);
		memset(chan_dst(ch) + buf_off(ch, b), 0, ch->size);
	}
}

/* Every buffer was copied at least once (none, in null-copy mode). */
static bool
buffers_verify(const struct chan *ch, uint32_t nbuf)
{
	const uint8_t *d = chan_dst(ch), *s = chan_src(ch);
	uint32_t b;

	for (b = 0; b < nbuf; b++) {
		const uint8_t *db = d + buf_off(ch, b);

		if (ch->engine != ENG_PLX_NULL ?
				memcmp(db, s + buf_off(ch, b), ch->size) != 0 :
				db[0] != 0 || memcmp(db, db + 1, ch->size - 1) != 0)
			return false;
	}
	return true;
}

static void
barrier(struct chan *ch)
{
	rte_atomic_fetch_add_explicit(ch->ready, 1, rte_memory_order_acq_rel);
	while (rte_atomic_load_explicit(ch->ready, rte_memory_order_acquire) < ch->nb_chans)
		rte_pause();
}

static void
counters_reset(struct chan *ch)
{
	ch->issued = ch->done = ch->submitted = 0;
	ch->busy = ch->idle = 0;
	ch->polls = ch->empty_polls = 0;
	if (opt.sync)
		ch->sim_base = plx_sim_desc_count(sim, ch->sim_fn[ch->engine]);
}

/* The run-queue waits of this worker and of the simulated engine. */
static void
waits_read(uint64_t w[2])
{
	w[0] = thread_wait_ns(0);
	w[1] = engine_tid >= 0 ? thread_wait_ns(engine_tid) : UINT64_MAX;
}

static void
waits_since(uint64_t w[2])
{
	uint64_t now[2];
	unsigned int i;

	waits_read(now);
	for (i = 0; i < 2; i++)
		w[i] = now[i] == UINT64_MAX || w[i] == UINT64_MAX ?
			UINT64_MAX : now[i] - w[i];
}

static void
run_loop(struct chan *ch, uint64_t start)
{
	if (ch->engine == ENG_CPU)
		perf_cpu_loop(ch, start);
	else
		perf_dma_loop(ch, start);
}

int
perf_worker(void *arg)
{
	struct chan *ch = arg;
	uint32_t nbuf = ch->nbuf;
	uint64_t max_ops = ch->max_ops, start;

	/* The latency run uses its first buffers only. */
	if (ch->latency)
		nbuf = RTE_MIN(nbuf, opt.lat_samples + LAT_WARM);
	buffers_fill(ch, nbuf);
	ch->error = 0;
	if (ch->latency) {
		counters_reset(ch);
		perf_latency(ch);
	} else {
		/* Warm up: wake the engine, fault the ring and buffers in
		 * (not when counting instructions: every op would count). */
		ch->max_ops = RTE_MIN((uint64_t)ch->nbuf, 4096u);
		counters_reset(ch);
		if (!opt.sync)
			run_loop(ch, 0);
		ch->max_ops = max_ops;
		counters_reset(ch);
		waits_read(ch->wait_ns);
		barrier(ch);
		start = rte_rdtsc();
		run_loop(ch, start);
		ch->busy = rte_rdtsc() - start - ch->idle;
		waits_since(ch->wait_ns);
	}
	ch->verified = ch->error == 0 && buffers_verify(ch, nbuf);
	rte_atomic_store_explicit(&ch->finished, true, rte_memory_order_release);
	return 0;
}

/* The line the probe and its echo hand each other, a count in it. */
#define XFER_STOP	UINT64_MAX
static struct {
	alignas(RTE_CACHE_LINE_SIZE) RTE_ATOMIC(uint64_t) turn;
} xfer_line;

/* The worker's side: answer each odd turn with the next even one. */
static int
xfer_echo(void *arg __rte_unused)
{
	for (;;) {
		uint64_t t = rte_atomic_load_explicit(&xfer_line.turn,
			rte_memory_order_acquire);

		if (t == XFER_STOP)
			break;
		if (t & 1)
			rte_atomic_store_explicit(&xfer_line.turn, t + 1,
				rte_memory_order_release);
		else
			rte_pause();
	}
	return 0;
}

/*
 * At most XFER_TRIPS round trips and about 2 ms: where the two lcores
 * share a CPU, each trip is a time slice.
 */
uint64_t
xfer_probe(unsigned int lcore)
{
	uint64_t t, t0 = 0, limit = rte_get_tsc_hz() / 500, trips = 0;

	rte_atomic_store_explicit(&xfer_line.turn, 0, rte_memory_order_release);
	if (rte_eal_remote_launch(xfer_echo, NULL, lcore) != 0)
		return 0;
	/* The first trip waits for the worker to start: not counted. */
	for (t = 0; t < 2 * XFER_TRIPS; t += 2) {
		if (t == 2)
			t0 = rte_rdtsc();
		else if (t > 2 && rte_rdtsc() - t0 > limit)
			break;
		rte_atomic_store_explicit(&xfer_line.turn, t + 1,
			rte_memory_order_release);
		while (rte_atomic_load_explicit(&xfer_line.turn,
				rte_memory_order_acquire) != t + 2)
			rte_pause();
		trips += t >= 2;
	}
	t = rte_rdtsc() - t0;
	rte_atomic_store_explicit(&xfer_line.turn, XFER_STOP,
		rte_memory_order_release);
	rte_eal_wait_lcore(lcore);
	return trips != 0 ? t / trips : 0;
}
